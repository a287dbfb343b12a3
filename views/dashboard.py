"""Dashboard: the shared scorecard that opens the weekly revenue-machine meeting."""

import io

import pandas as pd
import streamlit as st

from revmachine import cache, charts, export, metrics, ui
from revmachine.errors import UserError

period, filt = ui.start_page("Alignment dashboard")
try:
    card = cache.call(metrics.scorecard, period.label, filt)
except UserError as exc:
    ui.user_error(exc)
    st.stop()

cfg = card["settings"]
cur = cfg["currency"]
st.caption(f"**{card['period']}** ({card['period_start']:%d %b %Y} – "
           f"{pd.Timestamp(card['period_end']) - pd.Timedelta(days=1):%d %b %Y}) · compared with "
           f"{card['previous_period']} and {card['year_ago_period']} · {card['filters']}")

OWNER_BADGE = {"marketing": ":orange-badge[marketing]", "sales": ":blue-badge[sales]",
               "shared": ":green-badge[shared]"}


def delta_text(row: metrics.Row) -> str | None:
    if row.change is None:
        return None
    if row.unit == "pct":
        return f"{row.change * 100:+.1f} pts vs {card['previous_period']}"
    return f"{row.change * 100:+.1f}% vs {card['previous_period']}"


rows = [r for r in card["rows"] if r.metric != "lead_share"]
for group in metrics.GROUPS:
    group_rows = [r for r in rows if metrics.BY_ID[r.metric].group == group]
    if not group_rows:
        continue
    st.subheader(group.capitalize())
    cols = st.columns(min(len(group_rows), 4))
    for i, r in enumerate(group_rows):
        m = metrics.BY_ID[r.metric]
        target = {True: " · :green[on target]", False: " · :red[off target]", None: ""}[r.on_target]
        yoy = (f"{r.yoy * 100:+.1f}{' pts' if r.unit == 'pct' else '%'} vs {card['year_ago_period']}"
               if r.yoy is not None else "no year-ago data")
        with cols[i % len(cols)]:
            trend = [v for v in r.trend if v is not None]
            st.metric(m.label, ui.fmt_value(r.value, r.unit, cur), delta=delta_text(r),
                      delta_color="inverse" if r.metric in metrics.LOWER_IS_BETTER else "normal",
                      help=f"{m.definition}", border=True,
                      chart_data=trend if len(trend) > 1 else None, chart_type="line")
            st.markdown(f"{OWNER_BADGE[m.owner]}{target}  \n{yoy}")
            if r.note:
                st.caption(r.note)
    with st.expander(f"How is this computed? ({group})"):
        for r in group_rows:
            m = metrics.BY_ID[r.metric]
            st.markdown(f"**{m.label}** (`{m.id}`, owner: {m.owner}): {m.definition}")

share = [r for r in card["rows"] if r.metric == "lead_share"]
st.subheader("Leads per channel")
if share:
    sdf = pd.DataFrame([{"channel": r.segment, "share of leads": r.value,
                         f"change vs {card['previous_period']} (pts)": None if r.change is None else r.change * 100}
                        for r in share])
    st.dataframe(sdf, hide_index=True, width="stretch",
                 column_config={"share of leads": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)})
else:
    st.info("— Upload a leads sheet with a Lead Source / channel column to see the channel mix.")
with st.expander("How is this computed? (leads per channel)"):
    st.markdown(metrics.BY_ID["lead_share"].definition)

st.subheader("Attainment by territory")
att = cache.call(metrics.attainment_by_territory, period.label, filt)
if len(att) and att["revenue_target"].notna().any():
    st.altair_chart(charts.attainment_by_territory(att, card["period"], cur), width="stretch")
else:
    st.info("— No revenue target for this period: upload a targets sheet (Period, Territory, Revenue Target).")

st.subheader("Revenue SLA scoreboard")
sla = cache.call(metrics.sla_by_territory, period.label, filt)
if len(sla) and sla["mqls"].sum() > 0:
    view = pd.DataFrame({
        "territory": sla.territory,
        "MQLs (marketing)": sla.mqls,
        "MQL quota": sla.mql_quota.round(0),
        "% of quota": [None if not q else m / q for m, q in zip(sla.mqls, sla.mql_quota, strict=True)],
        f"touched ≤ {cfg['sla_hours']:g} h": [w / m if m else None for w, m in zip(sla.within_sla, sla.mqls, strict=True)],
        f"≥ {cfg['min_attempts']} attempts": [a / m if m else None for a, m in zip(sla.min_attempts_met, sla.mqls, strict=True)],
        "feedback given": [f / m if m else None for f, m in zip(sla.with_feedback, sla.mqls, strict=True)],
        "median response (h)": sla.median_response_hours.round(1),
    })
    pct = st.column_config.NumberColumn(format="percent")
    st.dataframe(view, hide_index=True, width="stretch",
                 column_config={c: pct for c in view.columns if c.startswith(("%", "touched", "≥", "feedback"))})
    st.altair_chart(charts.sla_compliance(sla, card["period"], cfg["sla_hours"], cfg["min_attempts"]), width="stretch")
    breaches = cache.call(metrics.sla_breaches, period.label, filt)
    st.markdown(f"**{len(breaches):,} handed-off leads breach the SLA** (late first touch, fewer than "
                f"{cfg['min_attempts']} attempts, or no accept/reject decision within {cfg['decision_days']:g} days).")
    st.dataframe(breaches.head(200), hide_index=True, width="stretch")
    st.download_button("Download all breaching leads (csv)", export.csv_bytes(breaches),
                       f"sla_breaches_{card['period']}.csv", "text/csv", key="dl_breaches")
else:
    st.info("— No handed-off leads in this period: the SLA needs a leads sheet with MQL dates.")
with st.expander("How is this computed? (revenue SLA)"):
    st.markdown(f"Marketing commits to a quota of MQLs per territory (targets sheet, MQL Quota); sales "
                f"commits to touch each handed-off lead within **{cfg['sla_hours']:g} hours** of the "
                f"handoff (MQL date), with at least **{cfg['min_attempts']} attempts**, and to give "
                f"feedback: accept (SAL) or reject with a reason, within **{cfg['decision_days']:g} days**. "
                "A first touch is the earliest activity at or after the handoff, or First Response.")

st.subheader("Export")
buf = io.BytesIO()
export.scorecard_xlsx(card, buf)
st.download_button("Download the scorecard (xlsx)", buf.getvalue(), f"scorecard_{card['period']}.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_scorecard")

"""Dashboard: the shared scorecard that opens the weekly revenue-machine meeting."""

import io

import pandas as pd
import streamlit as st

from revmachine import accounts, cache, charts, export, format, metrics, ui
from revmachine.errors import UserError
from revmachine.format import esc

period, filt = ui.start_page("Alignment dashboard")
try:
    card = cache.call(metrics.scorecard, period.label, filt)
except UserError as exc:
    ui.user_error(exc)
    st.stop()

cfg = card["settings"]
cur = cfg["currency"]
fy = ui.fy_start()
prev_p, ly_p = period.shift(-1, fy), period.year_ago(fy)
compare = (f"Changes against {prev_p.describe()}; a year earlier: {ly_p.describe()}."
           if period.grain != "all" else "No comparison for all the data.")
st.caption(ui.window(period, filt) + " · " + esc(compare))

OWNER_BADGE = {"marketing": ":orange-badge[marketing]", "sales": ":blue-badge[sales]",
               "shared": ":green-badge[shared]"}
# how a metric's value reads (the cost ratio says what it is; follow-ups are a count per SQL)
DISPLAY_UNIT = {"cost_to_revenue": "cost_ratio"}


def heading(group: str) -> str:
    return group[:1].upper() + group[1:]


rows = [r for r in card["rows"] if r.metric != "lead_share"]
for group in metrics.GROUPS:
    group_rows = [r for r in rows if metrics.BY_ID[r.metric].group == group]
    if not group_rows:
        continue
    st.subheader(heading(group))
    cols = st.columns(min(len(group_rows), 4))
    for i, r in enumerate(group_rows):
        m = metrics.BY_ID[r.metric]
        target = {True: " · :green[on target]", False: " · :red[off target]", None: ""}[r.on_target]
        yoy = (f"{format.delta(r.yoy, r.unit)} on a year earlier" if r.yoy is not None else "no year-earlier data")
        with cols[i % len(cols)]:
            trend = [v for v in r.trend if v is not None]
            help_text = m.definition
            if r.metric == "attainment" and period.to_date:
                help_text += (f" In a period to date the target is prorated to the {period.days} of "
                              f"{period.full(fy).days} days so far, so this is the pace: where "
                              f"{period.full(fy).label} ends against its target at today's rate.")
            # money in several currencies without rates: one tile per currency, labelled with its code
            label = f"{m.label} ({r.segment})" if r.segment else m.label
            sym = f"{r.currency} " if r.segment and r.currency else cur
            st.metric(esc(label), format.value(r.value, DISPLAY_UNIT.get(r.metric, r.unit), sym),
                      delta=format.delta(r.change, r.unit),
                      delta_color="inverse" if r.metric in metrics.LOWER_IS_BETTER else "normal",
                      help=esc(help_text), border=True,
                      chart_data=trend if len(trend) > 1 else None, chart_type="line")
            st.markdown(f"{OWNER_BADGE[m.owner]}{target}  \n{esc(yoy)}")
            if r.note:
                st.caption(esc(r.note))
    with st.expander(f"How is this computed? ({heading(group).lower()})"):
        for r in group_rows:
            m = metrics.BY_ID[r.metric]
            st.markdown(f"**{esc(m.label)}** (owner: {m.owner}): {esc(m.definition)}")

# seed 000's six outcomes of aligned organisations, beside the seeds' benchmarks
st.subheader("Six outcomes of aligned organisations")
st.caption(esc("Seed 000's outcomes, each measured by a scorecard figure for " + period.describe()
               + ", against a year earlier; the benchmarks are what aligned organisations report (seeds 002, 004)."))
oc = accounts.six_outcomes(card)
# a static table: its long sentences wrap instead of pushing columns out of the projector's width
st.table(pd.DataFrame({
    "Outcome": oc.outcome,
    "Measured as": oc.measured_as,
    "This period": [format.value(v, u, cur) for v, u in zip(oc.value, oc.unit, strict=True)],
    "A year earlier": [format.value(v, u, cur) for v, u in zip(oc.year_ago, oc.unit, strict=True)],
    "Change": [format.delta(g, u) or format.DASH for g, u in zip(oc.growth, oc.unit, strict=True)],
    "Aligned organisations": oc.benchmark,
    **({"What it needs": [n if isinstance(n, str) else "" for n in oc.unlock]} if oc.unlock.notna().any() else {}),
}).set_index("Outcome"))

st.subheader("Growth by source: new logos, expansion, renewals")
growth = cache.call(accounts.growth_by, period.label, filt, "sourced_by")
if len(growth) and growth.won_deals.sum() > 0:
    shown = [c for c in ["segment", "currency", "won_deals", "new_accounts", "new_revenue", "expansion_revenue",
                         "renewal_revenue", "new_share_of_revenue"] if c != "currency" or growth.currency.nunique() > 1]
    st.dataframe(format.table(growth[shown], {"won_deals": "count", "new_accounts": "count", "new_revenue": "money",
                                              "expansion_revenue": "money", "renewal_revenue": "money",
                                              "new_share_of_revenue": "pct", "currency": "text"}, cur,
                              labels={"segment": "Sourced by", "new_revenue": "New business",
                                      "expansion_revenue": "Expansion", "renewal_revenue": "Renewals",
                                      "new_share_of_revenue": "New business share"}),
                 hide_index=True, width="stretch")
    st.caption(esc("Won deals closed in " + period.describe() + " by who sourced them (channel map); the "
                   "marketer matrix has the same split by campaign. A deal counts as new business, expansion "
                   "or renewal by the rules under 'How is this computed? (customers)'."))
else:
    st.info("— No won deal in this period: the split needs a deals sheet with Stage and Close Date.")

share = [r for r in card["rows"] if r.metric == "lead_share"]
st.subheader("Leads per channel")
if share:
    sdf = pd.DataFrame([{"Channel": r.segment, "Share of leads": r.value,
                         "Change": format.pts(r.change) if r.change is not None else format.DASH}
                        for r in share])
    st.dataframe(sdf, hide_index=True, width="stretch",
                 column_config={"Share of leads": st.column_config.ProgressColumn(format="percent", min_value=0,
                                                                                  max_value=1)})
else:
    st.info("— Upload a leads sheet with a Lead Source / channel column to see the channel mix.")
with st.expander("How is this computed? (leads per channel)"):
    st.markdown(esc(metrics.BY_ID["lead_share"].definition))

st.subheader("Attainment by territory")
att = cache.call(metrics.attainment_by_territory, period.label, filt)
if len(att) and att["revenue_target"].notna().any():
    st.altair_chart(charts.attainment_by_territory(att, period.describe(), cur), width="stretch")
    if period.to_date:
        st.caption(esc(f"Targets prorated to the {period.days} days of {period.full(fy).label} so far."))
else:
    st.info("— No revenue target for this period: upload a targets sheet (Period, Territory, Revenue Target).")

st.subheader("Revenue SLA scoreboard")
sla = cache.call(metrics.sla_by_territory, period.label, filt)
if len(sla) and sla["mqls"].sum() > 0:
    view = pd.DataFrame({
        "Territory": sla.territory,
        "MQLs (marketing)": [format.count(v) for v in sla.mqls],
        "MQL quota": [format.count(v) for v in sla.mql_quota],
        "% of quota": [format.pct(metrics.ratio(m, q)) for m, q in zip(sla.mqls, sla.mql_quota, strict=True)],
        f"Touched ≤ {cfg['sla_hours']:g} h": [format.pct(metrics.ratio(w, m)) for w, m in
                                               zip(sla.within_sla, sla.mqls, strict=True)],
        f"≥ {cfg['min_attempts']} attempts": [format.pct(metrics.ratio(a, m)) for a, m in
                                              zip(sla.min_attempts_met, sla.mqls, strict=True)],
        "Feedback given": [format.pct(metrics.ratio(f, m)) for f, m in zip(sla.with_feedback, sla.mqls, strict=True)],
        "Median response": [format.hours(v) for v in sla.median_response_hours],
    })
    st.dataframe(view, hide_index=True, width="stretch")
    st.altair_chart(charts.sla_compliance(sla, period.describe(), cfg["sla_hours"], cfg["min_attempts"]),
                    width="stretch")
    breaches = cache.call(metrics.sla_breaches, period.label, filt)
    st.markdown(f"**{format.count(len(breaches))} handed-off leads breach the SLA** (late first touch, fewer than "
                f"{cfg['min_attempts']} attempts, or no accept/reject decision within {cfg['decision_days']:g} days).")
    shown = breaches.head(200).drop(columns=[c for c in ("channel",) if c in breaches.columns])
    st.dataframe(format.table(shown, {"response_hours": "hours", "touch_count": "count"}),
                 hide_index=True, width="stretch")
    st.caption("The first 200, newest first; the download has them all, with the channel.")
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

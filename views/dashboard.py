"""Dashboard: the shared scorecard that opens the weekly revenue-machine meeting."""

import io

import pandas as pd
import streamlit as st

from revmachine import accounts, cache, charts, export, format, metrics, ui
from revmachine import sla as sla_mod
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
hours = cfg["sla_hours"]
if len(sla) and (sla["mqls"].sum() > 0 or sla["sales_sourced_mqls"].sum() > 0):
    st.caption("Each side is judged on what it owns: marketing's quota counts the marketing-sourced MQLs only "
               "(sales-sourced MQLs are shown beside it, not in it); sales' follow-up is judged on those same "
               "marketing-sourced handoffs (a lead sales sourced itself is a rep's own, not a handoff).")
    ratio = metrics.ratio
    marketing_side = pd.DataFrame({
        "Territory": sla.territory,
        "Marketing MQLs": [format.count(v) for v in sla.mqls],
        "MQL quota": [format.count(v) for v in sla.mql_quota],
        "% of quota": [format.pct(ratio(m, q)) for m, q in zip(sla.mqls, sla.mql_quota, strict=True)],
        "Sales-sourced MQLs (beside, not in it)": [format.count(v) for v in sla.sales_sourced_mqls],
    })
    sales_side = pd.DataFrame({
        "Territory": sla.territory,
        (f"Touched ≤ {hours:g} h" if hours is not None else "Touched"): [
            format.pct(ratio(w if hours is not None else t, m))
            for w, t, m in zip(sla.within_sla, sla.touched, sla.mqls, strict=True)],
        "Never touched": [format.pct(ratio(n, w)) for n, w in
                          zip(sla.never_touched, sla.past_first_touch_window, strict=True)],
        f"≥ {cfg['min_attempts']} attempts": [format.pct(ratio(a, m)) for a, m in
                                              zip(sla.min_attempts_met, sla.mqls, strict=True)],
        "Feedback given": [format.pct(ratio(f, m)) for f, m in zip(sla.with_feedback, sla.mqls, strict=True)],
        "Median response": [format.hours(v) for v in sla.median_response_hours],
    })
    st.markdown("**Marketing's side**: its own MQLs against its quota")
    st.dataframe(marketing_side, hide_index=True, width="stretch")
    st.markdown("**Sales' side**: follow-up on marketing's handoffs")
    st.dataframe(sales_side, hide_index=True, width="stretch")
    if sla["mqls"].sum() > 0:
        st.altair_chart(charts.sla_compliance(sla, period.describe(), hours, cfg["min_attempts"]), width="stretch")
    breaches = cache.call(metrics.sla_breaches, period.label, filt)
    late = f"late first touch (over {hours:g} h), " if hours is not None else ""
    st.markdown(f"**{format.count(len(breaches))} marketing-sourced handed-off leads breach the SLA** ({late}never "
                f"touched, fewer than {cfg['min_attempts']} attempts, or no accept/reject decision within "
                f"{cfg['decision_days']:g} days).")
    shown = breaches.head(200).drop(columns=[c for c in ("channel", "first_touch_at") if c in breaches.columns])
    st.dataframe(format.table(shown, {"response_hours": "hours", "touch_count": "count"}),
                 hide_index=True, width="stretch")
    st.caption("The first 200, newest first; the download has them all, with the channel.")
    st.download_button("Download all breaching leads (csv)", export.csv_bytes(breaches),
                       f"sla_breaches_{card['period']}.csv", "text/csv", key="dl_breaches")
else:
    st.info("— No handed-off leads in this period: the SLA needs a leads sheet with MQL dates.")
with st.expander("How is this computed? (revenue SLA)"):
    first_touch = (f"touch each handed-off lead within **{hours:g} hours** of the handoff (MQL date; the MQL "
                   "stage's SLA hours in the stage settings)" if hours is not None else
                   "touch each handed-off lead (no first-touch SLA hours are set on the MQL stage)")
    st.markdown(f"Marketing commits to a quota of MQLs per territory (targets sheet, MQL Quota, prorated by days): "
                "its figure counts the **marketing-sourced** leads handed off in the window, by the channel map "
                "(Data page); sales-sourced MQLs are counted beside it and never in it, and MQLs from channels "
                f"mapped to neither side are in neither. Sales commits to {first_touch}, with at least "
                f"**{cfg['min_attempts']} attempts**, and to give feedback: accept (SAL) or reject with a reason, "
                f"within **{cfg['decision_days']:g} days**; its side is judged on the same marketing-sourced "
                "handoffs. A first touch is the earliest activity at or after the handoff, or First Response. "
                "**Never touched**: no sales touch at all by the data's as-of date, among the leads whose "
                "first-touch window has run out (seed 000: \"sales reps ignore 50% of marketing leads\").")

st.subheader("Handoff SLAs")
clocks = cache.call(sla_mod.handoffs, period.label, filt)
if clocks:
    for h in clocks:
        with st.container(border=True, key=f"handoff_{h['stage']}"):
            c1, c2, c3, c4 = st.columns([1.3, 1, 1.3, 1.3])
            limit = f"{h['sla_hours']:g} h" if h["sla_hours"] < 72 else format.hours(h["sla_hours"])
            c1.metric(esc(f"{h['handoff']}: within {limit}"), format.pct(h["within"]),
                      help=esc(f"The clock runs {h['clock']}. Share of the records whose clock has run that "
                               f"stopped within the SLA hours ({format.count(h['entered'])} entered the stage in "
                               f"the window; {format.count(h['waiting'])} still inside the hours)."))
            c2.metric("Breaches", format.count(h["breaches"]),
                      help="Stopped later than the SLA hours, or still waiting past them at the data's as-of date.")
            for col, key, what in ((c3, "worst_territory", "Worst territory"), (c4, "worst_owner", "Worst owner")):
                w = h[key]
                col.metric(what, esc(w["name"]) if w else "none",
                           help="The most breaches (the smallest share within the SLA on a tie).")
                if w:
                    col.caption(esc(f"{format.count(w['breaches'])} breaches, {format.pct(w['within'])} within"))
            whose = "marketing-sourced records" if h["marketing_sourced_only"] else "every record at the stage"
            st.caption(esc(f"Clock: {h['clock']}. Median {format.hours(h['median_hours'])}. Counts {whose}."))
else:
    st.info("— No stage has SLA hours set: set them per stage in the Funnel page's stage settings "
            "(the MQL stage's hours are the first-touch SLA).")

st.subheader("Export")
buf = io.BytesIO()
export.scorecard_xlsx(card, buf)
st.download_button("Download the scorecard (xlsx)", buf.getvalue(), f"scorecard_{card['period']}.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_scorecard")

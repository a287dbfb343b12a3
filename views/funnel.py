"""Funnel: where the revenue machine leaks, and what it costs."""

import io

import pandas as pd
import streamlit as st

from revmachine import cache, charts, configure, db, export, format, funnel, names, signin, ui
from revmachine.errors import UserError
from revmachine.format import esc

period, filt = ui.start_page("Funnel bottlenecks")
c1, c2, c3 = st.columns([1, 1, 2])
view = c1.segmented_control("Time", ["period", "cohort"], default="period", key="funnel_view",
                            format_func={"period": "By period", "cohort": "By cohort"}.get) or "period"
by = c2.selectbox("Break down by", ["(none)", *funnel.SEGMENTS], key="funnel_by",
                  format_func=lambda s: s.replace("_", " "))
by = None if by == "(none)" else by
campaign_names = cache.call(names.campaign_names)
campaign = c3.selectbox("Campaign", ["(all)", *cache.call(funnel.campaigns)], key="funnel_campaign",
                        format_func=lambda c: campaign_names.get(c, c))
campaign = "" if campaign == "(all)" else campaign
campaign_name = campaign_names.get(campaign, campaign)


SHOWN = ["id", "lead_id", "campaign", "territory", "owner", "entered_step_at", "handed_off_at",
         "converted", "exit_reason", "waiting_days", "touch_count"]


def readable(records: pd.DataFrame) -> pd.DataFrame:
    """A record list for a person: the columns that fit a screen (the download has them all), campaign
    names, labelled columns, dates without 00:00:00, — for unknown."""
    out = records.copy()
    if "converted" in out:  # one outcome column: converted, the exit reason, or still open
        out["outcome"] = ["converted" if c else (e if isinstance(e, str) else "open")
                          for c, e in zip(out.converted, out.get("exit_reason", [None] * len(out)), strict=True)]
    out = out[[c for c in [*SHOWN, "outcome"] if c in out.columns and c not in ("converted", "exit_reason")]]
    if "campaign" in out:
        out["campaign"] = [campaign_names.get(c, c) if isinstance(c, str) else c for c in out.campaign]
    return format.table(out, {"touch_count": "count", "waiting_days": "days", "entered_step_at": "date"},
                        labels={"entered_step_at": "Entered"})

# exits, velocity and the average deal do not depend on the breakdown: computed once for both tables
ctx = cache.call(funnel.step_context, period.label, filt, view, campaign)
f = cache.call(funnel.build, period.label, filt, view, None, campaign, ctx)
what = "records entering each step in the period" if view == "period" else "leads created in the period, followed to today"
st.caption(ui.window(period, filt) + esc(f" · {what}" + (f" · campaign {campaign_name}" if campaign else "")))
if f.bottleneck:
    st.error(f"**Bottleneck:** {esc(f.sentence)}")
else:
    st.info(esc(f.sentence))
for note in f.notes:  # stages the data has no date or status for: skipped, said so
    st.caption(esc(note))

if f.steps.empty or f.steps.entered.sum() == 0:
    st.warning("No records reach any stage in this period. A leads sheet (stage dates or status) unlocks "
               "the lead → MQL → SAL steps; a deals sheet the opportunity → won steps.")
else:
    st.altair_chart(charts.funnel_volume(f.steps, period.describe(), view), width="stretch")
    cur = "$"
    table = pd.DataFrame({
        "Step": f.steps.step,
        "Entered": [format.count(v) for v in f.steps.entered],
        "Conversion": [format.pct(v) for v in f.steps.rate],
        "Benchmark": [format.pct(v) for v in f.steps.benchmark],
        "Gap": [format.pts(v) for v in f.steps.gap],
        "Median": [format.days(v) for v in f.steps.median_days],
        "Exits": [format.count(v) for v in f.steps.exits],
        "Recycled": [format.count(v) for v in f.steps.recycled],
        "At stake": [format.money(v, cur) for v in f.steps.revenue_at_stake],
        "Judged": ["no: too recent" if not m else "yes" for m in f.steps.mature],
    })
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption("Median: days in the stage before converting. Recycled: did not convert and went quiet (not an "
               "exit: a lead that re-engages comes back). At stake: revenue at stake. Judged: a step is too recent "
               "to judge while its newest records have not had time to convert.")
    with st.expander("How is this computed?"):
        st.markdown(
            "**Conversion** = records that reached the next stage ÷ records that entered the step. "
            "**Revenue at stake** = (benchmark − conversion) × records entering × the share of the "
            "step's converted records later won × the average won deal "
            f"({esc(format.money(f.avg_deal))} in this period), and 0 when the step beats its benchmark. "
            "The **bottleneck** is the mature step with the most revenue at stake. A step is **immature** "
            "when the newest records have not yet had the 80th-percentile time to convert (measured "
            "velocity), and is never called the bottleneck. Days in stage leave out inferred stage dates "
            "(a lead with only a current stage counts as having passed the stages before it) and the months "
            "of a lead that went quiet and came back. **Exits** are lost, disqualified or rejected; a lead "
            "with no movement or sales touch for the configured days (Data page, settings) is **recycled**: "
            "a state, not an exit, and one that re-engages (a later touch or a new stage date, such as a new "
            "MQL date) comes back at the stage its new dates show.")

    st.subheader("Exits without purchase")
    if len(f.exits):
        order = f.exits.drop_duplicates("step_index").sort_values("step_index").step.tolist()
        pivot = (f.exits.pivot_table(index="exit_reason", columns="step", values="records", aggfunc="sum")
                 .reindex(columns=order).fillna(0).astype(int))
        shown = pivot.map(format.count).reset_index().rename(columns={"exit_reason": "Exit reason"})
        st.dataframe(shown, hide_index=True, width="stretch")
    else:
        st.caption("— No exits recorded in this selection.")

    st.subheader("Recycled and came back")
    back = cache.call(funnel.came_back, period.label, filt, view, campaign)
    quiet_days = cache.call(configure.settings).get("stale_days", "180")
    if len(back):
        if view == "period":
            st.caption(esc(f"Recycled: leads that went quiet in the period (no movement or sales touch for {quiet_days} "
                           "days) and are still quiet, by the stage they stopped at. Came back: leads that re-engaged "
                           "in the period, by the stage their new dates show. Neither is an exit."))
        else:
            st.caption(esc("Of the leads created in the period: recycled (quiet now, no movement or sales touch for "
                           f"{quiet_days} days) by the stage they stopped at, and came back by the stage their new dates "
                           "show. Neither is an exit."))
        st.dataframe(format.table(back[["label", "recycled", "came_back"]], {"recycled": "count", "came_back": "count"},
                                  labels={"label": "Stage", "recycled": "Recycled (quiet)",
                                          "came_back": "Came back (re-entered here)"}),
                     hide_index=True, width="stretch")
    else:
        st.caption("— No lead went quiet or came back in this selection.")

if by:
    st.subheader(f"By {by.replace('_', ' ')}")
    fb = cache.call(funnel.build, period.label, filt, view, by, campaign, ctx)
    if not fb.steps.empty:
        st.caption(esc(fb.sentence))
        heat = fb.steps
        by_name = {}
        if by == "campaign":  # names on the chart; the pick maps back to the id the records carry
            heat = fb.steps.assign(segment=[campaign_names.get(x, x) for x in fb.steps.segment])
            by_name = {campaign_names.get(x, x): x for x in fb.steps.segment}
        event = st.altair_chart(charts.gap_heatmap(heat, by, period.describe()), width="stretch",
                                on_select="rerun", key="funnel_heatmap")
        picked = ((event or {}).get("selection") or {}).get("cell") if event else None
        if picked:
            seg, step_index = picked[0].get("segment"), int(picked[0].get("step_index", 1))
            seg = by_name.get(seg, seg)
            if st.session_state.get("drill_pick") != (by, seg, step_index):
                st.session_state["drill_pick"] = (by, seg, step_index)
                st.session_state["drill_step"] = fb.steps[fb.steps.step_index == step_index].step.iloc[0]
            if seg and by in ("territory", "channel", "owner", "sourced_by"):
                st.button(f"Filter every page to {by.replace('_', ' ')} = {esc(seg)}", key="apply_segment",
                          on_click=ui.set_filter, args=(by, [seg]))
            elif seg and by == "campaign" and seg != "(no campaign)":
                st.button(f"Filter this page to campaign {esc(campaign_names.get(seg, seg))}", key="apply_segment",
                          on_click=ui.set_filter, args=("funnel_campaign", seg))

st.subheader("Drill down")
steps = f.steps[["step_index", "step"]].drop_duplicates() if not f.steps.empty else pd.DataFrame()
if len(steps):
    pick = st.session_state.get("drill_pick")
    step_label = st.selectbox("Step", steps.step.tolist(), key="drill_step")
    step_index = int(steps[steps.step == step_label].step_index.iloc[0])
    seg_by, seg = (pick[0], pick[1]) if pick and pick[0] == by else (None, None)
    # the count and the newest 500 at once (from the rollups and the newest days' records); the whole
    # list is read only when a download asks for it
    n_entered, n_converted, head = cache.call(funnel.drill_head, period.label, filt, view, step_index, seg_by, seg,
                                              campaign)
    st.caption(esc(f"{n_entered:,} records entered {step_label}{f' ({seg_by} = {seg})' if seg else ''}; "
                   f"{n_converted:,} converted."))
    st.dataframe(readable(head), hide_index=True, width="stretch")
    drill_args = (db.resolve(), period.label, filt, view, step_index, seg_by, seg, campaign)

    def drill_records(path, *args) -> pd.DataFrame:
        with db.read(path) as con:
            return funnel.drill(con, *args)

    def drill_xlsx(*args) -> bytes:
        buf = io.BytesIO()
        export.frames_xlsx({"records": drill_records(*args)}, buf)
        return buf.getvalue()

    d1, d2 = st.columns(2)
    d1.download_button("Download (csv)", lambda a=drill_args: export.csv_bytes(drill_records(*a)),
                       f"funnel_{step_index}_{f.period.label}.csv", "text/csv", key="drill_csv")
    d2.download_button("Download (xlsx)", lambda a=drill_args: drill_xlsx(*a),
                       f"funnel_{step_index}_{f.period.label}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="drill_xlsx")

st.subheader("Handoff: MQL → SAL")
h = cache.call(funnel.handoff, period.label, filt, campaign)
if h["handed_off"]:
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Handed off (marketing MQLs)", format.count(h["handed_off"]), border=True,
              help="Marketing-sourced leads handed off in the window; a lead sales sourced itself is not a handoff.")
    m2.metric("Acceptance rate", format.pct(h["acceptance_rate"], 1), border=True,
              help="Marketing-sourced MQLs accepted by sales (reached SAL) ÷ those handed off, as on the dashboard.")
    m3.metric("Rejected with a reason", format.count(h["rejected"]), border=True)
    m4.metric(f"Waiting > {h['decision_days']:g} days", format.count(len(h["waiting_too_long"])), border=True,
              help="Neither accepted nor rejected within the SLA's decision window.")
    a, b = st.columns([3, 2])
    if len(h["response_hours"]):
        a.altair_chart(charts.response_histogram(h["response_hours"], h["sla_hours"], period.describe()),
                       width="stretch")
    b.markdown("**Rejection reasons**")
    reasons = h["reasons"].assign(rejection_reason=h["reasons"].rejection_reason.fillna("(no reason given)"))
    b.dataframe(format.table(reasons, {"leads": "count"}, labels={"rejection_reason": "Reason"}),
                hide_index=True, width="stretch")
    st.markdown(f"**Leads waiting for a decision longer than {h['decision_days']:g} days**")
    st.dataframe(readable(h["waiting_too_long"].head(300)), hide_index=True, width="stretch")
    st.download_button("Download the waiting leads (csv)", export.csv_bytes(h["waiting_too_long"]),
                       f"waiting_for_acceptance_{f.period.label}.csv", "text/csv", key="dl_waiting")
else:
    st.info("— No handed-off leads in this period: the handoff needs a leads sheet with MQL dates.")

with st.expander("Stage settings: rename, reorder, add or remove stages; benchmarks and SLA hours"):
    st.caption("Rows in funnel order. The benchmark is the conversion rate from the stage to the next "
               "(0.25 = 25%). Exactly one stage is the SQL stage. SLA hours start a handoff clock (the MQL "
               "stage's are the first-touch SLA every SLA figure uses). Stage names in your exports map to a "
               "stage by its name or label.")
    current = cache.call(configure.stages)
    edited = st.data_editor(current, key="stage_editor", num_rows="dynamic", hide_index=True, width="stretch",
                            column_config={"stage": st.column_config.TextColumn("Stage"),
                                           "label": st.column_config.TextColumn("Label"),
                                           "owner": st.column_config.SelectboxColumn("Owner", options=["marketing", "sales", "shared"]),
                                           "benchmark_rate": st.column_config.NumberColumn("Benchmark to next", min_value=0.0, max_value=1.0, format="%.2f"),
                                           "sla_hours": st.column_config.NumberColumn(
                                               "SLA hours", min_value=0.0,
                                               help="A handoff clock from entering the stage: at the MQL stage, "
                                                    "the first sales touch within these hours (the first-touch "
                                                    "SLA); at any other stage, moving on or exiting within them. "
                                                    "Empty: no SLA. The last stage hands off to nothing. Each "
                                                    "stage with hours gets its scoreboard on the dashboard."),
                                           "is_sql": st.column_config.CheckboxColumn("SQL stage")})
    can_save = signin.allows("settings")
    if st.button("Save stages", key="save_stages", disabled=not can_save,
                 help=None if can_save else "Changing the stages needs the analyst role."):
        try:
            bar = st.progress(0.0, text="Saving the stages...")
            n = configure.save_stages(edited, db.resolve(), actor=signin.actor(),
                                      progress=lambda f, t: bar.progress(min(f, 1.0), text=t))
            st.success(f"Saved {n} stages; every page now follows them.")
        except UserError as exc:
            st.error(esc(str(exc)))

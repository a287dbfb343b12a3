"""Planning: from the revenue target back to the leads each territory needs, and when."""

import datetime as dt
import io

import pandas as pd
import streamlit as st

from revmachine import cache, charts, db, export, format, periods, planning, signin, ui
from revmachine.errors import UserError
from revmachine.format import esc

ui.start_page("Planning")

fy = ui.fy_start()
options = cache.call(planning.plan_periods, dt.date.today())
c1, c2 = st.columns([1, 2])
plan_period = c1.selectbox("Plan period", options, key="plan_period",
                           format_func=lambda o: periods.parse(o, fy).describe() + (
                               " (under way)" if o == options[-1] else ""),
                           help="The next quarter that has not started comes first; the quarter under way is last.")
saved = cache.state_call(planning.versions)  # plan versions live in the app-state file
if st.session_state.get("plan_saved"):
    st.success(esc(f"Saved '{st.session_state.pop('plan_saved')}': it is in the list below and in 'Start from'."))
source = c2.selectbox("Start from", ["the data (trailing actuals)", *saved.plan_name.tolist()], key="plan_source")

try:
    if source.startswith("the data"):
        base = cache.call(planning.default_inputs, plan_period)
    else:
        base = cache.state_call(planning.load_version, source)
except UserError as exc:
    ui.user_error(exc)
    st.stop()

if not base["territories"]:
    st.info("— No territories to plan: load deals or leads with a territory, and a targets sheet.")
    st.stop()

overrides: dict = st.session_state.setdefault("plan_overrides", {})
key_prefix = f"{source}|{base['period']}"
stages, labels = base["stages"], base["labels"]
w0, w1 = dt.date.fromisoformat(base["window"][0]), dt.date.fromisoformat(base["window"][1])
st.caption(esc(f"Plan {periods.parse(base['period'], fy).describe()}, per territory (the sidebar filters do not "
               f"apply: targets are set per territory) · rates from the trailing actuals of {format.span(w0, w1)} "
               "(the territory's, else company-wide when fewer than 30 records, else the benchmark) · edit any "
               "input: every number below moves at once."))

tabs = st.tabs([esc(t) for t in base["territories"]])
for tab, (t, ti) in zip(tabs, base["territories"].items(), strict=True):
    with tab:
        ov = overrides.setdefault(f"{key_prefix}|{t}", {})
        a, b, c, d = st.columns(4)
        ov["target"] = a.number_input(f"Revenue target ({ti['target_source']})", 0.0, 1e12,
                                      float(ti["target"] or 0.0), step=10000.0, format="%.0f", key=f"tg|{key_prefix}|{t}")
        ov["deal_size"] = b.number_input(f"Average deal ({ti['deal_source']})", 0.0, 1e10,
                                         float(ti["deal_size"] or 0.0), step=1000.0, format="%.0f", key=f"ds|{key_prefix}|{t}")
        ov["marketing_share"] = c.slider("Marketing-sourced share of leads", 0.0, 1.0,
                                         float(ti["marketing_share"]), 0.05, key=f"ms|{key_prefix}|{t}")
        ov["cycle_factor"] = d.slider("Cycle length × (1 = as measured)", 0.5, 2.0, 1.0, 0.1,
                                      key=f"cf|{key_prefix}|{t}")
        e, f, g = st.columns(3)
        ov["leads_per_quarter"] = e.number_input("New leads per quarter (run-rate)", 0.0, 1e9,
                                                 float(round(ti["leads_per_quarter"])), step=10.0, format="%.0f",
                                                 key=f"lq|{key_prefix}|{t}")
        ov["reps"] = f.number_input("Sales reps", 0, 10000, int(ti["reps"]), key=f"rp|{key_prefix}|{t}")
        ov["won_per_rep_per_quarter"] = g.number_input("Won deals per rep per quarter", 0.0, 1000.0,
                                                       float(round(ti["won_per_rep_per_quarter"], 1)), step=0.5,
                                                       format="%.1f", key=f"wr|{key_prefix}|{t}")
        rates = pd.DataFrame([{"from": labels[s], "to": labels[stages[i + 1]], "rate": r["rate"],
                               "source": r["source"] or format.DASH, "sample": format.count(r["sample"]),
                               "benchmark": format.pct(r["benchmark"]), "median days": format.days(r["days"])}
                              for i, (s, r) in enumerate((s, ti["rates"][s]) for s in stages[:-1])])
        edited = st.data_editor(rates, key=f"rates|{key_prefix}|{t}", hide_index=True, width="stretch",
                                disabled=["from", "to", "source", "sample", "benchmark", "median days"],
                                column_config={
                                    "from": st.column_config.TextColumn("From"), "to": st.column_config.TextColumn("To"),
                                    "rate": st.column_config.NumberColumn("Conversion to next", min_value=0.0,
                                                                          max_value=1.0, format="%.3g"),
                                    "source": st.column_config.TextColumn("Rate from"),
                                    "sample": st.column_config.TextColumn("Sample"),
                                    "benchmark": st.column_config.TextColumn("Benchmark"),
                                    "median days": st.column_config.TextColumn("Median time")})
        for s, old, new in zip(stages[:-1], rates["rate"], edited["rate"], strict=True):
            ov[f"rate:{s}"] = None if (pd.isna(new) or new == old) else float(new)

inputs = planning.apply_overrides(base, {k.rsplit("|", 1)[1]: v for k, v in overrides.items()
                                         if k.startswith(key_prefix + "|")})
plan = planning.compute(inputs)
rows = pd.DataFrame(plan["rows"])
summary = pd.DataFrame(plan["summary"])

st.subheader("Reverse waterfall")
tot = plan["total_needed"]
st.markdown("**All territories:** " + esc(" → ".join(f"{format.count(tot[s])} {labels[s]}" for s in stages)))
late = planning.past_enter_by(plan, dt.date.today())
if late:
    first = min(late, key=lambda r: r["enter_by"])
    st.warning(esc(f"{len(late)} enter-by date(s) are already past (the earliest: {format.count(first['needed'])} "
                   f"{labels[first['stage']]} in {first['territory']} by {format.date(first['enter_by'])}): that volume "
                   "had to enter before today, so plan a later period or count on the pipeline already in."))
pick = st.selectbox("Territory", list(inputs["territories"]), key="plan_chart_territory")
sel = rows[rows.territory == pick]
if sel.needed.notna().all():
    st.altair_chart(charts.waterfall(sel, labels, f"{pick}: what {plan['period']} needs, and when it must enter"),
                    width="stretch")
for err in summary[summary.error.notna()].itertuples():
    st.warning(esc(f"{err.territory}: {err.error}."))
shown = rows.assign(stage=rows.stage.map(labels).fillna(rows.stage),
                    enter_by=["— (no dates to measure the steps' days)" if not isinstance(e, str) else
                              format.date(e) + (" (past)" if e < dt.date.today().isoformat() else "")
                              for e in rows.enter_by])
st.dataframe(format.table(shown, {"needed": "count", "rate": "pct", "marketing_sourced": "count", "enter_by": "text"},
                          labels={"rate": "Rate to next", "marketing_sourced": "Marketing-sourced"}),
             hide_index=True, width="stretch")

st.subheader("Top-down vs bottom-up")
if "demand_revenue" in summary:
    st.altair_chart(charts.top_down_bottom_up(summary, plan["period"]), width="stretch")
    safe_labels = {k: esc(v) for k, v in labels.items()}
    for r in plan["summary"]:
        # the sentence is markdown: the territory and the stage labels (data) escaped, and money with its $
        text = planning.gap_sentence({**r, "territory": esc(r["territory"])}, safe_labels, stages,
                                     lambda v, unit: esc(format.value(v, unit)))
        if text:
            (st.success if r["gap_revenue"] <= 0 else st.warning)(text)
with st.expander("How is this computed?"):
    st.markdown("**Bottom-up** = the open pipeline (records still open, by the furthest stage reached, × their "
                "conversion to won × the average deal) + new leads at the trailing run-rate × lead-to-won "
                "conversion × the average deal, capped by **sales capacity** = reps × won deals per rep per "
                "quarter × quarters × the average deal. The **gap** is target − bottom-up, also in leads at the "
                "lead-to-won value. Levers: more leads (only while capacity is not the limit), lifting the step "
                "furthest below its benchmark to the benchmark, more reps.")

st.subheader("Save, compare, export")
s1, s2 = st.columns(2)
name = s1.text_input("Plan version name", key="plan_name")
if s1.button("Save this plan version", key="save_plan", disabled=not signin.allows("plan"),
             help=None if signin.allows("plan") else "Saving plan versions needs the analyst role."):
    try:
        planning.save_version(name, inputs, db.resolve(), actor=signin.actor())
        st.session_state["plan_saved"] = name.strip()
        st.rerun()  # read the versions again: the new one is listed at once
    except UserError as exc:
        st.error(esc(str(exc)))
if len(saved) >= 1:
    names = saved.plan_name.tolist()
    a_name = s2.selectbox("Compare version (a)", names, key="cmp_a")
    b_name = s2.selectbox("with (b)", ["the plan on screen", *[n for n in names if n != a_name]], key="cmp_b")
    plan_a = planning.compute(cache.state_call(planning.load_version, a_name))
    plan_b = plan if b_name == "the plan on screen" else planning.compute(cache.state_call(planning.load_version, b_name))
    st.markdown(f"**{esc(a_name)}** (a) against **{esc(b_name)}** (b): needed per territory and stage")
    cmp = planning.compare(plan_a, plan_b)
    cmp = cmp.assign(stage=cmp.stage.map(labels).fillna(cmp.stage))
    st.dataframe(format.table(cmp, {"needed_a": "count", "needed_b": "count", "rate_a": "pct", "rate_b": "pct",
                                    "needed_change": "count"},
                              labels={"rate_a": "Rate (a)", "rate_b": "Rate (b)", "needed_change": "Change (b − a)"}),
                 hide_index=True, width="stretch")
buf = io.BytesIO()
export.plan_xlsx(plan, inputs, buf)
st.download_button("Download the plan (xlsx)", buf.getvalue(), f"plan_{plan['period']}.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_plan")

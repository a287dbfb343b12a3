"""Planning: from the revenue target back to the leads each territory needs, and when."""

import io

import pandas as pd
import streamlit as st

from revmachine import cache, charts, db, export, periods, planning, ui
from revmachine.errors import UserError

ui.start_page("Planning")

fy = ui.fy_start()
last = ui.default_period("quarter")
options = [last.shift(i, fy).label for i in range(1, 5)] + [periods.containing("year", last.end, fy).label,
                                                             periods.containing("year", last.end, fy).shift(1, fy).label]
c1, c2 = st.columns([1, 2])
plan_period = c1.selectbox("Plan period", options, key="plan_period")
saved = cache.call(planning.versions)
source = c2.selectbox("Start from", ["the data (trailing actuals)", *saved.plan_name.tolist()], key="plan_source")

try:
    if source.startswith("the data"):
        base = cache.call(planning.default_inputs, plan_period)
    else:
        base = cache.call(planning.load_version, source)
except UserError as exc:
    ui.user_error(exc)
    st.stop()

if not base["territories"]:
    st.info("— No territories to plan: load deals or leads with a territory, and a targets sheet.")
    st.stop()

overrides: dict = st.session_state.setdefault("plan_overrides", {})
key_prefix = f"{source}|{base['period']}"
stages, labels = base["stages"], base["labels"]
st.caption(f"Plan {base['period']} (per territory; the sidebar filters do not apply) · rates from trailing actuals {base['window'][0]} – {base['window'][1]} "
           "(territory, else company-wide when fewer than 30 records, else the benchmark) · edit any input: "
           "every number below moves at once.")

tabs = st.tabs(list(base["territories"]))
for tab, (t, ti) in zip(tabs, base["territories"].items(), strict=True):
    with tab:
        ov = overrides.setdefault(f"{key_prefix}|{t}", {})
        a, b, c, d = st.columns(4)
        ov["target"] = a.number_input(f"Revenue target ({ti['target_source']})", 0.0, 1e12,
                                      float(ti["target"] or 0.0), step=10000.0, key=f"tg|{key_prefix}|{t}")
        ov["deal_size"] = b.number_input(f"Average deal ({ti['deal_source']})", 0.0, 1e10,
                                         float(ti["deal_size"] or 0.0), step=1000.0, key=f"ds|{key_prefix}|{t}")
        ov["marketing_share"] = c.slider("Marketing-sourced share of leads", 0.0, 1.0,
                                         float(ti["marketing_share"]), 0.05, key=f"ms|{key_prefix}|{t}")
        ov["cycle_factor"] = d.slider("Cycle length × (1 = as measured)", 0.5, 2.0, 1.0, 0.1,
                                      key=f"cf|{key_prefix}|{t}")
        e, f, g = st.columns(3)
        ov["leads_per_quarter"] = e.number_input("New leads per quarter (run-rate)", 0.0, 1e9,
                                                 float(ti["leads_per_quarter"]), key=f"lq|{key_prefix}|{t}")
        ov["reps"] = f.number_input("Sales reps", 0, 10000, int(ti["reps"]), key=f"rp|{key_prefix}|{t}")
        ov["won_per_rep_per_quarter"] = g.number_input("Won deals per rep per quarter", 0.0, 1000.0,
                                                       float(ti["won_per_rep_per_quarter"]), key=f"wr|{key_prefix}|{t}")
        rates = pd.DataFrame([{"from": labels[s], "to": labels[stages[i + 1]], "rate": r["rate"],
                               "source": r["source"], "sample": r["sample"], "benchmark": r["benchmark"],
                               "median days": r["days"]}
                              for i, (s, r) in enumerate((s, ti["rates"][s]) for s in stages[:-1])])
        edited = st.data_editor(rates, key=f"rates|{key_prefix}|{t}", hide_index=True, width="stretch",
                                disabled=["from", "to", "source", "sample", "benchmark", "median days"],
                                column_config={"rate": st.column_config.NumberColumn(
                                    "conversion to next", min_value=0.0, max_value=1.0, format="%.3f")})
        for s, old, new in zip(stages[:-1], rates["rate"], edited["rate"], strict=True):
            ov[f"rate:{s}"] = None if (pd.isna(new) or new == old) else float(new)

inputs = planning.apply_overrides(base, {k.rsplit("|", 1)[1]: v for k, v in overrides.items()
                                         if k.startswith(key_prefix + "|")})
plan = planning.compute(inputs)
rows = pd.DataFrame(plan["rows"])
summary = pd.DataFrame(plan["summary"])

st.subheader("Reverse waterfall")
tot = plan["total_needed"]
st.markdown("**All territories:** " + " → ".join(f"{tot[s]:,} {labels[s]}" for s in stages))
pick = st.selectbox("Territory", list(inputs["territories"]), key="plan_chart_territory")
sel = rows[rows.territory == pick]
if sel.needed.notna().all():
    st.altair_chart(charts.waterfall(sel, labels, f"{pick}: what {plan['period']} needs, and when it must enter"),
                    width="stretch")
for err in summary[summary.error.notna()].itertuples():
    st.warning(f"{err.territory}: {err.error}.")
st.dataframe(rows, hide_index=True, width="stretch",
             column_config={"rate": st.column_config.NumberColumn("rate to next", format="%.3f")})

st.subheader("Top-down vs bottom-up")
if "demand_revenue" in summary:
    st.altair_chart(charts.top_down_bottom_up(summary, plan["period"]), width="stretch")
    for r in plan["summary"]:
        text = planning.gap_sentence(r, labels, stages, ui.fmt_value)
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
if s1.button("Save this plan version", key="save_plan"):
    try:
        planning.save_version(name, inputs, db.resolve())
        st.success(f"Saved '{name.strip()}'.")
    except UserError as exc:
        st.error(str(exc))
if len(saved) >= 1:
    names = saved.plan_name.tolist()
    a_name = s2.selectbox("Compare version (a)", names, key="cmp_a")
    b_name = s2.selectbox("with (b)", ["the plan on screen", *[n for n in names if n != a_name]], key="cmp_b")
    with db.read() as con:
        plan_a = planning.compute(planning.load_version(con, a_name))
        plan_b = plan if b_name == "the plan on screen" else planning.compute(planning.load_version(con, b_name))
    st.markdown(f"**{a_name}** (a) against **{b_name}** (b): needed per territory and stage")
    st.dataframe(planning.compare(plan_a, plan_b), hide_index=True, width="stretch")
buf = io.BytesIO()
export.plan_xlsx(plan, inputs, buf)
st.download_button("Download the plan (xlsx)", buf.getvalue(), f"plan_{plan['period']}.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_plan")

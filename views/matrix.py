"""Marketer matrix: does marketing deliver value, and can it demonstrate it? (seed 001)"""

import io

import streamlit as st

from revmachine import cache, charts, export, matrix, ui

period, filt = ui.start_page("Marketer matrix")
c1, c2, c3 = st.columns([1.2, 1.5, 1])
entity = c1.segmented_control("Points are", list(matrix.ENTITIES), default="campaign", key="matrix_entity",
                              format_func=lambda e: e + "s") or "campaign"
min_leads = c3.number_input("Judge only with at least N leads", 1, 100000, 30, key="matrix_min_leads")
probe = cache.call(matrix.build, period.label, filt, entity, "median", int(min_leads))
baseline = c2.selectbox("Baseline (what a lead is worth elsewhere)", probe.baseline_options,
                        index=probe.baseline_options.index("median"), key="matrix_baseline",
                        format_func=lambda b: {"median": "the median point", "sales": "sales-sourced leads"}.get(
                            b, b.replace("channel:", "channel: ")))
with st.expander("Thresholds (default: the median of each axis)"):
    custom = st.toggle("Set the thresholds myself", key="matrix_custom_thr")
    t1, t2 = st.columns(2)
    x_thr = t1.number_input("Delivers threshold (lift)", 0.0, 100.0, 1.0, 0.05, key="matrix_x_thr") if custom else None
    y_thr = t2.number_input("Demonstrates threshold (0-1)", 0.0, 1.0, 0.8, 0.05, key="matrix_y_thr") if custom else None

m = cache.call(matrix.build, period.label, filt, entity, baseline, int(min_leads), x_thr, y_thr)
compare = st.selectbox("Show movement from", ["(no comparison)", period.shift(-1, ui.fy_start()).label,
                                               period.year_ago(ui.fy_start()).label], key="matrix_compare")
moves = None
if compare != "(no comparison)" and period.grain != "all":
    moves = cache.call(matrix.movement, compare, period.label, filt=filt, entity=entity, baseline=baseline,
                       min_leads=int(min_leads), x_threshold=m.x_threshold, y_threshold=m.y_threshold)

if m.points.empty:
    st.info("— No leads in this period. The matrix needs a leads sheet with a campaign or channel column, and "
            "a campaigns sheet for spend and record completeness.")
    st.stop()

st.altair_chart(charts.marketer_matrix(m.points, m.x_threshold, m.y_threshold, entity, m.period.label,
                                       m.baseline.name, moves), width="stretch")
counts = m.points.quadrant.value_counts()
st.caption(" · ".join(f"{q}: {counts.get(q, 0)}" for q in charts.QUADRANT_COLORS) +
           f" · baseline: {m.baseline.name}")

with st.expander("How is this computed?"):
    st.markdown(
        f"**Delivers value** (x) is the geometric mean of the lifts over the baseline ({m.baseline.name}) that "
        "can be measured: revenue per lead (won revenue to date from the leads created in the period), sales' "
        "acceptance rate of its handed-off leads (a lead sales rejects delivered nothing), and won revenue per "
        "unit of spend where both it and the baseline have spend. 1.0 = as good as the baseline.\n\n"
        "**Demonstrates value** (y) is the mean of the closed-loop evidence that applies: the share of its "
        "leads that name a campaign, the share of its won revenue whose deal names a campaign, and the "
        "completeness of its campaign record (content, targeting, start and end dates, channel).\n\n"
        f"Thresholds: delivers {m.x_threshold:.2f}, demonstrates {m.y_threshold:.0%} "
        f"({'set by you' if custom else 'the medians of the points with at least ' + str(m.min_leads) + ' leads'}); "
        "a point exactly on a threshold counts as meeting it. Points with fewer leads are hollow and left out "
        "of the medians.")

st.subheader("What to do, by quadrant")
for q in ("spin doctor", "silent operative", "mis-aligned marketer", "aligned marketer"):
    names = m.points[m.points.quadrant == q].sort_values("spend", ascending=False).entity.tolist()
    if not names:
        continue
    with st.expander(f"{q.capitalize()} ({len(names)}): {matrix.PRESCRIPTIONS[q].split('.')[0]}."):
        st.markdown(matrix.PRESCRIPTIONS[q])
        for name in names[:10]:
            p = matrix.prescription(m, name)
            st.markdown(f"**{name}**" + ("".join(f"\n- {fact}" for fact in p["facts"]) or ""))

if entity == "campaign":
    gaps = cache.call(matrix.missing_fields)
    if len(gaps):
        st.subheader("Campaign records with empty fields")
        st.dataframe(gaps, hide_index=True, width="stretch")

st.subheader("All points")
tbl = matrix.table(m)
st.dataframe(tbl, hide_index=True, width="stretch", column_config={
    c: st.column_config.NumberColumn(format="percent") for c in
    ("acceptance", "leads_traceable", "revenue_traceable", "record_completeness")})
d1, d2 = st.columns(2)
d1.download_button("Download (csv)", export.csv_bytes(tbl), f"matrix_{entity}_{m.period.label}.csv", "text/csv",
                   key="matrix_csv")
buf = io.BytesIO()
export.frames_xlsx({"matrix": tbl}, buf)
d2.download_button("Download (xlsx)", buf.getvalue(), f"matrix_{entity}_{m.period.label}.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="matrix_xlsx")

"""Marketer matrix: does marketing deliver value, and can it demonstrate it? (seed 001)"""

import io

import streamlit as st

from revmachine import accounts, cache, charts, export, format, home, matrix, periods, ui
from revmachine.format import esc

period, filt = ui.start_page("Marketer matrix")
fy = ui.fy_start()
four = periods.parse(cache.call(home.matrix_window).label, fy)
w1, w2 = st.columns([2, 3])
window_choice = w1.selectbox(
    "Window", ["four", "sidebar"], key="matrix_window",
    format_func={"four": f"Last four complete quarters ({four.describe()})",
                 "sidebar": f"The sidebar's period ({period.describe()})"}.get,
    help="A quarter's campaigns rarely have enough leads to judge: the matrix looks at the last four "
         "complete quarters unless you pick the sidebar's period.")
window = four if window_choice == "four" else period

c1, c2, c3 = st.columns([1.2, 1.5, 1])
entity = c1.segmented_control("Points are", list(matrix.ENTITIES), default="campaign", key="matrix_entity",
                              format_func=lambda e: e + "s") or "campaign"
min_leads = c3.number_input("Judge only with at least N leads", 1, 100000, 30, key="matrix_min_leads")
probe = cache.call(matrix.build, window.label, filt, entity, "median", int(min_leads))
baseline = c2.selectbox("Baseline (what a lead is worth elsewhere)", probe.baseline_options,
                        index=probe.baseline_options.index("median"), key="matrix_baseline",
                        format_func=lambda b: {"median": "the median point", "sales": "sales-sourced leads"}.get(
                            b, b.replace("channel:", "channel: ")))
with st.expander("Thresholds (default: where they split the points, at the median of each axis)"):
    custom = st.toggle("Set the thresholds myself", key="matrix_custom_thr")
    t1, t2 = st.columns(2)
    x_thr = t1.number_input("Delivers threshold (lift, 1 = as good as the baseline)", 0.0, 100.0, 1.0, 0.05,
                            key="matrix_x_thr") if custom else None
    y_thr = t2.number_input("Demonstrates threshold (0-1)", 0.0, 1.0, 0.8, 0.05, key="matrix_y_thr") if custom else None

m = cache.call(matrix.build, window.label, filt, entity, baseline, int(min_leads), x_thr, y_thr)
earlier = window.shift(-1, fy)
compare = st.selectbox("Show movement from", ["none", "previous", "year"], key="matrix_compare",
                       format_func={"none": "(no comparison)", "previous": f"the window before ({earlier.describe()})",
                                    "year": f"a year earlier ({window.year_ago(fy).describe()})"}.get)
moves = None
if compare != "none" and window.grain != "all":
    before = earlier if compare == "previous" else window.year_ago(fy)
    moves = cache.call(matrix.movement, before.label, window.label, filt=filt, entity=entity, baseline=baseline,
                       min_leads=int(min_leads), x_threshold=m.x_threshold, y_threshold=m.y_threshold)

if m.points.empty:
    st.info("— No leads in this window. The matrix needs a leads sheet with a campaign or channel column, and "
            "a campaigns sheet for spend and record completeness.")
    st.stop()

st.altair_chart(charts.marketer_matrix(m.points, m.x_threshold, m.y_threshold, entity, window.describe(),
                                       m.baseline.name, moves), width="stretch")
counts = m.points.quadrant.value_counts()
st.caption(esc(" · ".join(f"{q}: {counts.get(q, 0)}" for q in charts.QUADRANT_COLORS) +
               f" · baseline: {m.baseline.name} · {filt.describe()}"))

with st.expander("How is this computed?"):
    st.markdown(
        f"**Delivers value** (x) is the geometric mean of the lifts over the baseline ({esc(m.baseline.name)}) that "
        "can be measured: revenue per lead (won revenue to date from the leads created in the window), sales' "
        "acceptance rate of its handed-off leads (a lead sales rejects delivered nothing), and won revenue per "
        "dollar of spend where both it and the baseline have spend. 1.0 = as good as the baseline.\n\n"
        "**Demonstrates value** (y) is the mean of the closed-loop evidence that applies: the share of its "
        "leads that name a campaign, the share of its won revenue whose deal names a campaign, and the "
        "completeness of its campaign record (content, targeting, start and end dates, channel).\n\n"
        f"Thresholds: delivers {esc(format.lift(m.x_threshold))}, demonstrates {esc(format.pct(m.y_threshold))} "
        f"({'set by you' if custom else 'the medians of the points with at least ' + str(m.min_leads) + ' leads; where points tie on a median, the middle of the nearest gap, so no point sits on the line'}); "
        "a point exactly on a threshold counts as meeting it. Points with fewer leads are hollow and left out "
        "of the medians. Named on the chart: the three largest spenders and the three largest spin doctors and "
        "silent operatives.")

st.subheader("What to do")
presc = matrix.prescriptions(m)
UNITS = {"leads": "count", "spend": "money", "revenue_per_lead": "money", "lift_revenue_per_lead": "lift",
         "acceptance": "pct", "revenue_per_spend": "money_per_dollar", "leads_traceable": "pct",
         "record_completeness": "pct"}
LABELS = {"entity": entity.capitalize(), "spend": "Spend", "revenue_per_lead": "Revenue per lead",
          "lift_revenue_per_lead": "vs baseline", "acceptance": "Accepted by sales",
          "revenue_per_spend": "Won per $1 spent", "leads_traceable": "Leads attributed",
          "record_completeness": "Record complete"}
# each quadrant with the figures its advice rests on
SHOW = {"spin doctor": ["entity", "leads", "spend", "revenue_per_lead", "lift_revenue_per_lead", "acceptance",
                        "revenue_per_spend"],
        "silent operative": ["entity", "leads", "spend", "revenue_per_lead", "lift_revenue_per_lead",
                             "leads_traceable", "record_completeness"],
        "mis-aligned marketer": ["entity", "leads", "spend", "lift_revenue_per_lead", "acceptance",
                                 "leads_traceable", "record_completeness"]}
if len(presc):
    for q, cols in SHOW.items():
        part = presc[presc.quadrant == q]
        if not len(part):
            continue
        n = int(counts.get(q, 0))
        st.markdown(f"**{q.capitalize()}s** ({n}{', the five largest by spend' if n > 5 else ''}): "
                    f"{esc(matrix.ACTIONS[q])}")
        st.dataframe(format.table(part[cols], UNITS, labels=LABELS), hide_index=True, width="stretch")
else:
    st.success("No spin doctor, silent operative or mis-aligned marketer in this window.")

if entity == "campaign":
    gaps = cache.call(matrix.missing_fields)
    if len(gaps):
        st.subheader("Campaign records with empty fields")
        st.dataframe(format.table(gaps), hide_index=True, width="stretch")

st.subheader("Growth: new logos, expansion or both")
grow = cache.call(accounts.growth_by, window.label, filt, entity)
if len(grow) and grow.won_deals.sum() > 0:
    cols = [c for c in ["segment", "currency", "won_deals", "new_accounts", "new_revenue", "expansion_revenue",
                        "renewal_revenue", "new_share_of_revenue"] if c != "currency" or grow.currency.nunique() > 1]
    st.dataframe(format.table(grow[cols],
                              {"won_deals": "count", "new_accounts": "count", "new_revenue": "money",
                               "expansion_revenue": "money", "renewal_revenue": "money",
                               "new_share_of_revenue": "pct", "currency": "text"},
                              labels={"segment": entity.capitalize(), "new_revenue": "New business",
                                      "expansion_revenue": "Expansion", "renewal_revenue": "Renewals",
                                      "new_share_of_revenue": "New business share"}),
                 hide_index=True, width="stretch")
    st.caption(esc(f"Won deals closed in {window.describe()} by the {entity} of the deal (its own campaign, else "
                   "its lead's): new accounts and revenue by kind (new business, expansion, renewal), as on the "
                   "dashboard's customer figures."))
else:
    st.info("— No won deal in this window.")

st.subheader("All points")
tbl = matrix.table(m)
shown = ["entity", "quadrant", "delivers", "demonstrates", "spend", "leads", "acceptance"]
st.dataframe(format.table(tbl[shown], {"delivers": "lift", "demonstrates": "pct", **UNITS},
                          labels={**LABELS, "acceptance": "Accepted"}),
             hide_index=True, width="stretch")
st.caption("Every component of both scores is in the download.")
d1, d2 = st.columns(2)
d1.download_button("Download (csv)", export.csv_bytes(tbl), f"matrix_{entity}_{m.period.label}.csv", "text/csv",
                   key="matrix_csv")
buf = io.BytesIO()
export.frames_xlsx({"matrix": tbl}, buf)
d2.download_button("Download (xlsx)", buf.getvalue(), f"matrix_{entity}_{m.period.label}.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="matrix_xlsx")

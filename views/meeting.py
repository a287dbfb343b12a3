"""Meeting: the weekly revenue-machine meeting - the brief, action items, presentation mode, the pack."""

import datetime as dt
import io

import pandas as pd
import streamlit as st

from revmachine import cache, charts, db, export, funnel, matrix, meeting, metrics, ui
from revmachine.errors import UserError

period, filt = ui.start_page(None)
brief = cache.call(meeting.brief)
items = cache.call(meeting.actions)
steps = [s["step"] for s in brief.get("steps", [])]
rates = {s["step"]: s["rate"] for s in brief.get("steps", [])}

# ---------------------------------------------------------------- presentation mode
if st.session_state.get("present"):
    # constant CSS only (no data in it): hide the sidebar and the header, large type for a projector
    st.html("<style>[data-testid='stSidebar'],[data-testid='stHeader']{display:none}"
            "[data-testid='stMainBlockContainer']{max-width:100%;padding-top:1.5rem}"
            "[data-testid='stMarkdownContainer'] p,[data-testid='stMarkdownContainer'] li{font-size:1.7rem;line-height:1.5}"
            "[data-testid='stMetricValue'],[data-testid='stMetricValue'] *{font-size:3.4rem !important;"
            "line-height:1.2}[data-testid='stMetricLabel'] *{font-size:1.4rem !important}h1{font-size:3rem}</style>")
    slides = ["Scorecard", "Funnel", "Bottleneck", "Marketer matrix", "Actions"]
    i = st.session_state.setdefault("slide", 0)
    nav = st.columns([1.4, 1.2, 5, 1])
    if nav[0].button("◀ Previous", key="slide_prev", disabled=i == 0):
        st.session_state["slide"] = i - 1
        st.rerun()
    if nav[1].button("Next ▶", key="slide_next", disabled=i == len(slides) - 1):
        st.session_state["slide"] = i + 1
        st.rerun()
    if nav[3].button("Exit", key="slide_exit"):
        st.session_state["present"] = False
        st.rerun()
    st.title(f"{i + 1}/{len(slides)} · {slides[i]}")
    if slides[i] == "Scorecard":
        card = cache.call(metrics.scorecard, period.label, filt)
        head = [r for r in card["rows"] if r.metric in ("attainment", "won_revenue", "leads_created", "lead_acceptance",
                                                         "lead_response_hours", "sales_cycle_days")]
        cols = st.columns(3)
        for k, r in enumerate(head):
            cols[k % 3].metric(metrics.BY_ID[r.metric].label, ui.fmt_value(r.value, r.unit, card["settings"]["currency"]),
                               delta=None if r.change is None else (f"{r.change * 100:+.1f} pts" if r.unit == "pct"
                                                                    else f"{r.change * 100:+.1f}%"),
                               delta_color="inverse" if r.metric in metrics.LOWER_IS_BETTER else "normal",
                               border=True)
        st.markdown(f"{card['period']} vs {card['previous_period']} · {card['filters']}")
    elif slides[i] == "Funnel":
        f = cache.call(funnel.build, period.label, filt, "period", None, "")
        st.altair_chart(charts.funnel_volume(f.steps, f.period.label, "period"), width="stretch")
    elif slides[i] == "Bottleneck":
        f = cache.call(funnel.build, period.label, filt, "period", None, "")
        st.markdown(f"## {f.sentence}")
        for s in brief.get("sentences", []):
            st.markdown(f"- {s}")
    elif slides[i] == "Marketer matrix":
        m = cache.call(matrix.build, period.label, filt, "campaign", "median", 30)
        if len(m.points):
            st.altair_chart(charts.marketer_matrix(m.points, m.x_threshold, m.y_threshold, "campaign", m.period.label,
                                                   m.baseline.name), width="stretch")
    else:
        open_items = items[items.status == "open"][["step", "title", "owner", "due_date"]]
        st.dataframe(open_items, hide_index=True, width="stretch", row_height=48)
    st.stop()

# ---------------------------------------------------------------- the meeting page
st.title("Weekly meeting")
top = st.columns([3, 1])
if top[1].button("Start presentation", key="start_presentation", type="primary"):
    st.session_state["present"] = True
    st.session_state["slide"] = 0
    st.rerun()

st.subheader("This week vs last week")
if brief.get("available"):
    prev = brief["previous_at"]
    top[0].caption(f"Snapshot {brief['current_at']:%d %b %Y %H:%M}"
                   + (f" against {prev:%d %b %Y %H:%M}" if prev else "") + " (a snapshot is taken at every load).")
    for s in brief["sentences"]:
        st.markdown(f"- {s}")
    conv = pd.DataFrame(brief["steps"])
    if len(conv):
        st.dataframe(conv[["step", "rate", "previous", "change", "entered", "converted"]], hide_index=True, width="stretch",
                     column_config={c: st.column_config.NumberColumn(format="percent") for c in ("rate", "previous", "change")})
    if brief["sla"]["opened"]:
        with st.expander(f"SLA breaches opened since last week ({len(brief['sla']['opened'])})"):
            st.write(", ".join(brief["sla"]["opened"][:300]))
else:
    st.info(brief["sentences"][0])

st.subheader("Action items from last week")
last = cache.call(meeting.from_last_week)
if len(last):
    st.dataframe(last[["action_id", "step", "title", "owner", "due_date", "status", "metric_at_creation", "metric_now",
                       "metric_change"]], hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="percent")
                                for c in ("metric_at_creation", "metric_now", "metric_change")})
else:
    st.caption("None yet.")

st.subheader("Actions")
with st.form("new_action", clear_on_submit=True):
    a, b, c = st.columns([2, 3, 1.5])
    step = a.selectbox("Conversion point", steps or ["(whole funnel)"], key="action_step")
    title = b.text_input("Action", key="action_title", placeholder="What will be done")
    owner = c.text_input("Owner", key="action_owner")
    d, e, f_ = st.columns([1, 1, 3])
    kind = d.selectbox("For (optional)", ["", "territory", "channel", "campaign"], key="action_kind")
    seg = e.text_input("Which", key="action_segment")
    due = f_.date_input("Due", value=dt.date.today() + dt.timedelta(days=7), key="action_due")
    notes = st.text_area("Notes", key="action_notes", height=68)
    if st.form_submit_button("Add action item"):
        try:
            new = meeting.add_action(step, title, owner, due, kind or None, seg or None, notes or None,
                                     rates.get(step), db.resolve())
            st.success(f"Added action item {new}.")
        except UserError as exc:
            st.error(str(exc))

if len(items):
    edited = st.data_editor(items[["action_id", "step", "title", "owner", "due_date", "status", "notes"]],
                            key="actions_editor", hide_index=True, width="stretch",
                            disabled=["action_id", "step", "title"],
                            column_config={"status": st.column_config.SelectboxColumn(options=list(meeting.STATUSES))})
    if st.button("Save changes to action items", key="save_actions"):
        original = items.set_index("action_id")
        try:
            n = 0
            for r in edited.itertuples(index=False):
                o = original.loc[r.action_id]
                changes = {k: getattr(r, k) for k in ("owner", "due_date", "status", "notes")
                           if not (pd.isna(getattr(r, k)) and pd.isna(o[k])) and getattr(r, k) != o[k]}
                if changes:
                    meeting.update_action(int(r.action_id), db.resolve(), **changes)
                    n += 1
            st.success(f"Saved {n} action item(s).")
        except UserError as exc:
            st.error(str(exc))

st.subheader("Meeting pack")
p1, p2 = st.columns(2)
if p1.button("Build the meeting pack (HTML with charts)", key="build_pack"):
    with st.spinner("Rendering the charts..."):
        st.session_state["pack"] = cache.call(meeting.build_pack, period.label, filt)
if st.session_state.get("pack"):
    p1.download_button("Download the meeting pack (html)", st.session_state["pack"].encode("utf-8"),
                       f"meeting_pack_{dt.date.today():%Y-%m-%d}.html", "text/html", key="dl_pack")
buf = io.BytesIO()
export.frames_xlsx({"actions": items}, buf)
p2.download_button("Download the action items (xlsx)", buf.getvalue(), f"actions_{dt.date.today():%Y-%m-%d}.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_actions")

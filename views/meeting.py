"""Meeting: the weekly revenue-machine meeting - actions, the brief, presentation mode, the pack."""

import datetime as dt
import io

import pandas as pd
import streamlit as st

from revmachine import (
    cache,
    charts,
    db,
    export,
    filters,
    format,
    funnel,
    home,
    matrix,
    meeting,
    metrics,
    pipeline,
    signin,
    ui,
)
from revmachine.errors import UserError
from revmachine.format import esc

period, filt = ui.start_page(None)
brief = cache.call(meeting.brief)
items = cache.state_call(meeting.actions)  # the app-state file: adding one does not touch the data
story = cache.call(home.story, period.label, filt)
steps = [s["step"] for s in brief.get("steps", [])]
rates = {s["step"]: s["rate"] for s in brief.get("steps", [])}
window_text = esc(f"{period.describe()} · {filt.describe()}")

# ---------------------------------------------------------------- presentation mode
SLIDES = ["Scorecard", "Attainment", "Pipeline", "Funnel", "Bottleneck", "Revenue SLA", "Marketer matrix", "Actions"]
if st.session_state.get("present"):
    # constant CSS only (no data in it): no sidebar or header, large type for a room, each slide one screen
    st.html("<style>[data-testid='stSidebar'],[data-testid='stHeader'],[data-testid='stSidebarCollapsedControl']"
            "{display:none}[data-testid='stMainBlockContainer']{max-width:100%;padding:0.8rem 2rem 0.5rem}"
            "[data-testid='stMarkdownContainer'] p,[data-testid='stMarkdownContainer'] li{font-size:1.6rem;"
            "line-height:1.4}[data-testid='stCaptionContainer'] p{font-size:1.1rem !important}"
            "[data-testid='stMetricValue'],[data-testid='stMetricValue'] *{font-size:2.8rem !important;"
            "line-height:1.15}[data-testid='stMetricLabel'] *{font-size:1.25rem !important}"
            "h1{font-size:2.2rem !important;padding:0.2rem 0 !important}"
            "[data-testid='stMarkdownContainer'] h3{font-size:2rem}</style>")
    i = min(st.session_state.setdefault("slide", 0), len(SLIDES) - 1)
    head = st.columns([6, 1.3, 1.1, 0.8], vertical_alignment="center")
    head[0].title(f"{i + 1}/{len(SLIDES)} · {SLIDES[i]}")
    if head[1].button("◀ Previous", key="slide_prev", disabled=i == 0, shortcut="Left"):
        st.session_state["slide"] = i - 1
        st.rerun()
    if head[2].button("Next ▶", key="slide_next", disabled=i == len(SLIDES) - 1, shortcut="Right"):
        st.session_state["slide"] = i + 1
        st.rerun()
    if head[3].button("Exit", key="slide_exit", shortcut="Escape"):
        st.session_state["present"] = False
        st.rerun()
    st.caption(window_text + " · ← → to step through the slides")
    cur = story["currency"]
    slide = SLIDES[i]
    if slide == "Scorecard":
        card = cache.call(metrics.scorecard, period.label, filt)
        head_rows = [r for r in card["rows"] if r.metric in (
            "attainment", "won_revenue", "leads_created", "lead_acceptance", "lead_response_hours", "sales_cycle_days")]
        cols = st.columns(3)
        for k, r in enumerate(head_rows):
            cols[k % 3].metric(esc(metrics.BY_ID[r.metric].label), format.value(r.value, r.unit, cur),
                               delta=format.delta(r.change, r.unit),
                               delta_color="inverse" if r.metric in metrics.LOWER_IS_BETTER else "normal", border=True)
        st.markdown(esc(f"Changes against {period.shift(-1, ui.fy_start()).describe()}."))
    elif slide == "Attainment":
        a = story["attainment"]
        c1, c2, c3 = st.columns(3)
        c1.metric("Won revenue", format.money(a["won"], cur), border=True)
        c2.metric(esc(f"Of the {a['full_period'].label} target"), format.pct(a["share_of_target"]), border=True)
        c3.metric("Pace at today's rate", format.pct(a["pace"]) if period.to_date else format.DASH, border=True)
        att = cache.call(metrics.attainment_by_territory, period.label, filt)
        if len(att) and att["revenue_target"].notna().any():
            st.altair_chart(charts.for_room(charts.attainment_by_territory(att, period.describe(), cur)),
                            width="stretch")
        elif a["note"]:
            st.markdown(esc(a["note"]))
    elif slide == "Pipeline":
        pc = cache.call(pipeline.card, period.label, filt)
        mv = cache.call(pipeline.movement, period.label, filt)
        c1, c2, c3 = st.columns(3)
        c1.metric(esc(f"Closing in {pc['period']}"), format.money(pc["end"], cur), border=True,
                  delta=format.money(pc["net"], cur).replace("−", "-"))
        cv = pc["coverage"]
        c2.metric("Coverage (required)", (f"{cv['coverage']:.1f}× ({cv['required']:.1f}×)"
                                          if cv["coverage"] is not None and cv["required"] else format.DASH), border=True)
        c3.metric("Reps on quota", format.pct(pc["reps_on_quota"]), border=True)
        st.altair_chart(charts.for_room(charts.pipeline_waterfall(
            mv, "Pipeline movement", f"{format.date(mv['start_day'])} → {format.date(mv['end_day'])}", cur,
            height=280)), width="stretch")
    elif slide == "Funnel":
        f = cache.call(funnel.build, period.label, filt, "period", None, "")
        st.altair_chart(charts.for_room(charts.funnel_volume(f.steps, period.describe(), "period")),
                        width="stretch")
    elif slide == "Bottleneck":
        b = story["bottleneck"]
        if b:
            st.subheader(esc(f"{b['step']}: {format.money(b['revenue_at_stake'], cur)} of won revenue at stake"),
                         anchor=False)
            st.markdown(esc(f"Converts {format.pct(b['rate'])} against a {format.pct(b['benchmark'])} benchmark, "
                            f"{b['window'].describe()}."))
            if b["why"]:
                st.markdown(esc("This window's steps are too recent to judge: the last complete period's bottleneck."))
        else:
            st.subheader(esc(story["bottleneck_sentence"]), anchor=False)
        for s_ in [x for x in brief.get("sentences", []) if x.startswith(("Biggest move in conversion",
                                                                            "The bottleneck of the last"))][:2]:
            st.markdown("- " + esc(s_))
    elif slide == "Revenue SLA":
        q = story["sla"]
        c1, c2, c3, c4 = st.columns(4)
        c1.metric("Marketing-sourced MQLs", format.count(q["mqls"]), border=True,
                  help=esc(f"{format.count(q['sales_sourced_mqls'])} sales-sourced MQLs beside them, not in them."))
        c2.metric("Of the MQL quota (marketing)", format.pct(q.get("quota_share")), border=True)
        if q["hours"] is not None:
            c3.metric(f"Touched ≤ {q['hours']:g} h (sales)", format.pct(q["within"]), border=True)
        else:
            c3.metric("Never touched (sales)", format.pct(q["never_touched"]), border=True)
        c4.metric("Leads breaching", format.count(q["breaches"]), border=True)
        sla = cache.call(metrics.sla_by_territory, period.label, filt)
        if len(sla) and sla["mqls"].sum() > 0:
            st.altair_chart(charts.for_room(charts.sla_compliance(sla, period.describe(), q["hours"], q["min_attempts"])), width="stretch")
    elif slide == "Marketer matrix":
        mw = story["matrix_window"]
        m = cache.call(matrix.build, mw.label, filt, "campaign", None, 30)  # the team's alternate channel
        if len(m.points):
            st.altair_chart(charts.for_room(charts.marketer_matrix(m.points, m.x_threshold, m.y_threshold, "campaign",
                                                                   mw.describe(), m.baseline.name, height=420,
                                                                   legends=False, measure=m.measure)),
                            width="stretch")
    else:
        open_items = items[items.status == "open"]
        if len(open_items):
            for r in open_items.head(6).itertuples():
                st.subheader(esc(r.title), anchor=False)
                st.markdown(esc(f"{r.owner} · due {format.date(r.due_date)} · {r.step}"))
            if len(open_items) > 6:
                st.markdown(esc(f"…and {len(open_items) - 6} more on the Meeting page."))
        else:
            st.subheader("No open action items.", anchor=False)
    st.stop()

# ---------------------------------------------------------------- the meeting page
st.title("Weekly meeting")
top = st.columns([3, 1])
top[0].caption(window_text)
if top[1].button("Start presentation", key="start_presentation", type="primary"):
    st.session_state["present"] = True
    st.session_state["slide"] = 0
    st.rerun()

# the action form first: the meeting ends with owners and dates
st.subheader("New action item")
if st.session_state.pop("action_added", None):
    for k in ("action_title", "action_owner", "action_segment", "action_notes"):
        st.session_state.pop(k, None)  # cleared only after a successful add
    st.success(f"Added action item {st.session_state.pop('action_added_id', '')}.")
bottleneck_step = (story["bottleneck"] or {}).get("step")
step_options = steps or ["(whole funnel)"]
known_owners = sorted(set(cache.call(filters.options)["owner"]) | set(items.owner.dropna() if len(items) else []))
with st.form("new_action", clear_on_submit=False):
    a, b, c = st.columns([2, 3, 1.6])
    step = a.selectbox("Conversion point", step_options, key="action_step",
                       index=step_options.index(bottleneck_step) if bottleneck_step in step_options else 0,
                       help="Defaults to the bottleneck.")
    title = b.text_input("Action", key="action_title", placeholder="What will be done")
    owner = c.selectbox("Owner", known_owners, index=None, key="action_owner", accept_new_options=True,
                        placeholder="Pick or type a name")
    d, e, f_, g = st.columns([1, 1, 1, 2])
    kind = d.selectbox("For (optional)", ["", "territory", "channel", "campaign"], key="action_kind",
                       format_func=lambda k: k or "(the whole funnel)")
    seg = e.text_input("Which", key="action_segment")
    due = f_.date_input("Due", value=dt.date.today() + dt.timedelta(days=7), key="action_due")
    notes = g.text_input("Notes", key="action_notes")
    if st.form_submit_button("Add action item"):
        try:
            new = meeting.add_action(step, title, owner or "", due, kind or None, seg or None, notes or None,
                                     rates.get(step), db.resolve(), actor=signin.actor())
            st.session_state["action_added"] = True
            st.session_state["action_added_id"] = new
            st.rerun()
        except UserError as exc:
            st.error(esc(str(exc)))  # what was typed stays in the form

if len(items):
    st.subheader("Action items")
    view = items[["action_id", "step", "title", "owner", "due_date", "status", "notes", "created_by"]].copy()
    view["notes"] = view["notes"].fillna("")
    # who added each item (items from before sign-in existed: "—"); each change is in the audit trail
    view["created_by"] = view["created_by"].fillna(format.DASH)
    edited = st.data_editor(view, key="actions_editor", hide_index=True, width="stretch",
                            disabled=["action_id", "step", "title", "created_by"],
                            column_config={"action_id": st.column_config.NumberColumn("#", format="%d"),
                                           "step": st.column_config.TextColumn("Step"),
                                           "title": st.column_config.TextColumn("Action"),
                                           "owner": st.column_config.TextColumn("Owner"),
                                           "due_date": st.column_config.DateColumn("Due", format="D MMM YYYY"),
                                           "status": st.column_config.SelectboxColumn("Status",
                                                                                      options=list(meeting.STATUSES)),
                                           "notes": st.column_config.TextColumn("Notes"),
                                           "created_by": st.column_config.TextColumn(
                                               "Added by", help="Who changed it since: the Team page's audit trail")})
    if st.button("Save changes to action items", key="save_actions"):
        original = items.set_index("action_id")
        try:
            n = 0
            for r in edited.itertuples(index=False):
                o = original.loc[r.action_id]
                changes = {}
                for k in ("owner", "due_date", "status", "notes"):
                    new_v, old_v = getattr(r, k), o[k]
                    new_v = None if (new_v is None or (not isinstance(new_v, str) and pd.isna(new_v))
                                     or new_v == "") else new_v
                    old_v = None if old_v is None or (not isinstance(old_v, str) and pd.isna(old_v)) else old_v
                    if new_v != old_v:
                        changes[k] = new_v
                if changes:
                    meeting.update_action(int(r.action_id), db.resolve(), actor=signin.actor(), **changes)
                    n += 1
            st.success(f"Saved {n} action item(s).")
        except UserError as exc:
            st.error(esc(str(exc)))

st.subheader("This period")
b = story["bottleneck"]
q = story["sla"]
st.markdown("- " + esc(f"Bottleneck ({b['window'].describe()}): {b['step']}, {format.money(b['revenue_at_stake'])} "
                       f"of won revenue at stake." if b else story["bottleneck_sentence"]))
st.markdown("- " + esc(f"SLA: {format.count(q['breaches'])} handed-off leads breach it in {period.describe()} "
                       "(as on the dashboard)."))

st.subheader("This week vs last week")
if brief.get("available"):
    prev = brief["previous_as_of"]
    st.caption(esc(f"The data as of {format.date(brief['as_of'])}"
                   + (f" against the data as of {format.date(prev)}" if prev else "")
                   + ". A snapshot is kept at every load, company-wide: the sidebar filters do not apply here, "
                     "and each figure names its window."))
    for s in brief["sentences"]:
        st.markdown("- " + esc(s))
    conv = pd.DataFrame(brief["steps"])
    if len(conv):
        st.dataframe(format.table(conv[["step", "rate", "previous", "change", "entered", "converted"]],
                                  {"rate": "pct", "previous": "pct", "change": "pts", "entered": "count",
                                   "converted": "count"},
                                  labels={"rate": f"Conversion ({meeting.RATE_DAYS} days)", "previous": "Last week",
                                          "change": "Change"}), hide_index=True, width="stretch")
    if brief["sla"]["opened"]:
        with st.expander(f"SLA breaches new since last week ({format.count(len(brief['sla']['opened']))})"):
            st.write(esc(", ".join(brief["sla"]["opened"][:300])))
else:
    st.info(esc(brief["sentences"][0]))

st.subheader("Action items from last week")
last = cache.call(meeting.from_last_week, items)
if len(last):
    st.dataframe(format.table(last[["action_id", "step", "title", "owner", "due_date", "status", "metric_at_creation",
                                    "metric_now", "metric_change"]],
                              {"due_date": "date", "metric_at_creation": "pct", "metric_now": "pct",
                               "metric_change": "pts", "action_id": "text"}, labels={"title": "Action"}),
                 hide_index=True, width="stretch")
else:
    st.caption("No action items from before this week yet.")

st.subheader("Meeting pack")
p1, p2 = st.columns(2)
if p1.button("Build the meeting pack (HTML with charts)", key="build_pack"):
    with st.spinner("Rendering the charts..."):
        st.session_state["pack"] = cache.call(meeting.build_pack, period.label, filt, items)
if st.session_state.get("pack"):
    p1.download_button("Download the meeting pack (html)", st.session_state["pack"].encode("utf-8"),
                       f"meeting_pack_{dt.date.today():%Y-%m-%d}.html", "text/html", key="dl_pack")
buf = io.BytesIO()
export.frames_xlsx({"actions": items}, buf)
p2.download_button("Download the action items (xlsx)", buf.getvalue(), f"actions_{dt.date.today():%Y-%m-%d}.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_actions")

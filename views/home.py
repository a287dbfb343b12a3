"""Meeting home: the period's story on one 1280x720 screen, each part linking to its page."""

import datetime as dt

import streamlit as st

from revmachine import cache, format, home, pipeline, ui
from revmachine.errors import UserError
from revmachine.format import esc

period, filt = ui.start_page(None)
try:
    s = {**cache.call(home.story, period.label, filt), **cache.state_call(home.open_actions)}
except UserError as exc:
    ui.user_error(exc)
    st.stop()
cur = s["currency"]


def money(v) -> str:
    return format.money(v, cur)


# constant CSS only (no data in it): compact cards, so the story fits one 1280x720 screen
st.html("<style>[class*='st-key-home_'] [data-testid='stMetricValue'] *{font-size:1.9rem !important}"
        "[class*='st-key-home_'] [data-testid='stMarkdownContainer'] p{font-size:0.95rem;line-height:1.4}"
        "[class*='st-key-home_']{gap:0.35rem !important;padding:0.7rem 0.9rem !important}"
        "[class*='st-key-home_'] [data-testid='stPageLink'] a{padding:0}"
        "h3#story{padding-top:0}</style>")
st.markdown(f"### {esc(period.describe())}", )
st.caption(esc(f"Every figure: this window, {s['filters']} (the sidebar filters). "
               f"Campaign quadrants: {s['matrix_window'].describe()} (the last four complete quarters)."))

row1 = st.columns(3)
row2 = st.columns(4)

with row1[0].container(border=True, key="home_attainment"):
    a = s["attainment"]
    full = a["full_period"]
    st.metric("Won revenue", money(a["won"]),
              help=esc(f"Exact: {format.money(a['won'], cur, exact=True)} from {format.count(a['won_deals'])} won deals."))
    if a["target"]:
        ends = format.date(full.end - dt.timedelta(days=1))
        days = f" ({a['days_so_far']} of {a['days_in_period']} days)" if period.to_date else ""
        st.markdown(esc(f"{format.pct(a['share_of_target'])} of the {money(a['target'])} {full.label} target{days}."))
        if period.to_date:
            st.markdown(esc(f"Pace: {format.pct(a['pace'])} of target by {ends} at today's rate."))
    else:
        st.caption(esc(a["note"] or "No target."))
    ui.link("views/dashboard.py", "Scorecard")

with row1[1].container(border=True, key="home_bottleneck"):
    b = s["bottleneck"]
    if b:
        st.metric(esc(f"Bottleneck: {b['step']}"), f"{money(b['revenue_at_stake'])} at stake",
                  help="Won revenue the period would have earned had the step converted at its benchmark.")
        st.markdown(esc(f"Converts {format.pct(b['rate'])} against a {format.pct(b['benchmark'])} benchmark "
                        f"({format.count(b['entered'])} entered)."))
        if b["why"]:
            st.caption(esc(f"From {b['window'].describe()}: this window's steps are too recent to judge."),
                       help=esc(b["why"]))
    else:
        st.metric("Bottleneck", "none")
        st.caption(esc(s["bottleneck_sentence"]))
    ui.link("views/funnel.py", "Funnel")

with row1[2].container(border=True, key="home_sla"):
    q = s["sla"]
    hours = f"{q['hours']:g} h" if q["hours"] is not None else "no first-touch SLA set"
    st.metric("Revenue SLA: leads breaching", format.count(q["breaches"]),
              help=esc(f"Marketing-sourced leads handed off with no first touch within {hours}, fewer than "
                       f"{q['min_attempts']} attempts, no accept/reject decision in time, or never touched. "
                       "Marketing's quota counts its own MQLs; sales-sourced MQLs are beside it, not in it."))
    if q["mqls"]:
        quota = f", {format.pct(q.get('quota_share'))} of quota" if q.get("quota_share") is not None else ""
        beside = (f" ({format.count(q['sales_sourced_mqls'])} sales-sourced beside)"
                  if q["sales_sourced_mqls"] else "")
        st.markdown(esc(f"Marketing: {format.count(q['mqls'])} own MQLs{quota}{beside}."))
        touched = (f"{format.pct(q['within'])} touched within {q['hours']:g} h, " if q["within"] is not None else "")
        st.markdown(esc(f"Sales: {touched}{format.pct(q['never_touched'])} never touched, "
                        f"{format.pct(q['attempts'])} with {q['min_attempts']}+ attempts."))
        if q["worst"]:
            w = q["worst"]
            st.markdown(esc(f"Worst: {w['territory']}, {format.pct(w['within'])} in time "
                            f"({format.count(w['breaches'])} breaching)."))
    else:
        st.caption("No marketing-sourced lead handed off in this window.")
    ui.link("views/dashboard.py", "SLA scoreboard")

with row2[0].container(border=True, key="home_pipeline"):
    try:
        pc = cache.call(pipeline.card, period.label, filt)
    except UserError:
        pc = None
    if pc:
        st.metric(esc(f"Pipeline closing in {pc['period']}"), money(pc["end"]),
                  delta=money(pc["net"]).replace("−", "-") + f" vs {pc['start_day']:%-d %b}",
                  help=esc(pc["sentence"]))
        cv = pc["coverage"]
        cov_text = (f"{cv['coverage']:.1f}× coverage ({cv['required']:.1f}× needed)"
                    if cv["coverage"] is not None and cv["required"] else "coverage —")
        # one caption: the card sits in a quarter of the projector's width, and the home fits 720 px
        # (where coverage is short, by territory and owner, is the Pipeline page's)
        st.caption(esc(f"{cov_text}, {format.pct(pc['reps_on_quota'])} of reps on quota."))
    else:
        st.metric("Pipeline", format.DASH)
    ui.link("views/pipeline.py", "Pipeline")

with row2[1].container(border=True, key="home_behind"):
    t = s["behind"]
    if t:
        st.metric(esc(f"Furthest behind: {t['territory']}"), f"{format.pct(t['attainment'])} of target",
                  help="Won revenue ÷ the territory's revenue target for the window (prorated by days).")
        st.markdown(esc(f"{money(t['won'])} won of {money(t['target'])}"
                        + (f", {money(t['gap'])} short." if t["gap"] > 0 else ".")))
    else:
        st.metric("Furthest behind target", format.DASH)
        st.caption(esc(s["attainment"]["note"] or "No territory has a target for this window."))
    ui.link("views/dashboard.py", "Attainment by territory")

with row2[2].container(border=True, key="home_matrix"):
    spin, silent = s["spin_doctors"], s["silent_operatives"]

    def names(xs: list[str]) -> str:
        return ", ".join(xs[:1]) + (f" and {len(xs) - 1} more" if len(xs) > 1 else "") if xs else "none"

    against = ("split at the median point (no alternate channel named in the settings)" if s["matrix_median_split"]
               else f"against {s['matrix_baseline']}, the alternate channel the team named; a spin doctor's "
                    "leads are reliably worth less")
    st.metric("Spin doctors · silent operatives", f"{len(spin)} · {len(silent)}",
              help=esc(f"Campaigns, {s['matrix_window'].describe()} (largest spend first), {against}."))
    st.markdown(esc(f"Spin doctors: {names(spin)}."))
    st.markdown(esc(f"Silent operatives: {names(silent)}."))
    ui.link("views/matrix.py", "Marketer matrix")

with row2[3].container(border=True, key="home_actions"):
    st.metric("Open actions", format.count(s["open_actions"]))
    if s["open_actions"]:
        for r in s["actions"].head(2).itertuples():
            st.markdown(esc(f"{r.title} — {r.owner}, due {format.date(r.due_date)}"))
    else:
        st.caption("No open action: add one on the Meeting page.")
    ui.link("views/meeting.py", "Actions")

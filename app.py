"""Revenue Machine: navigation and the shared sidebar filters (no SQL, no business logic here)."""

import streamlit as st

from revmachine import cache, filters, periods, ui

st.set_page_config(page_title="Revenue Machine", page_icon="📈", layout="wide",
                   initial_sidebar_state="expanded")

has_db = ui.ensure_database()

# --- shared filters: session_state keys mirrored to the URL so a filtered view can be shared ---
qp = st.query_params
if "_filters_from_url" not in st.session_state:
    st.session_state["_filters_from_url"] = True
    if qp.get("grain") in {"month", "quarter", "year"}:
        st.session_state[ui.GRAIN_KEY] = qp.get("grain")
    if qp.get("period"):
        st.session_state[ui.PERIOD_KEY] = qp.get("period")
    for key in filters.FILTER_KEYS:
        if qp.get_all(key):
            st.session_state[key] = qp.get_all(key)

with st.sidebar:
    if has_db:
        st.markdown("### Filters")
        opts = cache.call(filters.options)
        first, last = cache.call(filters.data_range)
        grain = st.segmented_control("Period", ["month", "quarter", "year"], key=ui.GRAIN_KEY,
                                     default="quarter", format_func=str.title) or "quarter"
        fy = ui.fy_start()
        choices = []
        if first and last:
            choices = [p.label for p in periods.recent(grain, ui.default_period(grain), 36, fy)
                       if p.end > first][::-1]
        choices = [*choices, "all"]
        if st.session_state.get(ui.PERIOD_KEY) not in choices:
            st.session_state[ui.PERIOD_KEY] = choices[0]
        st.selectbox("Showing", choices, key=ui.PERIOD_KEY,
                     help="Latest complete period first. 'all' = every date in the data.")
        for key, label in (("territory", "Territory"), ("channel", "Channel"), ("owner", "Owner"),
                           ("sourced_by", "Sourced by")):
            valid = [v for v in st.session_state.get(key, []) if v in opts[key]]
            if valid != st.session_state.get(key, []):
                st.session_state[key] = valid
            st.multiselect(label, opts[key], key=key, placeholder="All")
        st.caption(f"Data through {last:%d %b %Y}" if last else "No data loaded yet")
        new_qp = {"grain": st.session_state.get(ui.GRAIN_KEY) or "quarter",
                  "period": st.session_state.get(ui.PERIOD_KEY)}
        for key in filters.FILTER_KEYS:
            if st.session_state.get(key):
                new_qp[key] = st.session_state[key]
        if {k: qp.get_all(k) for k in qp} != {k: v if isinstance(v, list) else [v] for k, v in new_qp.items()}:
            st.query_params.from_dict(new_qp)

pages = [
    st.Page("views/dashboard.py", title="Dashboard", default=True),
    st.Page("views/funnel.py", title="Funnel"),
    st.Page("views/matrix.py", title="Marketer matrix", url_path="matrix"),
    st.Page("views/planning.py", title="Planning"),
    st.Page("views/meeting.py", title="Meeting"),
    st.Page("views/data.py", title="Data"),
]
pg = st.navigation(pages)
pg.run()

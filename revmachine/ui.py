"""Page helpers shared by app.py and the pages (Streamlit-side; no SQL, no business logic).

The shared frame (`frame`: wide layout, the sidebar filters, the database check) is drawn by
app.py before the page runs, so the filter widgets belong to the entry script and keep their
state from page to page (a widget drawn by a page script is another widget on the next page, and
Streamlit drops its state). A page run without app.py (AppTest.from_file, or a page reached
without the navigation) draws the frame itself in `start_page`, so it looks and filters the same.
Shared filters live in st.session_state under fixed keys, mirrored to the URL.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from revmachine import access, cache, config, db, filters, format, metrics, periods, signin
from revmachine.format import DASH, esc, md  # noqa: F401 - the pages' one escaping helper

GRAIN_KEY, PERIOD_KEY = "grain", "period"
GRAINS = {"month": "Month", "quarter": "Quarter", "year": "Year"}

# constant CSS only (no data in it): metric labels and values wrap instead of being cut at 1280 px
FRAME_CSS = ("<style>[data-testid='stMetricLabel'] *{white-space:normal !important;overflow:visible !important;"
             "text-overflow:clip !important}[data-testid='stMetricLabel']{height:auto !important}"
             "[data-testid='stMetricValue'] *{white-space:normal !important;overflow:visible !important;"
             "text-overflow:clip !important}[data-testid='stMainBlockContainer']{padding-top:2.2rem;padding-bottom:1.5rem}</style>")


def ensure_database() -> bool:
    """Build the demo on first start when there is no database; upgrade an old schema.

    Returns False when there is still no database (demo disabled)."""
    path = db.resolve()
    if not path.exists():
        if not config.build_demo_on_start():
            return False
        with st.spinner("First start: building the demo database (about two years, 30,000 leads)..."):
            from revmachine import demo

            demo.build(path, config.demo_leads(), actor=access.first_start())
        return True
    notice = db.ensure_current(path)
    if notice:  # a read-only database built by an older version: read from a private upgraded copy
        st.info(esc(notice), icon=":material/info:")
    return True


NO_DATA = "No data yet: load your spreadsheets on the Data page, or run `python -m revmachine demo`."


def frame() -> bool:
    """The shared frame of every page: wide layout, the sidebar filters. Returns whether there is data."""
    st.set_page_config(page_title="Revenue Machine", page_icon="📈", layout="wide",
                       initial_sidebar_state="expanded")
    st.html(FRAME_CSS)
    who = signin.gate()  # a signed-out visitor sees the sign-in only (when sign-in is configured)
    has_db = ensure_database()
    _filters_from_url()
    with st.sidebar:
        if has_db:
            sidebar_filters()
        signin.sidebar_identity(who)
    return has_db


def frame_drawn() -> bool:
    """Whether this run already drew the frame's filters (app.py does, before the page)."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

        ctx = get_script_run_ctx()
        return ctx is not None and GRAIN_KEY in ctx.shared.widget_user_keys_this_run
    except (ImportError, AttributeError):  # another Streamlit: draw it (a duplicate key would say so)
        return False


def start_page(title: str | None) -> tuple[periods.Period, filters.Filters]:
    """A page's opening: the frame (unless app.py drew it), its title, a database (or a stop with
    what to do), the shared period and filters."""
    has_db = ensure_database() if frame_drawn() else frame()
    if title:
        st.title(title)
    if not has_db:
        st.warning(NO_DATA)
        st.stop()
    return current_period(), current_filters()


def _filters_from_url() -> None:
    qp = st.query_params
    if "_filters_from_url" in st.session_state:
        return
    st.session_state["_filters_from_url"] = True
    if qp.get("grain") in GRAINS:
        st.session_state[GRAIN_KEY] = qp.get("grain")
    if qp.get("period"):
        st.session_state[PERIOD_KEY] = qp.get("period")
    for key in filters.FILTER_KEYS:
        if qp.get_all(key):
            st.session_state[key] = qp.get_all(key)


def period_choices(grain: str) -> list[str]:
    """The period to date first (when the data is inside one), then the complete periods, then 'all'."""
    first, last = cache.call(filters.data_range)
    if not (first and last):
        return ["all"]
    fy = fy_start()
    now = default_period(grain)
    done = periods.recent(grain, now.full(fy).shift(-1, fy) if now.to_date else now, 36, fy)
    out = [now.label] if now.to_date else []
    out += [p.label for p in done[::-1] if p.end > first]
    return [*out, "all"]


def describe_choice(label: str) -> str:
    try:
        p = periods.parse(label, fy_start())
    except ValueError:
        return label
    return p.describe() if p.grain != "all" else "All the data"


def sidebar_filters() -> None:
    qp = st.query_params
    st.markdown("### Filters")
    opts = cache.call(filters.options)
    _first, last = cache.call(filters.data_range)
    # no default when the state holds one (from the URL): Streamlit warns about both
    grain = st.segmented_control("Period", list(GRAINS), key=GRAIN_KEY,
                                 default=None if GRAIN_KEY in st.session_state else "quarter",
                                 format_func=GRAINS.get) or "quarter"
    choices = period_choices(grain)
    if st.session_state.get(PERIOD_KEY) not in choices:
        st.session_state[PERIOD_KEY] = choices[0]
    st.selectbox("Showing", choices, key=PERIOD_KEY, format_func=describe_choice,
                 help="The period to date first (with its pace), then the complete periods. "
                      "'All the data' = every date in the data.")
    for key, text in (("territory", "Territory"), ("channel", "Channel"), ("owner", "Owner"),
                      ("sourced_by", "Sourced by")):
        valid = [v for v in st.session_state.get(key, []) if v in opts[key]]
        if valid != st.session_state.get(key, []):
            st.session_state[key] = valid
        st.multiselect(text, opts[key], key=key, placeholder="All")
    st.caption(f"Data through {format.date(last)}" if last else "No data loaded yet")
    new_qp = {"grain": st.session_state.get(GRAIN_KEY) or "quarter", "period": st.session_state.get(PERIOD_KEY)}
    for key in filters.FILTER_KEYS:
        if st.session_state.get(key):
            new_qp[key] = st.session_state[key]
    if {k: qp.get_all(k) for k in qp} != {k: v if isinstance(v, list) else [v] for k, v in new_qp.items()}:
        st.query_params.from_dict(new_qp)


def current_filters() -> filters.Filters:
    return filters.Filters.from_mapping({k: st.session_state.get(k) for k in filters.FILTER_KEYS})


def fy_start() -> int:
    if db.data_version() == "missing":
        return 1
    return int(cache.call(metrics.settings)["fy_start"])


def default_period(grain: str) -> periods.Period:
    """The period to date of the grain (the quarter, month or year the data's last day is in);
    the whole period when the data ends on its last day."""
    if db.data_version() == "missing":
        return periods.to_date(grain, dt.date.today())
    return periods.parse(cache.call(metrics.current_period_label, grain), fy_start())


def current_period() -> periods.Period:
    grain = st.session_state.get(GRAIN_KEY, "quarter")
    label = st.session_state.get(PERIOD_KEY)
    if label:
        try:
            p = periods.parse(label, fy_start())
            if p.grain == grain or p.grain == "all":
                return p
        except ValueError:
            pass
    return default_period(grain)


def window(period: periods.Period, filt: filters.Filters) -> str:
    """What every figure on the page covers, in words (markdown-safe)."""
    return esc(f"{period.describe()} · {filt.describe()}")


def fmt_value(value, unit: str, currency: str = "$") -> str:
    """Kept for callers that take a formatter (planning.gap_sentence): format.value."""
    return format.value(value, unit, currency)


def user_error(exc: Exception) -> None:
    st.error(esc(str(exc)), icon=":material/error:")


def set_filter(key: str, value) -> None:
    """A button callback: widgets' state may only be set before they are drawn, i.e. in a callback."""
    st.session_state[key] = value


def link(page: str, text: str) -> None:
    """A link to another page (plain text when the page runs on its own, outside the navigation)."""
    try:
        st.page_link(page, label=f"{text} →")
    except Exception:
        st.caption(f"{text} →")


def progress_callback(bar):
    """`progress(fraction, text)` for a st.progress bar: the text names files and sheets from the
    upload (a file called `![i](http://host/x.png).csv`), so it is escaped: the bar's text is markdown."""

    def update(fraction: float, text: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=esc(text))

    return update

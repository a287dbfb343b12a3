"""Page helpers shared by app.py and pages/ (Streamlit-side; no SQL, no business logic).

Shared filters live in st.session_state under fixed keys so that every page, run on its own
(AppTest.from_file("pages/x.py")) or under app.py, reads them the same way.
"""

from __future__ import annotations

import datetime as dt
import math

import streamlit as st

from revmachine import cache, config, db, filters, metrics, periods

GRAIN_KEY, PERIOD_KEY = "grain", "period"
DASH = "—"


def ensure_database() -> bool:
    """Build the demo on first start when there is no database; upgrade an old schema.

    Returns False when there is still no database (demo disabled)."""
    path = db.resolve()
    if not path.exists():
        if not config.build_demo_on_start():
            return False
        with st.spinner("First start: building the demo database (about two years, 30,000 leads)..."):
            from revmachine import demo

            demo.build(path, config.demo_leads())
        return True
    db.ensure_current(path)
    return True


NO_DATA = "No data yet: load your spreadsheets on the Data page, or run `python -m revmachine demo`."


def start_page(title: str | None) -> tuple[periods.Period, filters.Filters]:
    """A page's opening: its title, a database (or a stop with what to do), the shared period and filters."""
    if title:
        st.title(title)
    if not ensure_database():
        st.warning(NO_DATA)
        st.stop()
    return current_period(), current_filters()


def current_filters() -> filters.Filters:
    return filters.Filters.from_mapping({k: st.session_state.get(k) for k in filters.FILTER_KEYS})


def fy_start() -> int:
    if db.data_version() == "missing":
        return 1
    return int(cache.call(metrics.settings)["fy_start"])


def default_period(grain: str) -> periods.Period:
    """The latest complete period of the grain: the same rule as `python -m revmachine report`."""
    if db.data_version() == "missing":
        return periods.latest_complete(grain, dt.date.today())
    return periods.parse(cache.call(metrics.default_period_label, grain), fy_start())


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


def fmt_value(value, unit: str, currency: str = "$") -> str:
    if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return DASH
    if unit == "pct":
        return f"{value * 100:.1f}%"
    if unit == "money":
        v = float(value)
        if abs(v) >= 1e6:
            return f"{currency}{v / 1e6:,.2f}M"
        if abs(v) >= 1e4:
            return f"{currency}{v / 1e3:,.0f}k"
        return f"{currency}{v:,.0f}"
    if unit == "hours":
        return f"{value:,.1f} h"
    if unit == "days":
        return f"{value:,.1f} d"
    if unit == "ratio":
        return f"{value:,.2f}"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def user_error(exc: Exception) -> None:
    st.error(str(exc), icon=":material/error:")


def set_filter(key: str, value) -> None:
    """A button callback: widgets' state may only be set before they are drawn, i.e. in a callback."""
    st.session_state[key] = value

"""The one language of numbers (and text) on every page, slide and pack: no Streamlit here.

Every figure a person reads goes through one of these functions, so money is always `$612k` /
`$1.8M`, counts carry separators, percentages and points are told apart (`28%`, `+2.1 pts`),
durations carry their unit, ratios say what they are ("$0.79 per $1 of revenue"), dates never
show 00:00:00, and an unknown value is "—", never 0, None or nan. Exact values stay in exports
and tooltips (`money(v, exact=True)`).

`esc()` is the one escaping helper for text from the data (a campaign, territory, owner,
channel name...) that reaches Streamlit markdown: st.markdown, captions, alerts, titles,
expander and tab labels, widget and metric labels, help tooltips.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import pandas as pd

DASH = "—"


def missing(v: Any) -> bool:
    """None, NaN, NaT or pd.NA: a figure the data cannot support."""
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _f(v: Any) -> float | None:
    if missing(v):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isinf(f) else f


# ------------------------------------------------------------------ numbers

def money(v: Any, currency: str = "$", exact: bool = False) -> str:
    """$950, $9.5k, $612k, $1.8M, $2.3B; exact=True: $612,370.89 (tooltips, exports)."""
    f = _f(v)
    if f is None:
        return DASH
    sign = "−" if f < 0 else ""
    a = abs(f)
    if exact:
        return f"{sign}{currency}{a:,.2f}"
    if a >= 999_950_000:
        body = f"{a / 1e9:.1f}B"
    elif a >= 999_500:
        body = f"{a / 1e6:.1f}M"
    elif a >= 9_999.5:
        body = f"{a / 1e3:.0f}k"
    elif a >= 1e3:
        body = f"{a / 1e3:.1f}k"
    else:
        body = f"{a:,.0f}"
    body = re.sub(r"\.0+([kMB])$", r"\1", body) if body.endswith(("k", "M", "B")) else body
    return f"{sign}{currency}{body}"


def count(v: Any) -> str:
    """4,104 (rounded to a whole number)."""
    f = _f(v)
    return DASH if f is None else f"{f:,.0f}".replace("-", "−")


def number(v: Any, digits: int = 1) -> str:
    f = _f(v)
    return DASH if f is None else f"{f:,.{digits}f}".replace("-", "−")


def pct(v: Any, digits: int = 0) -> str:
    """A share (0.284) as a percentage: 28%."""
    f = _f(v)
    return DASH if f is None else f"{f * 100:.{digits}f}%".replace("-", "−")


def pts(v: Any, digits: int = 1) -> str:
    """A change of a percentage (0.021) in points: +2.1 pts."""
    f = _f(v)
    if f is None:
        return DASH
    s = f"{f * 100:+.{digits}f}"
    return f"{s.replace('-', '−')} pts"


def change(v: Any, digits: int = 1) -> str:
    """A relative change (0.123) as +12.3%."""
    f = _f(v)
    return DASH if f is None else f"{f * 100:+.{digits}f}%".replace("-", "−")


def hours(v: Any) -> str:
    f = _f(v)
    if f is None:
        return DASH
    if abs(f) >= 72:
        return days(f / 24)
    return f"{f:,.1f} h"


def days(v: Any) -> str:
    f = _f(v)
    if f is None:
        return DASH
    n = f"{f:,.0f}" if abs(f) >= 10 else f"{f:,.1f}".removesuffix(".0")
    return f"{n} day" if n == "1" else f"{n} days"


def per_revenue(v: Any, currency: str = "$") -> str:
    """A cost-to-revenue ratio (0.79) as '$0.79 per $1 of revenue'."""
    f = _f(v)
    return DASH if f is None else f"{currency}{f:,.2f} per {currency}1 of revenue"


def lift(v: Any) -> str:
    """A multiple of a baseline (1.25) as '1.25×'."""
    f = _f(v)
    return DASH if f is None else f"{f:,.2f}×"


def value(v: Any, unit: str, currency: str = "$") -> str:
    """A metric value by its unit (metrics.Metric.unit)."""
    if unit == "pct":
        return pct(v, 1)
    if unit == "money":
        return money(v, currency)
    if unit == "hours":
        return hours(v)
    if unit == "days":
        return days(v)
    if unit == "cost_ratio":  # the label says "per $1 of revenue"
        f = _f(v)
        return DASH if f is None else f"{currency}{f:,.2f}"
    if unit == "count":
        return count(v)
    if unit == "ratio":
        return number(v, 1)
    return number(v, 2)


def delta(v: Any, unit: str) -> str | None:
    """A metric's change: points for percentages, relative otherwise; None when unknown. With an
    ASCII minus: Streamlit reads a delta's direction from its leading '-'."""
    if _f(v) is None:
        return None
    return (pts(v) if unit == "pct" else change(v)).replace("−", "-")


# ------------------------------------------------------------------ dates

def date(v: Any) -> str:
    """20 Nov 2026 (never a time of 00:00:00)."""
    if missing(v):
        return DASH
    if isinstance(v, str):
        try:
            v = pd.Timestamp(v)
        except ValueError:
            return v
    t = pd.Timestamp(v)
    return f"{t.day} {t:%b %Y}"


def when(v: Any) -> str:
    """A timestamp: 20 Nov 2026 14:05, or just the date at midnight."""
    if missing(v):
        return DASH
    t = pd.Timestamp(v)
    return date(t) if (t.hour, t.minute, t.second) == (0, 0, 0) else f"{date(t)} {t:%H:%M}"


def span(start: dt.date, end_exclusive: dt.date) -> str:
    """1 Oct – 20 Nov 2026 (end exclusive in, inclusive out)."""
    last = end_exclusive - dt.timedelta(days=1)
    if start.year == last.year:
        return f"{start:%-d %b} – {last:%-d %b %Y}"
    return f"{start:%-d %b %Y} – {last:%-d %b %Y}"


# ------------------------------------------------------------------ column labels and tables

LABELS = {
    "id": "Record", "lead_id": "Lead", "entered_step_at": "Entered the step", "converted_at": "Converted", "deal_id": "Deal", "action_id": "#", "record_type": "Type",
    "handed_off_at": "Handed off", "touch_count": "Touches", "enter_by": "Enter by",
    "needed_a": "Needed (a)", "needed_b": "Needed (b)", "difference": "Difference (b − a)",
    "due_date": "Due", "metric_at_creation": "Rate when set", "metric_now": "Rate now",
    "metric_change": "Change", "rate_source": "Rate from", "waiting_days": "Waiting",
    "first_touch_at": "First touch", "response_hours": "Response", "exit_reason": "Exit reason",
    "rejection_reason": "Rejection reason", "sourced_by": "Sourced by", "entity": "Name",
    "mql_quota": "MQL quota", "mqls": "MQLs", "revenue_target": "Revenue target",
    "won_revenue": "Won revenue", "won_deals": "Won deals", "step": "Step", "leads": "Leads",
}
_ACRONYMS = {"id": "ID", "mql": "MQL", "mqls": "MQLs", "sal": "SAL", "sla": "SLA", "sql": "SQL",
             "sqls": "SQLs", "yoy": "YoY", "crm": "CRM", "p80": "80th pct"}


def label(col: str) -> str:
    """A column's name as a person reads it: 'handed_off_at' -> 'Handed off', 'lead_id' -> 'Lead'."""
    c = str(col)
    if c in LABELS:
        return LABELS[c]
    if not re.fullmatch(r"[a-z0-9_]+", c):
        return c  # already a label
    words = c.split("_")
    if (len(words) > 1 and words[-1] in ("at", "date")) or (len(words) > 1 and words[-1] == "id"):
        words = words[:-1]
    out = [_ACRONYMS.get(w, w) for w in words]
    text = " ".join(out)
    return text[:1].upper() + text[1:]


def cell(v: Any, unit: str | None = None, currency: str = "$") -> str:
    """One table cell as text, by unit; dates without 00:00:00; unknown as —."""
    if missing(v):
        return DASH
    if unit == "date":
        return date(v)
    if unit == "when":
        return when(v)
    if unit == "pts":
        return pts(v)
    if unit == "lift":
        return lift(v)
    if unit == "money_per_dollar":
        return f"{currency}{float(v):,.2f}"
    if unit == "money_exact":
        return money(v, currency, exact=True)
    if unit == "text":
        return str(v)
    if unit:
        return value(v, unit, currency)
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, pd.Timestamp | dt.datetime):
        return when(v)
    if isinstance(v, dt.date):
        return date(v)
    if isinstance(v, int):
        return count(v)
    if isinstance(v, float):
        return count(v) if float(v).is_integer() else number(v, 2)
    return str(v)


def table(df: pd.DataFrame, units: dict[str, str] | None = None, currency: str = "$",
          labels: dict[str, str] | None = None) -> pd.DataFrame:
    """A frame for a person to read: every cell text (by its column's unit, else by its type),
    every column labelled. Exports keep the raw frame."""
    units = units or {}
    labels = labels or {}
    out = pd.DataFrame(index=range(len(df)))
    for c in df.columns:
        u = units.get(c)
        col = df[c]
        if u is None and pd.api.types.is_datetime64_any_dtype(col):
            times = col.dropna()
            u = "date" if len(times) == 0 or ((times.dt.hour == 0) & (times.dt.minute == 0)
                                              & (times.dt.second == 0)).all() else "when"
        out[labels.get(c, label(c))] = [cell(v, u, currency) for v in col.tolist()]
    return out


# ------------------------------------------------------------------ text from the data in markdown

_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&=^\"'@%])")
_TYPO = re.compile(r"(?<=[<>~-])(?=[-=>])|(?<=<)(?=-)")
WJ = "\u2060"  # word joiner: invisible, keeps the text as it reads
_SHORTCODE = re.compile(r":(?=[\w+/-])")  # a colon that could open :tada:, :material/x: or :streamlit:


def esc(text: Any) -> str:
    """Text from the data, made safe for Streamlit markdown (and any label, tab, caption, alert,
    expander title, metric label or help that renders it): it shows as typed, never as markup.

    Streamlit 1.67 parses GitHub markdown (links, images, emphasis, code, HTML, autolinked URLs)
    plus its own directives (`:red[...]`, `:blue-background[...]`, `:small[...]`), LaTeX (`$...$`),
    and then rewrites the parsed text: emoji shortcodes (`:tada:`), `:material/icon:`,
    `:streamlit:` and the arrows `->`, `<-`, `--`, `>=`, `<=`, `~=`. Backslash escapes stop the
    first group; the rewrites work on the already-unescaped text, so a word joiner (U+2060,
    invisible) after a colon that a name follows, and inside those arrows, leaves them nothing to
    match (a colon before a space stays as it is, so the text can still be searched). Line
    breaks become spaces, so a value cannot start a heading, list or table."""
    if text is None:
        return DASH
    s = re.sub(r"[\x00-\x1f\x7f\u2028\u2029]+", " ", str(text))
    s = _TYPO.sub(WJ, s)
    s = _PUNCT.sub(r"\\\1", s)
    return _SHORTCODE.sub(":" + WJ, s)


def md(template: str, *args: Any, **kwargs: Any) -> str:
    """Our own markdown with values from the data filled in escaped: md("**{}** converts", name).
    Our own figures (money with its $) are escaped too, so `$612k … $1.8M` is never LaTeX."""
    return template.format(*(esc(a) for a in args), **{k: esc(v) for k, v in kwargs.items()})


def plain(text: str) -> str:
    """Our own sentence (with figures such as $612k) made safe for markdown as a whole."""
    return esc(text)

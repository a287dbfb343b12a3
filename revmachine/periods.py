"""Periods: months, quarters and (fiscal) years, as half-open date ranges [start, end).

A fiscal year is named by the calendar year in which it ends (FY2026 with a July start runs
2025-07-01 .. 2026-06-30); with the default January start it is the calendar year. Quarters
follow the fiscal year: with a July start, 2026-Q1 is 2025-07 .. 2025-09.

A period "to date" (quarter-, month- or year-to-date) is the start of a period up to a day within
it: labelled `2026-Q4 to 2026-11-20`, it is what the meeting looks at while the quarter runs.
Shifted (previous period, year ago) it keeps the same number of days, so a comparison is like
for like; `full()` is the whole period it belongs to, for the target and the pace.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


@dataclass(frozen=True)
class Period:
    grain: str  # month | quarter | year | all
    start: dt.date
    end: dt.date  # exclusive
    label: str
    to_date: bool = False  # the start of a period up to a day within it (end < the period's end)

    def shift(self, n: int, fy_start: int = 1) -> Period:
        """The period n steps earlier (n<0) or later, of the same grain (a range: of the same length;
        a period to date: the same number of days into the shifted period)."""
        if self.grain == "all":
            return self
        if self.grain == "range":
            return date_range(self.start + (self.end - self.start) * n, self.end + (self.end - self.start) * n)
        months = {"month": 1, "quarter": 3, "year": 12}[self.grain] * n
        start = add_months(self.start, months)
        full = containing(self.grain, start, fy_start)
        return _same_days(full, self) if self.to_date else full

    def year_ago(self, fy_start: int = 1) -> Period:
        if self.grain == "all":
            return self
        if self.grain == "range":
            return date_range(self.start - dt.timedelta(days=364), self.end - dt.timedelta(days=364))
        full = containing(self.grain, add_months(self.start, -12), fy_start)
        return _same_days(full, self) if self.to_date else full

    def full(self, fy_start: int = 1) -> Period:
        """The whole period (a period to date: the month / quarter / year it is part of)."""
        return containing(self.grain, self.start, fy_start) if self.to_date else self

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def describe(self) -> str:
        """As a person reads it: '2026-Q4 to date (1 Oct – 20 Nov 2026)', '2026-Q3 (1 Jul – 30 Sep 2026)'."""
        if self.grain == "all":
            return "all the data"
        last = self.end - dt.timedelta(days=1)
        when = (f"{self.start:%-d %b} – {last:%-d %b %Y}" if self.start.year == last.year
                else f"{self.start:%-d %b %Y} – {last:%-d %b %Y}")
        if self.grain == "range":
            return when
        name = self.label.split(" to ")[0]
        return f"{name} to date ({when})" if self.to_date else f"{name} ({when})"


def _same_days(full: Period, like: Period) -> Period:
    """The first as many days of `full` as `like` has (capped at the whole period)."""
    end = min(full.start + dt.timedelta(days=like.days), full.end)
    if end >= full.end:
        return full
    return Period(full.grain, full.start, end, f"{full.label} to {(end - dt.timedelta(days=1)).isoformat()}", True)


def to_date(grain: str, as_of: dt.date, fy_start: int = 1) -> Period:
    """The period of the grain that holds as_of, from its start to as_of (inclusive); the whole
    period when as_of is its last day."""
    full = containing(grain, as_of, fy_start)
    end = as_of + dt.timedelta(days=1)
    if end >= full.end:
        return full
    return Period(grain, full.start, end, f"{full.label} to {as_of.isoformat()}", True)


def add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    return dt.date(d.year + y, m + 1, 1)


def fiscal_year_of(d: dt.date, fy_start: int = 1) -> int:
    if fy_start == 1:
        return d.year
    return d.year + 1 if d.month >= fy_start else d.year


def fiscal_year_start(fy: int, fy_start: int = 1) -> dt.date:
    return dt.date(fy if fy_start == 1 else fy - 1, fy_start, 1)


def containing(grain: str, d: dt.date, fy_start: int = 1) -> Period:
    d = dt.date(d.year, d.month, 1)
    if grain == "month":
        return Period("month", d, add_months(d, 1), f"{d.year}-{d.month:02d}")
    fy = fiscal_year_of(d, fy_start)
    fys = fiscal_year_start(fy, fy_start)
    if grain == "year":
        label = str(fy) if fy_start == 1 else f"FY{fy}"
        return Period("year", fys, add_months(fys, 12), label)
    if grain == "quarter":
        idx = ((d.year - fys.year) * 12 + d.month - fys.month) // 3
        start = add_months(fys, 3 * idx)
        return Period("quarter", start, add_months(start, 3), f"{fy}-Q{idx + 1}")
    raise ValueError(grain)


ALL = Period("all", dt.date(1900, 1, 1), dt.date(2200, 1, 1), "all")


def date_range(start: dt.date, end: dt.date) -> Period:
    """[start, end) as a period labelled with inclusive dates: '2026-10-24..2026-11-20'."""
    return Period("range", start, end, f"{start.isoformat()}..{(end - dt.timedelta(days=1)).isoformat()}")


# periods are read between these dates: the comparisons reach back a year and several periods, and a
# date past them (0001-01-01..9999-12-31) would overflow Python's calendar there
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2200, 1, 1)


def parse(text: str, fy_start: int = 1) -> Period:
    """'2026-Q3', 'Q3 2026', '2026-07', 'Jul 2026', '2026', 'FY2026', 'all', or a date range
    '2026-10-24..2026-11-20' (inclusive), between 1900 and 2199; raises ValueError."""
    try:
        p = _parse(text, fy_start)
    except OverflowError:
        p = None
    if p is None or (p is not ALL and (p.start < EARLIEST or p.end > LATEST)):
        raise ValueError(f"not a period: {text!r} (periods run from 1900 to 2199; 'all' is every date)")
    return p


def _parse(text: str, fy_start: int = 1) -> Period:
    s = str(text).strip()
    low = s.lower()
    if low in {"all", "all time"}:
        return ALL
    m = re.fullmatch(r"(.+?)\s+to\s+(\d{4}-\d{2}-\d{2})", low)
    if m:
        base = parse(m.group(1), fy_start)
        last = dt.date.fromisoformat(m.group(2))
        if base.grain not in ("month", "quarter", "year") or not base.start <= last < base.end:
            raise ValueError(f"not a period: {text!r} (the date must fall in the period)")
        return _same_days(base, date_range(base.start, last + dt.timedelta(days=1)))
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", low)
    if m:
        a, b = dt.date.fromisoformat(m.group(1)), dt.date.fromisoformat(m.group(2))
        if b < a:
            raise ValueError(f"not a period: {text!r} (the range ends before it starts)")
        return date_range(a, b + dt.timedelta(days=1))
    m = re.fullmatch(r"(?:fy\s*)?(\d{4})\s*[-/ ]?\s*q([1-4])", low) or re.fullmatch(
        r"q([1-4])\s*[-/ ]?\s*(?:fy\s*)?(\d{4})", low)
    if m:
        a, b = m.groups()
        year, q = (int(a), int(b)) if len(a) == 4 else (int(b), int(a))
        fys = fiscal_year_start(year, fy_start)
        start = add_months(fys, 3 * (q - 1))
        return Period("quarter", start, add_months(start, 3), f"{year}-Q{q}")
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2})?(?:[ t].*)?", low)
    if m and 1 <= int(m.group(2)) <= 12:
        return containing("month", dt.date(int(m.group(1)), int(m.group(2)), 1), fy_start)
    m = re.fullmatch(r"(\d{1,2})[-/.](\d{4})", low)
    if m and 1 <= int(m.group(1)) <= 12:
        return containing("month", dt.date(int(m.group(2)), int(m.group(1)), 1), fy_start)
    m = re.fullmatch(r"([a-z]{3})[a-z]*\.?[\s\-/']*(\d{2}|\d{4})", low)
    if m and m.group(1) in MONTHS:
        y = int(m.group(2))
        y = y + 2000 if y < 100 else y
        return containing("month", dt.date(y, MONTHS[m.group(1)], 1), fy_start)
    m = re.fullmatch(r"(?:fy\s*)?(\d{4})", low)
    if m:
        fy = int(m.group(1))
        fys = fiscal_year_start(fy, fy_start)
        label = str(fy) if fy_start == 1 else f"FY{fy}"
        return Period("year", fys, add_months(fys, 12), label)
    raise ValueError(f"not a period: {text!r} (use 2026-Q3, 2026-07, 2026 or all)")


def latest_complete(grain: str, as_of: dt.date, fy_start: int = 1) -> Period:
    """The last period of the grain that ended on or before as_of."""
    current = containing(grain, as_of, fy_start)
    if as_of >= current.end - dt.timedelta(days=1):
        return current
    return current.shift(-1, fy_start)


def recent(grain: str, last: Period | dt.date, n: int, fy_start: int = 1) -> list[Period]:
    """The n periods ending with `last`, oldest first (before a period to date: whole periods)."""
    p = last if isinstance(last, Period) else containing(grain, last, fy_start)
    out = [p]
    for _ in range(n - 1):
        out.append(out[-1].full(fy_start).shift(-1, fy_start))
    return out[::-1]


def last_complete_quarters(as_of: dt.date, n: int = 4, fy_start: int = 1) -> Period:
    """The n complete quarters before as_of, as one date range (the matrix's default window)."""
    last = latest_complete("quarter", as_of, fy_start)
    first = last.shift(-(n - 1), fy_start)
    return date_range(first.start, last.end)

"""Periods: months, quarters and (fiscal) years, as half-open date ranges [start, end).

A fiscal year is named by the calendar year in which it ends (FY2026 with a July start runs
2025-07-01 .. 2026-06-30); with the default January start it is the calendar year. Quarters
follow the fiscal year: with a July start, 2026-Q1 is 2025-07 .. 2025-09.
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

    def shift(self, n: int, fy_start: int = 1) -> Period:
        """The period n steps earlier (n<0) or later, of the same grain (a range: of the same length)."""
        if self.grain == "all":
            return self
        if self.grain == "range":
            return date_range(self.start + (self.end - self.start) * n, self.end + (self.end - self.start) * n)
        months = {"month": 1, "quarter": 3, "year": 12}[self.grain] * n
        start = add_months(self.start, months)
        return containing(self.grain, start, fy_start)

    def year_ago(self, fy_start: int = 1) -> Period:
        if self.grain == "all":
            return self
        if self.grain == "range":
            return date_range(self.start - dt.timedelta(days=364), self.end - dt.timedelta(days=364))
        return containing(self.grain, add_months(self.start, -12), fy_start)


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


def parse(text: str, fy_start: int = 1) -> Period:
    """'2026-Q3', 'Q3 2026', '2026-07', 'Jul 2026', '2026', 'FY2026', 'all', or a date range
    '2026-10-24..2026-11-20' (inclusive); raises ValueError."""
    s = str(text).strip()
    low = s.lower()
    if low in {"all", "all time"}:
        return ALL
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
    """The n periods ending with `last`, oldest first."""
    p = last if isinstance(last, Period) else containing(grain, last, fy_start)
    out = [p]
    for _ in range(n - 1):
        out.append(out[-1].shift(-1, fy_start))
    return out[::-1]

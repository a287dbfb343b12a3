"""Like with like: the windows every comparison on a page compares (README "Periods").

* A period is compared with the period before it and the same period a year earlier, each with the
  same number of days (periods.Period.shift / year_ago: the quarter to 19 Nov against 1 Jul – 19 Aug
  and 1 Oct – 19 Nov a year earlier), never a part against a whole.
* A growth figure (SQL growth MoM, QoQ) compares the month or quarter holding the period's last day,
  up to that day, with the same days of the one before (1–19 Nov against 1–19 Oct); two complete
  periods compare whole (September against August). Growth is the change in the daily pace, so
  months or quarters of different lengths (31 days against 30) compare like with like too; for two
  windows of the same length it is the plain change in the count.
* A cohort followed to today (the leads created in a period and what became of them, the MQLs
  handed off in it and whether sales accepted or touched them) is compared at the same age: the
  earlier period's outcomes are counted up to the as-of date moved back by the days between the
  two periods' starts (`shift_days`), so an older cohort has not had longer to convert or exit.
* A trend line shows the same days of each earlier period (the first 50 days of each quarter
  before a quarter to date), so its last point is no dip.

Pure functions on periods; metrics.py binds them to the scorecard query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from revmachine import periods
from revmachine.periods import Period

GROWTH_GRAINS = {"sql_growth_mom": "month", "sql_growth_qoq": "quarter"}


@dataclass(frozen=True)
class GrowthWindows:
    """The two windows a growth figure compares: `current` (the month or quarter holding the
    period's last day, to that day) and `previous` (the same days of the one before)."""

    current: Period
    previous: Period

    @property
    def basis(self) -> str:
        return "same days" if self.current.days == self.previous.days else "daily pace"


def growth_windows(p: Period, grain: str, fy_start: int = 1) -> GrowthWindows | None:
    """The windows of `grain` ('month' or 'quarter') a growth figure for period `p` compares; None
    for all the data."""
    if p.grain == "all":
        return None
    last_day = p.end - dt.timedelta(days=1)
    current = periods.to_date(grain, last_day, fy_start)
    return GrowthWindows(current, current.shift(-1, fy_start))


def pace_growth(current: float | None, current_days: int, previous: float | None,
                previous_days: int) -> float | None:
    """(current per day − previous per day) ÷ previous per day; None when the previous window has
    none (no growth from zero) or a count is unknown. Equal lengths: the plain relative change."""
    if current is None or previous is None or not previous or current_days <= 0 or previous_days <= 0:
        return None
    return (float(current) / current_days) / (float(previous) / previous_days) - 1.0


def trend_periods(p: Period, n: int, fy_start: int = 1) -> list[Period]:
    """The n periods ending with `p`, oldest first, each with p's number of days (a period to date:
    the same days of each earlier period; a complete period: the complete periods before it)."""
    if p.grain in ("all", "range"):
        return [p]
    return [p.shift(-k, fy_start) for k in range(n - 1, -1, -1)]


def shift_days(looked_at: Period, other: Period) -> int:
    """How many days before the period looked at `other` starts: a cohort of `other` is observed up
    to the as-of date moved back by as many days (0 for the period itself)."""
    if looked_at.grain == "all" or other.grain == "all":
        return 0
    return (looked_at.start - other.start).days


def describe(w: Period) -> dict[str, object]:
    """A window as the report's `detail` gives it: first and last day (inclusive) and its days."""
    return {"label": w.label, "start": w.start.isoformat(),
            "end": (w.end - dt.timedelta(days=1)).isoformat(), "days": w.days}

"""Periods to date (quarter-, month-, year-to-date), their like-for-like comparisons, the pace."""

import datetime as dt

import pytest

from revmachine import home, periods

D = dt.date


def test_quarter_to_date_and_its_comparisons():
    p = periods.to_date("quarter", D(2026, 11, 20))
    assert (p.start, p.end, p.label, p.to_date) == (D(2026, 10, 1), D(2026, 11, 21), "2026-Q4 to 2026-11-20", True)
    assert p.days == 51 and p.full().label == "2026-Q4" and p.full().days == 92
    assert p.describe() == "2026-Q4 to date (1 Oct – 20 Nov 2026)"
    # the previous quarter and the year ago: the same 51 days, like for like
    assert (p.shift(-1).start, p.shift(-1).end) == (D(2026, 7, 1), D(2026, 8, 21))
    assert p.shift(-1).label == "2026-Q3 to 2026-08-20"
    assert p.year_ago().label == "2025-Q4 to 2025-11-20"
    assert periods.parse(p.label) == p


def test_month_and_year_to_date_and_fiscal_years():
    assert periods.to_date("month", D(2026, 11, 20)).describe() == "2026-11 to date (1 Nov – 20 Nov 2026)"
    assert periods.to_date("year", D(2026, 11, 20)).describe() == "2026 to date (1 Jan – 20 Nov 2026)"
    fy = periods.to_date("year", D(2026, 11, 20), fy_start=7)  # FY2027 runs Jul 2026 - Jun 2027
    assert (fy.start, fy.label) == (D(2026, 7, 1), "FY2027 to 2026-11-20")
    assert periods.parse(fy.label, 7) == fy
    # a shifted period to date is capped at the shorter month
    jan = periods.parse("2026-01 to 2026-01-31")
    assert jan.shift(1).end == D(2026, 3, 1) and not jan.shift(1).to_date  # all of February


def test_a_period_ending_on_its_last_day_is_complete():
    p = periods.to_date("quarter", D(2026, 9, 30))
    assert p == periods.parse("2026-Q3") and not p.to_date


def test_parse_refuses_a_date_outside_the_period():
    with pytest.raises(ValueError):
        periods.parse("2026-Q4 to 2026-01-05")


def test_trend_before_a_period_to_date_is_whole_periods():
    p = periods.to_date("quarter", D(2026, 11, 20))
    assert [q.label for q in periods.recent("quarter", p, 3)] == ["2026-Q2", "2026-Q3", "2026-Q4 to 2026-11-20"]


def test_last_four_complete_quarters():
    w = periods.last_complete_quarters(D(2026, 11, 20))
    assert (w.start, w.end) == (D(2025, 10, 1), D(2026, 10, 1)) and w.describe() == "1 Oct 2025 – 30 Sep 2026"


def test_pace_is_where_the_period_ends_at_todays_rate():
    p = periods.to_date("quarter", D(2026, 11, 20))  # 51 of 92 days
    assert home.pace(510_000, 1_000_000, p) == pytest.approx(510_000 * 92 / 51 / 1_000_000)
    assert home.pace(500_000, 1_000_000, periods.parse("2026-Q3")) == pytest.approx(0.5)  # complete: attainment
    assert home.pace(None, 1_000_000, p) is None and home.pace(5.0, 0, p) is None

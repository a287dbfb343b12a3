"""Truth test on a real export: Maven Analytics' CRM Sales Opportunities (../shared/data/maven_crm).

Expected figures are computed here from the raw CSV files with the csv module, never through the
app's code; actual figures come from the app (the CLI load, then metrics / funnel / planning).
A deals-only export: Won / Lost / Engaging / Prospecting, engage and close dates, close values
(blank on open deals), sales agents -> regional office in sales_teams.csv."""

import csv
import datetime as dt
import statistics
from collections import Counter

import pytest

from revmachine import db, funnel, marts, metrics, planning
from revmachine.cli import main
from revmachine.filters import Filters

from ..conftest import SHARED


def d(text):
    return dt.date.fromisoformat(text) if text else None


@pytest.fixture(scope="module")
def raw():
    if not SHARED.exists():
        pytest.skip("shared/data/maven_crm is absent (a user's own clone)")
    with open(SHARED / "sales_pipeline.csv", newline="", encoding="utf-8") as fh:
        deals = list(csv.DictReader(fh))
    with open(SHARED / "sales_teams.csv", newline="", encoding="utf-8") as fh:
        office = {r["sales_agent"]: r["regional_office"] for r in csv.DictReader(fh)}
    for r in deals:
        r["engage"], r["close"] = d(r["engage_date"]), d(r["close_date"])
        r["value"] = float(r["close_value"]) if r["close_value"] else None
        r["territory"] = office.get(r["sales_agent"], "Unassigned")
    return deals


@pytest.fixture(scope="module")
def maven_db(raw, tmp_path_factory):
    p = tmp_path_factory.mktemp("truth_maven") / "maven.duckdb"
    assert main(["load", str(SHARED / "sales_pipeline.csv"), str(SHARED / "sales_teams.csv"),
                 "--db", str(p), "--format", "json"]) == 0
    return p


QUARTERS = {f"2017-Q{q}": (dt.date(2017, 3 * q - 2, 1), dt.date(2017 + (q == 4), (3 * q) % 12 + 1, 1))
            for q in range(1, 5)}
PERIODS = {**QUARTERS, "2017": (dt.date(2017, 1, 1), dt.date(2018, 1, 1)),
           "2016-Q4": (dt.date(2016, 10, 1), dt.date(2017, 1, 1))}


def expected(raw, start, end, territory=None):
    rows = [r for r in raw if territory is None or r["territory"] == territory]
    won = [r for r in rows if r["deal_stage"] == "Won" and start <= r["close"] < end]
    lost = [r for r in rows if r["deal_stage"] == "Lost" and start <= r["close"] < end]
    created = [r for r in rows if r["engage"] and start <= r["engage"] < end]
    revenue = sum(r["value"] for r in won)
    cycle = [(r["close"] - r["engage"]).days for r in won]
    return {
        "won_deals": len(won),
        "won_revenue": revenue,
        "avg_deal_size": revenue / len(won) if won else None,
        "win_rate": len(won) / (len(won) + len(lost)) if won or lost else None,
        "sales_cycle_days": sum(cycle) / len(cycle) if cycle else None,
        "exit_rate": (sum(r["deal_stage"] == "Lost" for r in created) / len(created)) if created else None,
    }


@pytest.mark.parametrize("period", list(PERIODS))
def test_scorecard_matches_the_raw_file(raw, maven_db, period):
    want = expected(raw, *PERIODS[period])
    with db.read(maven_db) as con:
        got = {r.metric: r for r in metrics.scorecard(con, period)["rows"] if r.segment is None}
    for metric, value in want.items():
        assert got[metric].value == pytest.approx(value), (period, metric)
    # the open pipeline on the as-of date: Engaging + Prospecting, none with a value: count known,
    # amount unknown (never $0), no probability
    assert got["open_pipeline_deals"].value == sum(r["deal_stage"] in ("Engaging", "Prospecting") for r in raw)
    assert got["open_pipeline"].value is None and got["open_pipeline_weighted"].value is None
    # deals only, no channel: the lead and marketing figures are unknown, not 0
    for metric in ("leads_created", "lead_to_customer", "marketing_revenue_share", "attainment"):
        assert got[metric].value is None, metric


@pytest.mark.parametrize("territory", ["Central", "East", "West"])
def test_territory_from_the_sales_teams_sheet(raw, maven_db, territory):
    want = expected(raw, *PERIODS["2017"], territory=territory)
    with db.read(maven_db) as con:
        got = {r.metric: r.value for r in metrics.scorecard(con, "2017", Filters(territory=(territory,)))["rows"]
               if r.segment is None}
    assert got["won_revenue"] == pytest.approx(want["won_revenue"])
    assert got["win_rate"] == pytest.approx(want["win_rate"])


def test_as_of_and_default_period(raw, maven_db):
    last = max(max(r["close"] for r in raw if r["close"]), max(r["engage"] for r in raw if r["engage"]))
    with db.read(maven_db) as con:
        as_of = con.execute("select max(data_as_of) from funnel_records").fetchall()[0][0]
        assert as_of.date() == last == dt.date(2017, 12, 31)
        assert metrics.default_period_label(con) == "2017-Q4"
        checks = marts.data_checks(con, dt.date(2026, 12, 1))
    closed_before = sum(1 for r in raw if r["close"] and r["engage"] and r["close"] < r["engage"])
    assert checks == {"future_dated": {}, "closed_before_created": closed_before, "linked_deals": {},
                      "unlinked_deals": 0}


@pytest.mark.parametrize("period", ["2017-Q2", "2017-Q3"])
def test_funnel_is_one_step_created_to_closed(raw, maven_db, period):
    start, end = PERIODS[period]
    entered = [r for r in raw if r["engage"] and start <= r["engage"] < end]
    won = [r for r in entered if r["deal_stage"] == "Won"]
    with db.read(maven_db) as con:
        f = funnel.build(con, period)
    # no lead, MQL, SAL or proposal stage in the export: skipped, not shown as 0% or 100% steps
    assert f.skipped == ["Lead", "MQL", "SAL", "Proposal"]
    (step,) = f.steps.to_dict("records")
    assert step["step"] == "Opportunity → Won" and step["benchmark"] == pytest.approx(0.6 * 0.35)
    assert step["entered"] == len(entered)
    assert step["converted"] == len(won)
    assert step["exits"] == sum(r["deal_stage"] == "Lost" for r in entered)  # open deals are not exits
    assert step["median_days"] == pytest.approx(statistics.median((r["close"] - r["engage"]).days for r in won))


def test_plan_runs_and_uses_the_trailing_year(raw, maven_db, capsys):
    start, end = dt.date(2017, 1, 1), dt.date(2018, 1, 1)  # the four quarters to the data's last
    with db.read(maven_db) as con:
        inp = planning.default_inputs(con, "2018-Q1", target=3_000_000)
    for territory in ("Central", "East", "West"):
        mine = [r for r in raw if r["territory"] == territory]
        won = [r for r in mine if r["deal_stage"] == "Won" and start <= r["close"] < end]
        entered = [r for r in mine if r["engage"] and start <= r["engage"] < end]
        t = inp["territories"][territory]
        assert t["deal_size"] == pytest.approx(sum(r["value"] for r in won) / len(won))
        rate = t["rates"]["opportunity"]
        assert rate["source"] == "territory actuals" and rate["sample"] == len(entered)
        assert rate["rate"] == pytest.approx(sum(r["deal_stage"] == "Won" for r in entered) / len(entered))
        reps = Counter(r["sales_agent"] for r in won)
        assert t["reps"] == len(reps)
    assert main(["plan", "--db", str(maven_db), "--period", "2018-Q1", "--format", "json"]) == 0
    capsys.readouterr()

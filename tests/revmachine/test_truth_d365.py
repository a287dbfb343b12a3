"""Truth test on a real export: a Dynamics 365 Sales demo org, "Contoso Coffee"
(../shared/data/d365_contoso_coffee), exported with Dynamics' own column labels.

Expected figures are computed here from the raw CSV files with the csv module, never through the
app's code; actual figures come from the app (the CLI load of the six files as one upload, then
metrics / funnel). What the export says, and the rules it exercises:
* Status decides the outcome (Won / Lost / Open); an open deal's "Est. close date" is an expected
  date, never a close and never the as-of date (rule 5), and an open deal is never an exit (rule 2);
* won revenue is "Actual Revenue"; an open deal's amount is "Est. revenue" (its Actual Revenue is
  0 or blank), weighted by "Probability" (a percentage);
* Goal.csv holds team goals (no parent goal) and, under them, one per salesperson: attainment uses
  the team goal, never team + personal;
* Account.csv gives each account's territory (the company -> territory fallback).
"""

import csv
import datetime as dt
import re

import pytest

from revmachine import db, funnel, marts, metrics
from revmachine.cli import main
from revmachine.filters import Filters

from ..conftest import ROOT

D365 = ROOT.parent / "shared" / "data" / "d365_contoso_coffee"
FILES = ["Opportunity.csv", "Account.csv", "User.csv", "Goal.csv", "Campaign.csv", "Appointments.csv"]


def when(text):
    text = text.strip()
    if not text:
        return None
    for fmt in ("%m/%d/%Y %H:%M", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            pass
    raise ValueError(text)


def money(text):
    text = re.sub(r"[^0-9.\-]", "", text or "")
    return float(text) if text else None


def read(name):
    with open(D365 / name, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def raw():
    if not D365.exists():
        pytest.skip("shared/data/d365_contoso_coffee is absent (a user's own clone)")
    territory = {r["Account Name"]: r["Territory"] for r in read("Account.csv")}
    opps = read("Opportunity.csv")
    for r in opps:
        r["created"] = when(r["Created On"])
        r["closed"] = when(r["Actual Close Date"]) if r["Status"] in ("Won", "Lost") else None
        r["expected"] = when(r["Est. close date"])
        r["won_amount"] = money(r["Actual Revenue"])
        r["est"] = money(r["Est. revenue"])
        r["p"] = money(r["Probability"])
        r["territory"] = territory.get(r["Potential Customer"]) or "Unassigned"
    goals = read("Goal.csv")
    return {"opps": opps, "goals": goals}


@pytest.fixture(scope="module")
def d365_db(raw, tmp_path_factory):
    p = tmp_path_factory.mktemp("truth_d365") / "d365.duckdb"
    rc = main(["load", *[str(D365 / f) for f in FILES], "--db", str(p), "--format", "json"])
    assert rc == 0, "the Dynamics 365 export does not load (needs the new import, issue 12)"
    return p


PERIODS = {
    "2023-Q4": (dt.date(2023, 10, 1), dt.date(2024, 1, 1)),
    "2024": (dt.date(2024, 1, 1), dt.date(2025, 1, 1)),
    "2025-Q1": (dt.date(2025, 1, 1), dt.date(2025, 4, 1)),
    "2025-Q2": (dt.date(2025, 4, 1), dt.date(2025, 7, 1)),
    "2025-Q3": (dt.date(2025, 7, 1), dt.date(2025, 10, 1)),
}


def expected(raw, start, end, territory=None):
    opps = [r for r in raw["opps"] if territory is None or r["territory"] == territory]
    closed_in = [r for r in opps if r["closed"] and start <= r["closed"].date() < end]
    won = [r for r in closed_in if r["Status"] == "Won"]
    lost = [r for r in closed_in if r["Status"] == "Lost"]
    created = [r for r in opps if start <= r["created"].date() < end]
    revenue = sum(r["won_amount"] for r in won)
    cycle = [(r["closed"].date() - r["created"].date()).days for r in won]
    return {
        "won_deals": len(won),
        "won_revenue": revenue,
        "avg_deal_size": revenue / len(won) if won else None,
        "win_rate": len(won) / (len(won) + len(lost)) if won or lost else None,
        "sales_cycle_days": sum(cycle) / len(cycle) if cycle else None,
        # records created in the period that exited: the lost ones (an open deal never exits)
        "exit_rate": sum(r["Status"] == "Lost" for r in created) / len(created) if created else None,
    }


def team_goal(raw, start, end):
    """The team goals (no parent goal) whose From..To lies inside the period."""
    total = None
    for g in raw["goals"]:
        if g["Parent Goal"].strip():
            continue
        a, b = when(g["From"]).date(), when(g["To"]).date()
        if start <= a and b < end and money(g["Target"]) is not None:
            total = (total or 0.0) + money(g["Target"])
    return total


def scorecard(path, period, filt=Filters()):
    with db.read(path) as con:
        return {r.metric: r for r in metrics.scorecard(con, period, filt)["rows"] if r.segment is None}


@pytest.mark.parametrize("period", list(PERIODS))
def test_scorecard_matches_the_raw_files(raw, d365_db, period):
    start, end = PERIODS[period]
    want = expected(raw, start, end)
    got = scorecard(d365_db, period)
    for metric, value in want.items():
        assert got[metric].value == pytest.approx(value), (period, metric)
    goal = team_goal(raw, start, end)
    assert goal is not None
    assert got["attainment"].value == pytest.approx(want["won_revenue"] / goal)  # team goal, not + personal
    assert got["won_revenue"].currency == "USD"


def test_open_pipeline_is_every_open_deal(raw, d365_db):
    opens = [r for r in raw["opps"] if r["Status"] == "Open"]
    got = scorecard(d365_db, "2025-Q3")
    assert got["open_pipeline_deals"].value == len(opens) == 521
    assert got["open_pipeline"].value == pytest.approx(sum(r["est"] for r in opens))
    assert got["open_pipeline_weighted"].value == pytest.approx(sum(r["est"] * r["p"] / 100 for r in opens))


@pytest.mark.parametrize("territory", ["Central", "Northwest", "Southwest"])
def test_territory_from_the_accounts_sheet(raw, d365_db, territory):
    want = expected(raw, *PERIODS["2024"], territory=territory)
    got = scorecard(d365_db, "2024", Filters(territory=(territory,)))
    assert got["won_revenue"].value == pytest.approx(want["won_revenue"])
    assert got["win_rate"].value == pytest.approx(want["win_rate"])


def test_as_of_is_the_last_event_not_an_expected_close(raw, d365_db):
    events = [r["created"] for r in raw["opps"]] + [r["closed"] for r in raw["opps"] if r["closed"]]
    last = max(events)
    assert max(r["expected"] for r in raw["opps"] if r["Status"] == "Open") > last  # the trap
    with db.read(d365_db) as con:
        as_of = con.execute("select max(data_as_of) from funnel_records").fetchall()[0][0]
        owners = {r[0] for r in con.execute("select distinct owner from funnel_records").fetchall()}
        checks = marts.data_checks(con, dt.date(2026, 12, 1))
    assert as_of.date() == last.date()
    assert owners == {r["Owner"] for r in raw["opps"]}  # names, as the export writes them
    assert checks["future_dated"] == {}
    assert checks["closed_before_created"] == sum(
        1 for r in raw["opps"] if r["closed"] and r["closed"].date() < r["created"].date())


def test_open_deals_never_exit_the_funnel(raw, d365_db):
    with db.read(d365_db) as con:
        f = funnel.build(con, "all")
        kinds = dict(con.execute("select coalesce(exit_kind, 'none'), count(*) from funnel_records "
                                 "where record_type = 'deal' group by 1").fetchall())
    lost = sum(r["Status"] == "Lost" for r in raw["opps"])
    assert int(f.steps.exits.sum()) == lost
    assert kinds == {"lost": lost, "none": len(raw["opps"]) - lost}

"""Truth test on a real export: a CC0 Salesforce demo org (../shared/data/salesforce_tcrm), 4,833
opportunities with Salesforce's Type (New Business, Existing Business, Add-On Business and the
org's own 'New Business / Add-on') and AccountId, and Account.csv (3,610 accounts).

Expected figures are computed here from the raw CSV with the csv module, never through the app's
code; actual figures come from the app (the CLI load of Opportunity.csv and Account.csv with no
flags, then the scorecard). The rules it exercises:
* an account is the opportunity's AccountId;
* a won deal typed New Business is new business, Existing Business / Add-On Business expansion; the
  org's 'New Business / Add-on' says both, so the account's history decides (first day of purchase
  new, later expansion); an account whose first won deal in the data is typed existing business was
  a customer before the data and is no new account;
* the trailing year (billing size, retention) ends with the period; the base year is the one before;
* with no renewals and no churn flag, an account churns twelve months after a purchase with no
  purchase since; no renewal in the Type column means renewal revenue is a known 0, and net revenue
  retention and wallet share are '—'.
"""

import csv
import datetime as dt

import pytest

from revmachine import db, metrics
from revmachine.cli import main

from ..conftest import ROOT

SF = ROOT.parent / "shared" / "data" / "salesforce_tcrm"
NEW, EXISTING = {"New Business"}, {"Existing Business", "Add-On Business"}


def plus_year(d):
    try:
        return d.replace(year=d.year + 1)
    except ValueError:
        return d.replace(year=d.year + 1, day=28)


@pytest.fixture(scope="module")
def raw():
    if not SF.exists():
        pytest.skip("shared/data/salesforce_tcrm is absent (a user's own clone)")
    with open(SF / "Opportunity.csv", newline="", encoding="utf-8-sig") as fh:
        opps = list(csv.DictReader(fh))
    won = [dict(id=r["Id"], account=r["AccountId"], type=r["Type"], amount=float(r["Amount"]),
                closed=dt.date.fromisoformat(r["CloseDate"]))
           for r in opps if r["IsWon"] == "1"]
    first: dict[str, dt.date] = {}
    for w in won:
        first[w["account"]] = min(first.get(w["account"], w["closed"]), w["closed"])
    # the first day of purchase was the acquisition unless every typed deal that day says existing business
    acquired = {}
    for a, day in first.items():
        types = [w["type"] for w in won if w["account"] == a and w["closed"] == day]
        acquired[a] = any(t in NEW for t in types) or not any(t in NEW | EXISTING for t in types)
    for w in won:
        if w["type"] in NEW:
            w["kind"] = "new"
        elif w["type"] in EXISTING:
            w["kind"] = "expansion"
        else:  # 'New Business / Add-on': the account's history
            w["kind"] = "new" if w["closed"] == first[w["account"]] and acquired[w["account"]] else "expansion"
    return {"won": won, "first": first, "acquired": acquired, "opps": opps}


@pytest.fixture(scope="module")
def sf_db(raw, tmp_path_factory):
    p = tmp_path_factory.mktemp("truth_sf") / "sf.duckdb"
    assert main(["load", str(SF / "Opportunity.csv"), str(SF / "Account.csv"), "--db", str(p)]) == 0
    return p


def expected(raw, start, end, as_of):
    won = raw["won"]
    inside = [w for w in won if start <= w["closed"] < end]
    we = min(end, as_of + dt.timedelta(days=1))
    ys = dt.date(we.year - 1, we.month, we.day) if (we.month, we.day) != (2, 29) else dt.date(we.year - 1, 2, 28)
    bs = dt.date(ys.year - 1, ys.month, ys.day)
    year = [w for w in won if ys <= w["closed"] < we]
    base = {w["account"] for w in won if bs <= w["closed"] < ys}
    again = {w["account"] for w in year}
    days: dict[str, list[dt.date]] = {}
    for w in won:
        days.setdefault(w["account"], set()).add(w["closed"])
    churned = set()
    for a, ds in days.items():
        ds = sorted(ds)
        for i, d in enumerate(ds):
            lapse = plus_year(d)
            nxt = ds[i + 1] if i + 1 < len(ds) else None
            if (nxt is None or nxt > lapse) and lapse <= as_of and start <= lapse < end:
                churned.add(a)
    return {
        "new_accounts": len({a for a, d in raw["first"].items() if start <= d < end and raw["acquired"][a]}),
        "won_revenue_new": sum(w["amount"] for w in inside if w["kind"] == "new"),
        "won_revenue_expansion": sum(w["amount"] for w in inside if w["kind"] == "expansion"),
        "won_revenue_renewal": 0.0,
        "account_billing_size": sum(w["amount"] for w in year) / len({w["account"] for w in year}),
        "customer_retention": len(base & again) / len(base) if base else None,
        "churned_accounts": len(churned),
    }


@pytest.mark.parametrize("period, start, end", [
    ("2022", dt.date(2022, 1, 1), dt.date(2023, 1, 1)),
    ("2022-Q3", dt.date(2022, 7, 1), dt.date(2022, 10, 1)),
    ("2023-Q2", dt.date(2023, 4, 1), dt.date(2023, 7, 1)),
])
def test_customer_figures_match_the_raw_export(raw, sf_db, period, start, end):
    with db.read(sf_db) as con:
        as_of = con.execute("select max(cast(data_as_of as date)) from funnel_records").fetchall()[0][0]
        got = {r.metric: r for r in metrics.scorecard(con, period)["rows"] if r.segment is None}
    # the as-of date is the export's last close of a closed deal or create (an open deal's close date is
    # only expected), never after today
    last = max(max(dt.date.fromisoformat(r["CloseDate"]) for r in raw["opps"] if r["IsClosed"] == "1"),
               max(dt.date.fromisoformat(r["CreatedDate"][:10]) for r in raw["opps"]))
    assert as_of == min(last, dt.date.today())
    want = expected(raw, start, end, as_of)
    for metric, value in want.items():
        assert got[metric].value == pytest.approx(value), metric
    assert got["net_revenue_retention"].value is None and "renewal" in got["net_revenue_retention"].note
    assert got["wallet_share"].value is None and "Account Potential" in got["wallet_share"].note
    # the note says which rule split the won deals
    assert "by the Type column" in got["won_revenue_new"].note


def test_every_won_opportunity_is_split(raw, sf_db):
    with db.read(sf_db) as con:
        n = dict(con.execute("select coalesce(deal_kind, 'none'), count(*) from account_deals "
                             "where status = 'won' group by 1").fetchall())
    assert n == {"new": sum(w["kind"] == "new" for w in raw["won"]),
                 "expansion": sum(w["kind"] == "expansion" for w in raw["won"])}
    assert sum(n.values()) == 986

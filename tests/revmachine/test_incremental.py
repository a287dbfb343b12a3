"""An append refreshes only what it changed, and leaves every mart exactly as a full rebuild would.

The demo (6,000 leads) gets a realistic weekly file, in two appends on one copy and in one append on
another: new leads (one continuing a loaded contact's deal), leads moved on (stage dates, a new owner,
a converted deal id naming a loaded deal), deals updated (won, lost, a new amount, relinked to another
lead), new deals, activities on old and new leads, a deal's field history, a new account and an
updated one. After each load every mart table (marts.TABLES, rollups included) must equal, row for
row, what marts.rebuild makes of the same tables, and the two copies must agree on every figure that
does not depend on how the rows were split into loads.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from revmachine import db, marts
from revmachine.ingest import load
from revmachine.ingest.stage import Staged
from revmachine.schema import columns
from tests.revmachine.helpers import frame

# rollups of this test's own (the pages' rollups are registered the same way): records per day and
# shared filters, with the counts and sums the pages need; one over deal_facts; one over a business
# table
ROLLUPS = {
    "rollup_test_records": (
        "select created_date as day, territory, channel, owner, sourced_by, current_stage, is_recycled, "
        "count(*) as records, count(*) filter (where is_won) as won, sum(amount) as amount, "
        "max(touch_count) as most_touches "
        "from funnel_records where record_type = 'lead' group by all",
        ("day", "territory", "channel", "owner", "sourced_by", "current_stage", "is_recycled")),
    "rollup_test_deals": (
        "select closed_date as day, territory, owner, status, currency, count(*) as deals, sum(amount) as amount "
        "from deal_facts group by all",
        ("day", "territory", "owner", "status", "currency")),
    "rollup_test_touches": (  # over a business table
        "select cast(occurred_at as date) as day, activity_type, owner, count(*) as touches, "
        "count(distinct lead_id) as leads from activities group by all",
        ("day", "activity_type", "owner")),
}

# marts whose rows depend on how rows were split into loads (batch ids, each load's day)
BY_LOAD = {"target_facts", "spend_facts", "deal_batch_days", "deal_changes", "deal_versions"}


@pytest.fixture
def with_rollups(monkeypatch):
    real = marts._mart_sql
    build = marts.BUILD + tuple((n, "table") for n in ROLLUPS)
    monkeypatch.setattr(marts, "BUILD", build)
    monkeypatch.setattr(marts, "TABLES", tuple(n for n, k in build if k == "table"))
    monkeypatch.setattr(marts, "MARTS", tuple(n for n, _ in build))
    monkeypatch.setattr(marts, "ROLLUP_KEYS", {**marts.ROLLUP_KEYS, **{n: k for n, (_, k) in ROLLUPS.items()}})
    monkeypatch.setattr(marts, "_mart_sql", lambda n: ROLLUPS[n][0] if n in ROLLUPS else real(n))


def _copy(demo_db, tmp_path, name):
    p = tmp_path / name
    shutil.copyfile(demo_db, p)
    with db.write(p) as con:  # the rollups of this test, built in full once (as a settings change does)
        marts.rebuild(con)
    return p


def _rows(con, sql, params=None):
    res = con.execute(sql, params or [])
    cols = [d[0] for d in res.description]
    return [dict(zip(cols, r, strict=True)) for r in res.fetchall()]


def weekly_file(p, part: int) -> dict[str, list[dict]]:
    """A weekly export's rows, made from the database's own (part 1 or 2: disjoint keys)."""
    with db.read(p) as con:
        as_of = con.execute("select data_as_of from funnel_as_of").fetchone()[0]
        off = 0 if part == 1 else 1
        leads = _rows(con, "select * exclude (batch_id) from leads order by lead_id")
        deals = _rows(con, "select * exclude (batch_id) from deals order by deal_id")
        owners = [r[0] for r in con.execute("select distinct owner from owners order by 1").fetchall()]
        acct = _rows(con, "select * exclude (batch_id) from accounts order by company")
    week = [as_of + dt.timedelta(days=d, hours=3) for d in range(1, 8)]
    out: dict[str, list[dict]] = {"leads": [], "deals": [], "activities": [], "deal_field_history": [],
                                  "accounts": []}
    # new leads (one shares a loaded deal's contact: that deal may now continue it)
    for i in range(40):
        src = leads[(i * 97 + off * 13) % len(leads)]
        out["leads"].append({**src, "lead_id": f"NEW{part}-{i}", "created_at": week[i % 7], "mql_at": None,
                             "sal_at": None, "opportunity_at": None, "proposal_at": None, "won_at": None,
                             "exit_at": None, "exit_reason": None, "current_stage": "Lead", "stage": "lead",
                             "converted_deal_id": None, "is_converted": False,
                             "contact_id": next((d["contact_id"] for d in deals[off * 50:] if d["contact_id"]),
                                                None) if i == 0 else None})
    # leads moved on: an MQL date this week, a new owner, one converted into a loaded deal
    for i in range(30):
        src = leads[(i * 211 + 5 + off * 7) % len(leads)]
        row = {**src, "mql_at": src["mql_at"] or week[i % 7], "owner": owners[(i + part) % len(owners)]}
        if i == 0:
            row["converted_deal_id"] = deals[(off * 3 + 11) % len(deals)]["deal_id"]
        out["leads"].append(row)
    # deals: won, lost, a new amount, one relinked to another lead; new deals for new leads
    for i in range(20):
        src = deals[(i * 37 + 3 + off * 19) % len(deals)]
        row = dict(src)
        if i % 4 == 0:
            row.update(is_won=True, is_lost=False, is_closed=True, closed_at=week[i % 7], stage="won",
                       current_stage="Closed Won")
        elif i % 4 == 1:
            row.update(is_won=False, is_lost=True, is_closed=True, closed_at=week[i % 7], stage=None,
                       current_stage="Closed Lost", lost_reason="Price")
        elif i % 4 == 2:
            row.update(amount=(row["amount"] or 0) + 1234, probability=0.5)
        else:
            row.update(lead_id=leads[(i * 5 + off) % len(leads)]["lead_id"], contact_id=None)
        out["deals"].append(row)
    for i in range(5):
        src = deals[(i * 7 + off) % len(deals)]
        out["deals"].append({**src, "deal_id": f"NEWD{part}-{i}", "lead_id": f"NEW{part}-{i + 1}",
                             "created_at": week[i], "closed_at": None, "is_won": False, "is_lost": False,
                             "is_closed": False, "current_stage": "Qualification", "stage": "opportunity"})
    # activities on loaded leads and on this week's
    for i in range(120):
        lead = out["leads"][i % 70]["lead_id"] if i % 3 else leads[(i * 53) % len(leads)]["lead_id"]
        out["activities"].append({"activity_id": f"ACT{part}-{i}", "lead_id": lead, "occurred_at": week[i % 7],
                                  "activity_type": "Call", "owner": owners[i % len(owners)], "deal_id": None,
                                  "subject": "follow-up"})
    d = out["deals"][2]
    out["deal_field_history"].append({"deal_id": d["deal_id"], "field": "amount", "changed_at": week[2],
                                      "old_value": "1000.00", "new_value": f"{(d['amount'] or 0):.2f}"})
    # a new account, and one whose territory changed
    out["accounts"].append({"company": f"Brand New Co {part}", "account_id": f"ACC-NEW-{part}",
                            "territory": "EMEA", "industry": "Retail"})
    if acct:
        a = acct[(off * 5) % len(acct)]
        out["accounts"].append({**a, "territory": "APAC" if a.get("territory") != "APAC" else "EMEA"})
    return out


def _append(p, rows: dict[str, list[dict]], note: str) -> None:
    staged = Staged([], [], [], {t: frame(t, r) for t, r in rows.items() if r})
    load.load(staged, p, note=note, snapshot_at=dt.datetime(2026, 1, 1))


def _differences(p) -> dict[str, int]:
    """Per mart table: rows that differ from a full rebuild of the same tables (0: identical)."""
    out = {}
    with db.write(p) as con:
        for t in marts.TABLES:
            con.execute(f"create temp table before_{t} as select * from {t}")
        # as the marts were made: before the load wrote its meeting snapshot (deal_batch_days reads it)
        con.execute("delete from scorecard_snapshots where batch_id = (select max(batch_id) from batches)")
        marts.rebuild(con)
        for t in marts.TABLES:
            out[t] = con.execute(
                f"select count(*) from (select * from before_{t} except all select * from {t} "
                f"union all select * from {t} except all select * from before_{t})").fetchone()[0]
        con.execute("rollback")
        con.execute("begin transaction")  # db.write commits what it opened: nothing, now
    return out


def test_two_appends_and_one_equal_a_full_rebuild(demo_db, tmp_path, with_rollups, monkeypatch):
    calls = []
    real = marts.refresh

    def spy(con, batch_id, progress=None, **kw):
        done = real(con, batch_id, progress, **kw)
        calls.append(done)
        return done

    monkeypatch.setattr(marts, "refresh", spy)
    two, one = _copy(demo_db, tmp_path, "two.duckdb"), _copy(demo_db, tmp_path, "one.duckdb")
    first, second = weekly_file(two, 1), weekly_file(two, 2)
    _append(two, first, "week part 1")
    assert calls == [True]  # refreshed, not rebuilt
    assert {t: n for t, n in _differences(two).items() if n} == {}
    _append(two, second, "week part 2")
    assert calls == [True, True]
    assert {t: n for t, n in _differences(two).items() if n} == {}
    _append(one, {t: first[t] + second[t] for t in first}, "the week at once")
    assert calls == [True, True, True]
    assert {t: n for t, n in _differences(one).items() if n} == {}

    # both copies hold the same records, deals and figures (the rollups included)
    with db.read(two) as con:
        con.execute("attach ? as other (read_only)", [str(one)])
        for t in marts.TABLES:
            if t in BY_LOAD:
                continue
            n = con.execute(f"select count(*) from (select * from {t} except all select * from other.{t} "
                            f"union all select * from other.{t} except all select * from {t})").fetchone()[0]
            assert n == 0, t
        # the file was applied: new leads are records, the relinked deal and the won deals count
        assert con.execute("select count(*) from funnel_records where lead_id like 'NEW%'").fetchone()[0] == 80
        assert con.execute("select sum(records) from rollup_test_records").fetchone()[0] == \
            con.execute("select count(*) from funnel_records where record_type = 'lead'").fetchone()[0]


def test_a_new_currency_or_a_replace_rebuilds_in_full(demo_db, tmp_path, with_rollups, monkeypatch):
    calls = []
    real = marts.refresh
    monkeypatch.setattr(marts, "refresh", lambda con, b, progress=None, **kw: calls.append(real(con, b, progress, **kw)))
    p = _copy(demo_db, tmp_path, "fx.duckdb")
    rows = weekly_file(p, 1)
    rows["deals"][2] = {**rows["deals"][2], "currency": "JPY"}  # a currency the data had not stated
    _append(p, rows, "a yen deal")
    assert calls == [False]
    assert {t: n for t, n in _differences(p).items() if n} == {}
    with db.read(p) as con:
        assert "JPY" in con.execute("select currencies from money_basis").fetchone()[0]


def test_an_owner_and_a_moved_as_of_date_refresh_what_they_reach(demo_db, tmp_path, with_rollups, monkeypatch):
    p = _copy(demo_db, tmp_path, "owners.duckdb")
    with db.read(p) as con:
        owner = _rows(con, "select * exclude (batch_id) from owners order by owner limit 1")[0]
        as_of = con.execute("select data_as_of from funnel_as_of").fetchone()[0]
    monkeypatch.setattr(marts, "today", lambda: as_of.date() + dt.timedelta(days=90))
    # the owner moves territory; one activity lands sixty days later (the as-of date moves far:
    # leads whose quiet spell it crosses become recycled)
    rows = {"owners": [{**owner, "territory": "Somewhere Else"}],
            "activities": [{"activity_id": "LATE-1", "lead_id": "NOBODY", "occurred_at": as_of + dt.timedelta(days=60),
                            "activity_type": "Call", "owner": owner["owner"]}]}
    _append(p, rows, "an owner moved")
    assert {t: n for t, n in _differences(p).items() if n} == {}
    with db.read(p) as con:
        assert con.execute("select data_as_of from funnel_as_of").fetchone()[0] == as_of + dt.timedelta(days=60)
        assert con.execute("select data_as_of() = max(data_as_of) from funnel_records").fetchone()[0]
        assert columns("owners")  # the owners table is what was appended to


def test_a_mart_that_loses_rows_differs():
    """The refresh asks whether a small mart's new rows differ from its stored ones: a row the new
    ones lack counts as much as a row they add (a target removed, a stage no record reaches now)."""
    import duckdb

    con = duckdb.connect()
    con.execute("create table old_rows as select * from (values (1, 'a'), (2, 'b')) t(k, v)")
    con.execute("create table fewer as select * from (values (1, 'a')) t(k, v)")
    con.execute("create table more as select * from (values (1, 'a'), (2, 'b'), (3, 'c')) t(k, v)")
    con.execute("create table same as select * from old_rows")
    assert marts._differs(con, "old_rows", "fewer")
    assert marts._differs(con, "old_rows", "more")
    assert not marts._differs(con, "old_rows", "same")
    assert sorted(con.execute(f"select k from ({marts._sym_diff('old_rows', 'fewer')})").fetchall()) == [(2,)]

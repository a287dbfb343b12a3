"""Planning: the reverse waterfall by hand, rate fallback, a territory with no data, bad rates,
scenario save / load / compare, and the CLI."""

import datetime as dt
import json

import pytest

from revmachine import db, planning, state
from revmachine.cli import main
from revmachine.errors import UserError
from revmachine.ingest import load
from revmachine.ingest.stage import Staged

from .helpers import frame

STAGES = ["lead", "mql", "sal", "opportunity", "proposal", "won"]


def test_waterfall_by_hand():
    # $1,000,000 / $25,000 = 40 won; 40 / 0.30 = 133.3 -> 134 proposals; 134 / 0.60 = 223.3 -> 224
    # opportunities; 224 / 0.40 = 560 SALs; 560 / 0.50 = 1,120 MQLs; 1,120 / 0.20 = 5,600 leads
    got = planning.needed_counts(1_000_000, 25_000, STAGES,
                                 {"lead": 0.2, "mql": 0.5, "sal": 0.4, "opportunity": 0.6, "proposal": 0.3})
    assert got == {"lead": 5600, "mql": 1120, "sal": 560, "opportunity": 224, "proposal": 134, "won": 40}


def test_waterfall_is_exact_not_floating_point():
    # 112 / 0.4 is 280 exactly (floating point says 280.00000000000006 and would round up to 281)
    got = planning.needed_counts(112, 1, ["a", "b"], {"a": 0.4})
    assert got == {"a": 280, "b": 112}


@pytest.mark.parametrize("rate, words", [(0, "is 0"), (None, "is missing"), (1.5, "at most 1")])
def test_zero_missing_or_impossible_rates_are_a_clear_message(rate, words):
    with pytest.raises(UserError, match=words):
        planning.needed_counts(1000, 100, ["lead", "won"], {"lead": rate})


def test_enter_by_shifts_back_by_velocity():
    got = planning.enter_by(dt.date(2027, 1, 1), ["lead", "mql", "won"], {"lead": 10, "mql": 20.4})
    assert got == {"lead": dt.date(2026, 12, 2), "mql": dt.date(2026, 12, 12), "won": dt.date(2027, 1, 1)}


def _leads(prefix, territory, n, n_mql):
    return [dict(lead_id=f"{prefix}{i}", created_at="2026-03-01", territory=territory, owner=f"{prefix}-rep",
                 channel="Paid Search", stage="mql" if i < n_mql else "lead",
                 mql_at="2026-03-05" if i < n_mql else None) for i in range(n)]


@pytest.fixture
def plan_db(tmp_path):
    """Big: 40 leads in the window, 20 to MQL. Small: 5 leads, all to MQL. New: a target, no data.
    One won deal (Big) closes 2026-09-30 so the data runs to the end of 2026-Q3. A 2024 lead (before
    the window) went through every stage, so the funnel skips none of them."""
    leads = _leads("B", "Big", 40, 20) + _leads("S", "Small", 5, 5) + [
        dict(lead_id="OLD", created_at="2024-01-01", mql_at="2024-01-02", sal_at="2024-01-03",
             opportunity_at="2024-01-04", proposal_at="2024-01-05", won_at="2024-01-06", stage="won",
             territory="Big", amount=1000)]
    deals = [dict(deal_id="W1", lead_id="B0", territory="Big", owner="B-rep", stage="won", is_won=True,
                  is_lost=False, created_at="2026-08-01", closed_at="2026-09-30", amount=50000)]
    targets = [dict(period_start="2026-10-01", period_end="2026-12-31", territory=t, revenue_target=v)
               for t, v in (("Big", 100000), ("Small", 50000), ("New", 50000))]
    p = tmp_path / "plan.duckdb"
    staged = Staged([], [], [], {"leads": frame("leads", leads), "deals": frame("deals", deals),
                                 "targets": frame("targets", targets)})
    load.load(staged, p)
    return p


def test_rate_fallback_and_territory_without_data(plan_db):
    with db.read(plan_db) as con:
        assert planning.trailing_window(con) == (dt.date(2025, 10, 1), dt.date(2026, 10, 1))
        inp = planning.default_inputs(con, "2026-Q4")
    big, small, new = (inp["territories"][t] for t in ("Big", "Small", "New"))
    assert big["rates"]["lead"] == {**big["rates"]["lead"], "rate": 0.5, "source": "territory actuals", "sample": 40}
    # Small has 5 records: the company-wide rate, 25 of 45
    assert small["rates"]["lead"]["source"] == "company actuals"
    assert small["rates"]["lead"]["rate"] == pytest.approx(25 / 45)
    # MQL -> SAL: 25 records company-wide, below 30: the benchmark
    assert big["rates"]["mql"]["source"] == "benchmark" and big["rates"]["mql"]["rate"] == 0.5
    assert new["target"] == 50000 and new["rates"]["lead"]["source"] == "company actuals"
    assert new["deal_size"] == 50000 and new["deal_source"].startswith("company actuals")
    plan = planning.compute(inp)
    rows = {(r["territory"], r["stage"]): r for r in plan["rows"]}
    assert rows[("Big", "won")]["needed"] == 2  # 100,000 / 50,000
    assert rows[("Big", "lead")]["rate_source"] == "territory actuals (n=40)"
    assert rows[("Big", "won")]["rate"] is None


def test_typed_target_and_missing_deal_size(plan_db):
    with db.read(plan_db) as con:
        inp = planning.default_inputs(con, "2026-Q4", target=400000)
    # split by the targets sheet: 100k : 50k : 50k
    assert inp["territories"]["Big"]["target"] == pytest.approx(200000)
    inp["territories"]["Big"]["deal_size"] = None
    plan = planning.compute(inp)
    big = next(s for s in plan["summary"] if s["territory"] == "Big")
    assert "deal size" in big["error"]
    assert all(r["needed"] is None for r in plan["rows"] if r["territory"] == "Big")


def test_scenario_save_load_compare_survives_restart(plan_db):
    with db.read(plan_db) as con:
        base = planning.default_inputs(con, "2026-Q4")
    better = planning.apply_overrides(base, {"Big": {"rate:lead": 0.8, "deal_size": 25000}})
    assert better["territories"]["Big"]["rates"]["lead"]["source"] == "override"
    planning.save_version("base", base, plan_db)
    planning.save_version("better leads", better, plan_db)
    with state.read(plan_db) as con:  # a new connection: what a restart sees (the app-state file)
        assert set(planning.versions(con).plan_name) == {"base", "better leads"}
        a = planning.compute(planning.load_version(con, "base"))
        b = planning.compute(planning.load_version(con, "better leads"))
    cmp = planning.compare(a, b).set_index(["territory", "stage"])
    assert cmp.loc[("Big", "won"), "needed_a"] == 2 and cmp.loc[("Big", "won"), "needed_b"] == 4
    assert cmp.loc[("Big", "lead"), "rate_b"] == 0.8
    with pytest.raises(UserError):
        planning.save_version("  ", base, plan_db)


def test_levers_when_demand_is_short():
    inp = {"deal_size": 10000.0, "reps": 10, "won_per_rep_per_quarter": 10.0, "leads_per_quarter": 100.0,
           "open_pipeline": {}, "rates": {s: {"rate": 0.5, "benchmark": 0.5} for s in ["lead", "mql"]}}
    inp["rates"]["mql"] = {"rate": 0.25, "benchmark": 0.5}
    lv = planning.levers(inp, ["lead", "mql", "won"], 1, target=500000.0)
    # demand: 100 leads x 0.5 x 0.25 x 10,000 = 125,000; capacity 10 x 10 x 10,000 = 1,000,000
    assert lv["demand_revenue"] == pytest.approx(125000) and not lv["capacity_bound"]
    assert lv["gap_revenue"] == pytest.approx(375000)
    assert lv["lever_more_leads"] == 300  # 375,000 / (0.125 x 10,000)
    assert lv["lever_bottleneck_step"] == "mql" and lv["lever_bottleneck_revenue"] == pytest.approx(125000)
    assert lv["lever_more_reps"] == 0


def test_cli_plan_json(plan_db, capsys):
    assert main(["plan", "--db", str(plan_db), "--period", "2026-Q4", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = [r for r in out["rows"] if r["territory"] == "Big"]
    assert [r["stage"] for r in rows] == STAGES  # funnel order, lead to won
    assert set(rows[0]) == {"territory", "stage", "needed", "enter_by", "rate", "rate_source"}
    assert rows[-1]["rate"] is None and {g["territory"] for g in out["gap"]} == {"Big", "Small", "New"}


def test_enter_by_is_unknown_behind_a_step_with_no_measured_days():
    # no dates to measure the mql step: mql's date is known (won's shifted by its own step), lead's is not
    got = planning.enter_by(dt.date(2027, 1, 1), ["lead", "mql", "sal", "won"], {"lead": 10, "mql": None, "sal": 5})
    assert got == {"lead": None, "mql": None, "sal": dt.date(2026, 12, 27), "won": dt.date(2027, 1, 1)}

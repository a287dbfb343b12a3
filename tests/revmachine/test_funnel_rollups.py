"""The funnel, planning and meeting figures read rollups built at load time (queries/marts/rollup_funnel_*):
every figure must be the one the records give. The record-level queries these pages ran before the
rollups are kept in reference_sql/ (the step table's and its exits' in queries/, *_records.sql, which a campaign's
funnel still runs) as the reference: each test runs the page function on both and
compares every figure, on the demo, over several periods, views, breakdowns and filters."""

import contextlib
import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from revmachine import funnel, meeting, planning, sql
from revmachine.filters import Filters

REFERENCE = Path(__file__).parent / "reference_sql"
# the step table and its exits as the records give them, kept in queries/ for a campaign's funnel
RECORDS_TWIN = {"funnel/step_conversion": "funnel/step_conversion_records",
                "funnel/step_exits": "funnel/step_exits_records"}


@contextlib.contextmanager
def record_queries():
    """Runs the pages' queries as they were before the rollups (from the records)."""
    original = sql.text

    def text(name: str) -> str:
        if name in RECORDS_TWIN:  # still in queries/: a campaign's funnel runs it
            return original(RECORDS_TWIN[name])
        ref = REFERENCE / f"{name}.sql"
        return ref.read_text(encoding="utf-8") if ref.exists() else original(name)

    sql.parameters.cache_clear()
    sql.text = text
    try:
        yield
    finally:
        sql.text = original
        sql.parameters.cache_clear()


def same(a, b, where: str) -> None:
    """Counts exactly; money and days exactly up to the last bits of a float (sums of amounts in another
    order)."""
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        if (isinstance(a, float) and math.isnan(a)) or (isinstance(b, float) and math.isnan(b)):
            assert isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b), where
        else:
            assert a == pytest.approx(b, rel=1e-12, abs=1e-9), where
    else:
        assert a == b, where


def same_frame(a: pd.DataFrame, b: pd.DataFrame, where: str) -> None:
    assert list(a.columns) == list(b.columns), where
    assert len(a) == len(b), f"{where}: {len(a)} rows against {len(b)}"
    for (i, ra), (_, rb) in zip(a.iterrows(), b.iterrows(), strict=True):
        for c in a.columns:
            x, y = ra[c], rb[c]
            if x is None or (not isinstance(x, list | tuple) and pd.isna(x)):
                assert y is None or (not isinstance(y, list | tuple) and pd.isna(y)), f"{where} row {i} {c}: {x} vs {y}"
            elif isinstance(x, list | tuple):
                assert list(x) == list(y), f"{where} row {i} {c}"
            else:
                same(x.item() if hasattr(x, "item") else x, y.item() if hasattr(y, "item") else y,
                     f"{where} row {i} {c}: {x} vs {y}")


@pytest.fixture(scope="module")
def con(demo_full_db):
    c = duckdb.connect(str(demo_full_db), read_only=True)
    yield c
    c.close()


# quarters, a year, a month, everything, a quarter to date and a window of days
PERIODS = ["2026-Q2", "2026-Q3", "2026", "2026-05", "all", "2026-Q4 to 2026-11-15", "2026-10-24..2026-11-20"]


def _periods(con):
    return PERIODS


def _filters(con):
    territories = [r[0] for r in con.execute("select distinct territory from funnel_records order by 1").fetchall()]
    channels = [r[0] for r in con.execute("select distinct channel from funnel_records order by 1").fetchall()]
    owners = [r[0] for r in con.execute("select distinct owner from funnel_records order by 1").fetchall()]
    return [
        Filters(),
        Filters(territory=(territories[0],)),
        Filters(channel=tuple(channels[:2]), sourced_by=("marketing",)),
        Filters(owner=(owners[-1],), territory=(territories[-1],)),
        Filters(territory=("no such territory",)),
    ]


def _campaign(con):
    return con.execute("select campaign from funnel_records where campaign is not null "
                       "group by 1 order by count(*) desc limit 1").fetchall()[0][0]


def test_step_table_equals_the_records(con):
    campaign = _campaign(con)
    cases = [(p, f, v, by, c) for p in _periods(con) for f in _filters(con)
             for v in ("period", "cohort") for by in (None, "channel") for c in ("",)]
    cases += [(p, Filters(), v, by, c) for p in ("2026-Q3", "2026") for v in ("period", "cohort")
              for by in (None, "campaign", "territory", "owner", "sourced_by") for c in ("", campaign)]
    assert len(cases) > 100
    judged = 0
    for p, f, v, by, c in cases:
        where = f"{p} {f} {v} by={by} campaign={c!r}"
        new = funnel.build(con, p, f, v, by, c)
        with record_queries():
            old = funnel.build(con, p, f, v, by, c)
        same_frame(new.steps, old.steps, where)
        same_frame(new.exits, old.exits, where + " exits")
        same(new.avg_deal if new.avg_deal is not None else float("nan"),
             old.avg_deal if old.avg_deal is not None else float("nan"), where + " avg deal")
        assert new.data_as_of == old.data_as_of, where
        assert new.sentence == old.sentence, where
        assert new.notes == old.notes, where
        judged += int(len(new.steps) > 0 and new.steps.entered.sum() > 0)
    assert judged > 50  # the comparison is on real figures, not on empty tables


def test_velocity_and_maturity_inputs_equal_the_records(con):
    for p in _periods(con):
        for f in _filters(con):
            new = funnel.step_context(con, p, f)
            with record_queries():
                old = funnel.step_context(con, p, f)
            # the 80th percentile judges maturity only (never shown); interpolated from the histogram it
            # can differ from DuckDB's own interpolation over the records in the last bit of a double
            assert new.p80_reach.keys() == old.p80_reach.keys(), f"{p} {f}"
            for k, v in new.p80_reach.items():
                same(v, old.p80_reach[k], f"{p} {f} step {k}")
            assert new.data_as_of == old.data_as_of, f"{p} {f}"
            assert (new.avg_deal is None) == (old.avg_deal is None), f"{p} {f}"
            if new.avg_deal is not None:
                same(new.avg_deal, old.avg_deal, f"{p} {f} average deal")
            assert new.several_currencies == old.several_currencies


def test_came_back_equals_the_records(con):
    campaign = _campaign(con)
    seen = 0
    for p in _periods(con):
        for f in _filters(con):
            for v in ("period", "cohort"):
                for c in ("", campaign):
                    new = funnel.came_back(con, p, f, v, c)
                    with record_queries():
                        old = funnel.came_back(con, p, f, v, c)
                    same_frame(new, old, f"{p} {f} {v} {c}")
                    seen += len(new)
    assert seen > 0


def test_campaign_list_equals_the_records(con):
    old = [r[0] for r in con.execute(
        "select distinct campaign from funnel_records where campaign is not null order by 1").fetchall()]
    assert funnel.campaigns(con) == old and old


def test_planning_inputs_equal_the_records(con):
    for period in planning.plan_periods(con)[:2]:
        new = planning.default_inputs(con, period)
        with record_queries():
            old = planning.default_inputs(con, period)
        assert new.keys() == old.keys()
        assert new["territories"].keys() == old["territories"].keys() and new["territories"]

        def walk(a, b, where):
            if isinstance(a, dict):
                assert a.keys() == b.keys(), where
                for k in a:
                    walk(a[k], b[k], f"{where}.{k}")
            elif isinstance(a, list):
                assert len(a) == len(b), where
                for i, (x, y) in enumerate(zip(a, b, strict=True)):
                    walk(x, y, f"{where}[{i}]")
            elif a is None or b is None:
                assert a is None and b is None, where
            else:
                same(a, b, where)

        walk(new, old, period)
        for q in ("planning/trailing_rates", "planning/trailing_volumes", "planning/open_pipeline"):
            w0, w1 = planning.trailing_window(con)
            a = sql.df(con, q, window_start=w0, window_end=w1)
            with record_queries():
                b = sql.df(con, q, window_start=w0, window_end=w1)
            same_frame(a, b, q)


def test_meeting_snapshot_equals_the_records(demo_full_db, tmp_path):
    import shutil

    p = tmp_path / "snap.duckdb"
    shutil.copyfile(demo_full_db, p)
    c = duckdb.connect(str(p))
    try:
        c.execute("delete from scorecard_snapshots")
        meeting.snapshot(c, 1)
        with record_queries():
            meeting.snapshot(c, 2)
        new = c.execute("select * exclude (snapshot_at, batch_id) from scorecard_snapshots where batch_id = 1 "
                        "order by metric, segment").df()
        old = c.execute("select * exclude (snapshot_at, batch_id) from scorecard_snapshots where batch_id = 2 "
                        "order by metric, segment").df()
        assert set(new.metric) >= {"step_rate", "stage_entries", "territory_won", "channel_leads"}
        same_frame(new, old, "snapshot")
        # won revenue per territory and leads per channel, as the records give them
        w = meeting.window(c)
        won = dict(c.execute("select territory, coalesce(sum(amount), 0) from won_deals where won_date >= ? "
                             "and won_date < ? group by territory", [w.start, w.end]).fetchall())
        leads = dict(c.execute("select channel, count(*) from funnel_records where record_type = 'lead' and "
                               "created_date >= ? and created_date < ? group by channel", [w.start, w.end]).fetchall())
        for metric, expected in (("territory_won", won), ("channel_leads", leads)):
            got = new[new.metric == metric].set_index("segment").value.to_dict()
            assert got.keys() == expected.keys() and got, metric
            for k, v in expected.items():
                same(got[k], float(v), f"{metric} {k}")
        week = meeting.window(c, meeting.WEEK_DAYS)
        a = sql.df(c, "meeting/stage_entries", period_start=week.start, period_end=week.end)
        with record_queries():
            b = sql.df(c, "meeting/stage_entries", period_start=week.start, period_end=week.end)
        same_frame(a, b, "stage entries")
        assert a.entered.sum() > 0
    finally:
        c.close()


def test_drill_head_equals_the_whole_drill(con):
    """The drill-down's count and its newest 500 records (the rollups and the newest days' records)
    are those of the whole list."""
    checked = 0
    for p in ("2026-Q3", "2026", "2026-10-24..2026-11-20"):
        for f in _filters(con)[:3]:
            for v in ("period", "cohort"):
                for step in (1, 2, 4):
                    for by, seg in ((None, None), ("territory", f.territory[0] if f.territory else None)):
                        full = funnel.drill(con, p, f, v, step, by, seg)
                        with record_queries():
                            same_frame(full, funnel.drill(con, p, f, v, step, by, seg), f"{p} {f} {v} {step} drill")
                        n, conv, head = funnel.drill_head(con, p, f, v, step, by, seg, limit=50)
                        assert n == len(full) and conv == int(full.converted.sum()), (p, f, v, step)
                        same_frame(head.reset_index(drop=True), full.head(50).reset_index(drop=True),
                                   f"{p} {f} {v} {step}")
                        checked += len(full) > 50
    assert checked > 10

"""The dashboard's figures read rollups built at load time (queries/marts/rollup_*.sql) instead of
the records: every figure must stay what the record-based queries give. reference_sql/ holds the
record-based queries as they were before the rollups; each test runs the page's function on the
demo with both and compares every figure, for several periods and filters."""

import math
from pathlib import Path

import pandas as pd
import pytest

from revmachine import db, metrics, sla, sql
from revmachine.filters import Filters

REFERENCE = Path(__file__).parent / "reference_sql"
# query name -> the record-based query it replaced
REPLACED = {p.relative_to(REFERENCE).with_suffix("").as_posix(): p.read_text(encoding="utf-8")
            for p in REFERENCE.rglob("*.sql")}

FILTERS = [
    Filters(),
    Filters(territory=("EMEA",)),
    Filters(channel=("Webinar", "Paid Search"), owner=()),
    Filters(sourced_by=("sales",)),
]


def _reference_queries(monkeypatch):
    """Serve the record-based queries under their old names."""
    real = sql.text

    def text(name: str) -> str:
        return REPLACED.get(name) or real(name)

    sql.parameters.cache_clear()
    monkeypatch.setattr(sql, "text", text)


def _same(a, b, where: str) -> None:
    """Equal, floats to 1e-9 relative (a sum of floats in parallel is not bit-stable across runs)."""
    if isinstance(a, float) and isinstance(b, float) and not (math.isnan(a) or math.isnan(b)):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), f"{where}: {a} != {b}"
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list | tuple) and isinstance(b, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif _missing(a) or _missing(b):  # NaT / NaN from a data frame: never equal to itself
        assert _missing(a) and _missing(b), f"{where}: {a!r} != {b!r}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _missing(v) -> bool:
    return v is None or (not isinstance(v, str | bytes) and bool(pd.isna(v)))


def _figures(card: dict) -> list[dict]:
    return [{**r.as_dict(), "trend": r.trend, "on_target": r.on_target, "segment": r.segment} for r in card["rows"]]


def _periods(con) -> list[str]:
    current = metrics.current_period_label(con)
    complete = metrics.default_period_label(con)
    month = metrics.current_period_label(con, "month")
    year = metrics.default_period_label(con, "year")
    return list(dict.fromkeys([current, complete, month, year, "all"]))


def test_scorecard_from_rollups_equals_the_records(demo_db, monkeypatch):
    with db.read(demo_db) as con:
        labels = _periods(con)
        new = {(lab, f): _figures(metrics.scorecard(con, lab, f)) for lab in labels for f in FILTERS}
        with monkeypatch.context() as m:
            _reference_queries(m)
            old = {(lab, f): _figures(metrics.scorecard(con, lab, f)) for lab in labels for f in FILTERS}
        sql.parameters.cache_clear()
    # the comparison means something: the demo has leads, SQLs, recycled leads and exits in them
    cur = {r["metric"]: r for r in old[(labels[0], Filters())]}
    assert cur["leads_created"]["value"] and cur["exit_rate"]["value"] and cur["recycled_leads"]["value"]
    assert any(r["metric"] == "lead_share" for r in old[(labels[0], Filters())])
    for key in old:
        _same(new[key], old[key], f"{key[0]} {key[1].describe()}")


def test_handoff_clocks_equal_the_unfiltered_join(demo_db, monkeypatch):
    """The handoff SLAs test each record's own dates before the join with the stages: same result."""
    with db.read(demo_db) as con:
        labels = _periods(con)
        new = {(lab, f): sla.handoffs(con, lab, f) for lab in labels for f in FILTERS}
        with monkeypatch.context() as m:
            _reference_queries(m)
            old = {(lab, f): sla.handoffs(con, lab, f) for lab in labels for f in FILTERS}
        sql.parameters.cache_clear()
    assert any(h["entered"] for h in old[(labels[0], Filters())])
    for key in old:
        _same(new[key], old[key], f"{key[0]} {key[1].describe()}")


def test_revenue_sla_tables_equal_the_old_queries(demo_db, monkeypatch):
    """The SLA scoreboard and the breaching leads read the as-of date once (macros.sql data_as_of)."""
    def run(con):
        return {(lab, f): (metrics.sla_by_territory(con, lab, f).to_dict("records"),
                           metrics.sla_breaches(con, lab, f).to_dict("records"))
                for lab in labels for f in FILTERS}

    with db.read(demo_db) as con:
        labels = _periods(con)
        new = run(con)
        with monkeypatch.context() as m:
            _reference_queries(m)
            old = run(con)
        sql.parameters.cache_clear()
    assert old[(labels[1], Filters())][0] and old[(labels[1], Filters())][1]
    for key in old:
        _same(new[key], old[key], f"{key[0]} {key[1].describe()}")


def test_the_homes_figures_are_the_dashboards(demo_db):
    """The home asks the scorecard for its four figures only: they are the full scorecard's."""
    from revmachine import home

    with db.read(demo_db) as con:
        for lab in _periods(con):
            for f in FILTERS:
                full = {(r.metric, r.segment): r for r in metrics.scorecard(con, lab, f, trend_n=1)["rows"]}
                some = metrics.scorecard(con, lab, f, trend_n=1, figures=home.HOME_FIGURES)["rows"]
                assert sorted({r.metric for r in some}) == sorted(home.HOME_FIGURES)
                for r in some:
                    _same(_figures({"rows": [r]}), _figures({"rows": [full[(r.metric, r.segment)]]}),
                          f"{lab} {f.describe()} {r.metric}")


@pytest.mark.parametrize("name", ["rollup_created", "rollup_sqls", "rollup_recycled", "rollup_came_back",
                                  "rollup_cohort_outcomes"])
def test_rollups_add_up_to_the_records(demo_db, name):
    """Each rollup's key covers every column that is not an aggregate (the append's refresh relies on
    it), and its counts add up to the records they summarise."""
    from revmachine import marts

    with db.read(demo_db) as con:
        cols = [r[0] for r in con.execute(f"describe {name}").fetchall()]
        keys = marts.ROLLUP_KEYS[name]
        assert list(keys) == cols[:len(keys)]
        dup = con.execute(f"select count(*) - count(distinct ({', '.join(keys)})) from {name}").fetchone()[0]
        assert dup == 0
        counted = {
            "rollup_created": ("select sum(records) from rollup_created", "select count(*) from funnel_records"),
            "rollup_sqls": ("select sum(sqls) from rollup_sqls",
                            "select count(*) from funnel_records where sql_date is not null"),
            "rollup_recycled": ("select sum(went_quiet) from rollup_recycled",
                                "select count(*) from funnel_records where record_type = 'lead' "
                                "and recycled_at is not null"),
            "rollup_came_back": ("select sum(came_back) from rollup_came_back",
                                 "select count(*) from funnel_records where record_type = 'lead' "
                                 "and came_back_at is not null"),
            "rollup_cohort_outcomes": ("select sum(won) + sum(exited) from rollup_cohort_outcomes",
                                       "select count(*) filter (where is_won) + count(*) filter (where exit_kind "
                                       "is not null) from funnel_records where case when is_won then won_at "
                                       "when exit_kind is not null then exit_at end is not null"),
        }[name]
        got, want = (con.execute(q).fetchone()[0] for q in counted)
        assert got == want and want > 0

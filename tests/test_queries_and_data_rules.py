"""Every file in queries/ runs against the demo database with sample parameters, and every data
rule in tests/data_tests/ (SQL returning failing rows) returns none on the demo and the fixtures."""

import datetime as dt
from pathlib import Path

import pytest

from revmachine import config, db, sql
from revmachine.ingest import load, stage

DATA_TESTS = sorted((Path(__file__).parent / "data_tests").glob("assert_*.sql"))
QUERIES = sorted(p.relative_to(config.QUERIES_DIR).with_suffix("").as_posix()
                 for p in config.QUERIES_DIR.rglob("*.sql"))

SAMPLE = {
    "labels": ["2026-Q3"], "starts": [dt.date(2026, 7, 1)], "ends": [dt.date(2026, 10, 1)], "shift_days": [0],
    "sqls_only": [False],
    "period_start": dt.date(2026, 7, 1), "period_end": dt.date(2026, 10, 1),
    "territory": [], "channel": [], "owner": [], "sourced_by": [],
    "sla_hours": 24.0, "min_attempts": 3, "decision_days": 5.0,
    "view": "period", "by": "channel", "campaign": "", "segment": "", "step_index": 3,
    "entity": "campaign", "currency": "",
    "window_start": dt.date(2025, 10, 1), "window_end": dt.date(2026, 10, 1),
    # the pipeline's days (queries/pipeline/)
    "days": [dt.date(2026, 8, 15)], "start_day": dt.date(2026, 8, 1), "end_day": dt.date(2026, 8, 15),
    "as_of_day": dt.date(2026, 8, 15), "fy_start_month": 1, "bar": "start",
}


@pytest.mark.parametrize("name", [q for q in QUERIES if not q.startswith("marts/")])
def test_every_query_runs_on_the_demo(name, demo_db):
    with db.read(demo_db) as con:
        df = sql.df(con, name, **SAMPLE)
    assert len(df.columns) > 0
    if name != "dashboard/sla_breaches":
        assert len(df) > 0, f"{name} returned no rows on the demo"


def test_mart_queries_are_the_marts(demo_db):
    with db.read(demo_db) as con:
        for name in ("funnel_records", "stage_events", "won_deals", "lead_touches"):
            n_query = con.execute(f"select count(*) from ({sql.text('marts/' + name)})").fetchall()[0][0]
            n_table = con.execute(f"select count(*) from {name}").fetchall()[0][0]
            assert n_query == n_table > 0, name


@pytest.fixture(scope="module")
def maven_db(tmp_path_factory):
    root = Path(__file__).resolve().parents[2] / "shared" / "data" / "maven_crm"
    if not root.exists():
        pytest.skip("shared/data/maven_crm is absent")
    p = tmp_path_factory.mktemp("maven") / "maven.duckdb"
    files = [stage.UploadFile(f.name, f.read_bytes()) for f in (root / "sales_pipeline.csv", root / "sales_teams.csv")]
    load.load(stage.prepare(files), p)
    return p


@pytest.mark.parametrize("rule", DATA_TESTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("database", ["demo", "maven"])
def test_data_rules_hold(rule, database, demo_db, request):
    path = demo_db if database == "demo" else request.getfixturevalue("maven_db")
    with db.read(path) as con:
        failing = con.execute(rule.read_text()).df()
    assert failing.empty, f"{rule.name} on {database}:\n{failing.head(10)}"

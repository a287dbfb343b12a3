"""`bench --scale` runs (a smoke test at a tiny size: no timing is asserted, benchmarks are not tests),
and its weekly file is what it says: new leads, leads that moved on, deals revised and won, activities,
appended as a user appends them."""

import sys

import duckdb

from revmachine import cli
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT))  # bench/ is a folder of the repository, not of the package
from bench import scale, weekly


def test_scale_run_at_a_tiny_size(tmp_path):
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n")
    text = scale.run(sizes=[1500], pages=["matrix"], results=results, out=tmp_path, keep=True, label="smoke")
    body = results.read_text()
    assert "`bench --scale`: smoke" in body and text in body
    assert "| matrix page (warm, its database calls) |" in text and "| append ratio (this size / empty) |" in text

    # the weekly file was appended into the built database: its new and changed records are there
    con = duckdb.connect(str(tmp_path / "scale_1500.duckdb"), read_only=True)
    try:
        new = con.execute("select count(*) from leads where lead_id like 'LW%'").fetchone()[0]
        acts = con.execute("select count(*) from activities where activity_id like 'AW%'").fetchone()[0]
        won_week = con.execute("select count(*) from deals where is_won and closed_at > "
                               "(select max(created_at) from leads where lead_id not like 'LW%')").fetchone()[0]
    finally:
        con.close()
    assert (new, acts) == (weekly.NEW_LEADS, weekly.NEW_ACTIVITIES)
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "weekly_1500.xlsx", read_only=True)["Opportunities"]
    won_in_file = sum(r[9] == "Closed Won" for r in sheet.iter_rows(min_row=2, values_only=True))
    assert won_week == won_in_file > 0  # a tiny demo has few open deals: the file wins what there is


def test_weekly_file_holds_300_rows_of_updates_and_news(demo_db, tmp_path):
    from openpyxl import load_workbook

    wk = weekly.write(demo_db, tmp_path / "weekly.xlsx")
    wb = load_workbook(wk.path, read_only=True)
    rows = {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    assert wk.rows == 300 == sum(len(r) - 1 for r in rows.values())
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        known = {r[0] for r in con.execute("select lead_id from leads").fetchall()}
        open_deals = {r[0] for r in con.execute("select deal_id from deals where closed_at is null").fetchall()}
    finally:
        con.close()
    lead_ids = [r[0] for r in rows["Leads"][1:]]
    assert sum(i in known for i in lead_ids) == weekly.MOVED_LEADS  # updates of existing leads
    assert sum(i not in known for i in lead_ids) == weekly.NEW_LEADS
    assert all(r[0] in open_deals for r in rows["Opportunities"][1:])
    assert sum(r[9] == "Closed Won" for r in rows["Opportunities"][1:]) == weekly.WON_DEALS


def test_scale_option_and_sizes():
    p = cli.build_parser()
    assert p.parse_args(["bench", "--scale"]).scale == 0
    assert p.parse_args(["bench", "--scale", "10000000"]).scale == 10_000_000
    assert p.parse_args(["bench"]).scale is None
    assert scale.sizes_for(None) == [30_000, 1_000_000, 3_000_000]
    assert scale.sizes_for(10_000_000) == [30_000, 1_000_000, 3_000_000, 10_000_000]
    rows = [{"n": n, "build_s": 1.0, "build_peak_mb": 2.0, "file_mb": 3.0, "pages": {"home": ms},
             "append_s": a, "append_empty_s": 1.0, "load_before": 1.0, "load_after": 1.0}
            for n, ms, a in ((1_000_000, 400.0, 1.5), (3_000_000, 480.0, 2.0))]
    text = scale.table(rows)
    assert "| home page (warm, its database calls) | 400 ms | 480 ms | 1.20x |" in text
    assert "| append ratio (this size / empty) | 1.50x | 2.00x |" in text


def _book(tmp_path, name, rows):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Leads"
    for r in rows:
        ws.append(r)
    p = tmp_path / name
    wb.save(p)
    return p.read_bytes()


def test_a_workbook_read_ahead_gives_what_a_plain_read_gives(tmp_path):
    """The command line hands a workbook to the parser's child before it imports the staging
    (sandbox.begin); the read that takes it returns what a read started then returns, and a read ahead
    nobody took is not left running when the next begins."""
    from revmachine.ingest import sandbox

    a = _book(tmp_path, "a.xlsx", [["Lead ID", "Create Date"], ["L1", "2026-01-02"], ["L2", None]])
    b = _book(tmp_path, "b.xlsx", [["Lead ID", "Lead Source"], ["L9", "Webinar"]])
    plain = sandbox.read_workbook(b, "xlsx")
    sandbox.begin(a)
    first = sandbox._pending.proc
    sandbox.begin(b)  # a stopped command's read ahead of `a` is killed, not left parsing
    assert first.returncode is not None
    ahead = sandbox.read_workbook(b, "xlsx")
    assert sandbox._pending is None
    assert [(n, t.to_pylist()) for n, t in ahead] == [(n, t.to_pylist()) for n, t in plain]
    assert list(ahead[0][1].to_pylist()[1].values()) == ["L9", "Webinar"]

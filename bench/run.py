"""Benchmarks, not tests: they print figures and ratios. `python -m revmachine bench [--quick] [--browser] [--loads]`
(--loads: parts 1 to 3 only). `bench --scale` is bench/scale.py.

1. xlsx: a 100,000-row, 15-column leads workbook. Baseline: pandas + openpyxl merely reading it.
   Ours: the full load (read, map, type, validate, write the batch and the marts), in a process that
   has its libraries loaded, and as a user runs it (`python -m revmachine load FILE`: a fresh process,
   its imports and the parser's child included). Target: ours <= 0.15 x baseline.
2. csv: a 1,000,000-row leads CSV. Baseline: DuckDB's bare read_csv into a table. Ours: the full
   load, in process and as a user runs it. Target: ours <= 5 x baseline (about 6.5 x accepted with the
   marts built in the load's transaction; since the true-numbers marts about 9 x, which must not get worse).
3. peak memory of each full load (a fresh process each). Target: < 2 GB.
4. every page's queries on a database of 1,000,000 leads, first and warm (dashboard target < 300 ms
   warm, funnel < 500 ms warm); with --browser, the time from a territory filter change to new
   numbers on screen in Chromium (target < 1 s).

5. with --writes: saving one action item (app-state file) at 30,000, 1,000,000 and 3,000,000 leads,
   side by side with what it cost before (a write of the data file: copy, commit, swap). Target:
   < 50 ms whatever the data size.

Inputs are generated with a fixed seed into bench/out/ (git-ignored) and reused.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
QUICK = "--quick" in sys.argv
XLSX_ROWS = 10_000 if QUICK else 100_000
CSV_ROWS = 100_000 if QUICK else 1_000_000
DASH_LEADS = 30_000 if QUICK else 1_000_000

XLSX_COLUMNS = {  # 15 columns, CRM-style headers
    "lead_id": "Lead ID", "created_at": "Create Date", "channel": "Lead Source", "campaign": "Campaign",
    "company": "Company", "territory": "Region", "owner": "Lead Owner", "current_stage": "Lead Status",
    "mql_at": "MQL Date", "sal_at": "SAL Date", "opportunity_at": "Opportunity Date",
    "won_at": "Won Date", "exit_at": "Exit Date", "exit_reason": "Exit Reason",
    "first_response_at": "First Response",
}


def _leads(n: int):
    sys.path.insert(0, str(ROOT))
    from revmachine import demo

    return demo.generate(n)["leads"]


def make_xlsx(n: int) -> Path:
    p = OUT / f"leads_{n}.xlsx"
    if not p.exists():
        from openpyxl import Workbook

        df = _leads(n)[list(XLSX_COLUMNS)].rename(columns=XLSX_COLUMNS)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Leads")
        ws.append(list(df.columns))
        for row in df.itertuples(index=False):
            ws.append([None if v is None or v != v else (v.to_pydatetime() if hasattr(v, "to_pydatetime") else v)
                       for v in row])
        wb.save(p)
    return p


def make_csv(n: int) -> Path:
    p = OUT / f"leads_{n}.csv"
    if not p.exists():
        import duckdb

        df = _leads(n).drop(columns=["source_row", "stage", "followup_count", "amount"])
        con = duckdb.connect()
        con.register("df", df)
        con.execute(f"copy df to '{p}' (header)")
        con.close()
    return p


def in_child(code: str) -> dict:
    """Run code in a fresh interpreter; it prints one JSON line. Adds its peak RSS (MB)."""
    wrapped = (
        "import json, resource, sys, time, warnings\nwarnings.filterwarnings('ignore')\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n" + code +
        "\nres['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps(res))\n"
    )
    out = subprocess.run([sys.executable, "-c", wrapped], capture_output=True, text=True, check=True,
                         env={**os.environ, "REVMACHINE_NO_DEMO": "1"})
    return json.loads(out.stdout.strip().splitlines()[-1])


FULL_LOAD = """
from pathlib import Path
from revmachine.ingest import load, stage
src = Path({src!r}); target = Path({db!r})
for p in (target, target.with_name(target.name + '.wal')):
    p.unlink(missing_ok=True)
t = time.perf_counter()
staged = stage.prepare([stage.UploadFile(src.name, src.read_bytes())])
t_stage = time.perf_counter() - t
assert staged.ok, [f.message for f in staged.errors]
r = load.load(staged, target, modes={{'*': 'replace'}})
res = {{'seconds': time.perf_counter() - t, 'stage_seconds': t_stage, 'rows': r.rows_written}}
"""


def as_user(src: Path, db: Path) -> dict:
    """`python -m revmachine load FILE --db DB` as a user runs it: a fresh process (imports, the parser's
    child, detection, staging, the write), into a new database; its wall time."""
    for p in (db, db.with_name(db.name + ".wal")):
        p.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "revmachine", "load", str(src), "--db", str(db), "--replace"],
                         cwd=ROOT, capture_output=True, text=True, env={**os.environ, "REVMACHINE_NO_DEMO": "1"})
    seconds = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise RuntimeError(f"the load of {src.name} failed:\n{out.stdout[-1500:]}\n{out.stderr[-1500:]}")
    # CPU time of the process and the parser's child it reaped: on this shared machine a steadier yardstick
    # than the wall time (which is what a user waits, and what the target names)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"seconds": seconds, "cpu_seconds": cpu}


def compiled() -> None:
    """The package's bytecode written once, as an installed app has it (this machine's environment sets
    PYTHONDONTWRITEBYTECODE, which would make every fresh process compile the package again: ~0.3 s)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "revmachine")], check=True,
                   env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"Revenue Machine benchmarks{' (quick)' if QUICK else ''}; machine: {os.cpu_count()} cores\n")

    x = make_xlsx(XLSX_ROWS)
    base = in_child(f"import pandas as pd\nt=time.perf_counter()\nc=time.process_time()\n"
                    f"pd.read_excel({str(x)!r}, engine='openpyxl')\n"
                    "res={'seconds': time.perf_counter()-t, 'cpu_seconds': time.process_time()-c}")
    ours = in_child(FULL_LOAD.format(src=str(x), db=str(OUT / "bench_xlsx.duckdb")))
    print(f"xlsx {XLSX_ROWS:,} rows x 15 columns ({x.stat().st_size / 1e6:.1f} MB)")
    print(f"  pandas + openpyxl read only : {base['seconds']:7.2f} s")
    print(f"  full load (ours)            : {ours['seconds']:7.2f} s  (staging {ours['stage_seconds']:.2f} s)"
          f"  ratio {ours['seconds'] / base['seconds']:.3f} (target <= 0.15)  peak {ours['peak_rss_mb']:.0f} MB")
    compiled()
    user = as_user(x, OUT / "bench_xlsx_cli.duckdb")
    print(f"  as a user runs it           : {user['seconds']:7.2f} s  (python -m revmachine load FILE, a fresh "
          f"process)  ratio {user['seconds'] / base['seconds']:.3f} (target <= 0.15); CPU {user['cpu_seconds']:.2f} s "
          f"against the read's {base['cpu_seconds']:.2f} s: {user['cpu_seconds'] / base['cpu_seconds']:.3f}")

    c = make_csv(CSV_ROWS)
    base = in_child("import duckdb\nc=duckdb.connect()\nt=time.perf_counter()\n"
                    f"c.execute(\"create table t as select * from read_csv('{c}')\")\n"
                    "res={'seconds': time.perf_counter()-t}")
    ours = in_child(FULL_LOAD.format(src=str(c), db=str(OUT / "bench_csv.duckdb")))
    print(f"csv {CSV_ROWS:,} rows ({c.stat().st_size / 1e6:.0f} MB)")
    print(f"  DuckDB bare read_csv        : {base['seconds']:7.2f} s")
    print(f"  full load (ours)            : {ours['seconds']:7.2f} s  (staging {ours['stage_seconds']:.2f} s)"
          f"  ratio {ours['seconds'] / base['seconds']:.1f} (target <= 5; about 6.5 accepted)  peak {ours['peak_rss_mb']:.0f} MB")
    user = as_user(c, OUT / "bench_csv_cli.duckdb")
    print(f"  as a user runs it           : {user['seconds']:7.2f} s  (python -m revmachine load FILE, a fresh "
          f"process)  ratio {user['seconds'] / base['seconds']:.1f} (no worse than about 9)")

    if "--loads" in sys.argv:  # the two loads only
        return
    dash = in_child(f"""
from pathlib import Path
from revmachine import db, demo, metrics
p = Path({str(OUT / f'bench_dash_{DASH_LEADS}.duckdb')!r})
if not p.exists():
    demo.build(p, n_leads={DASH_LEADS})
db.ensure_current(p)  # a database from an older run: rebuild its marts first
times = []
with db.read(p) as con:
    label = metrics.default_period_label(con)
    for run in range(3):
        t = time.perf_counter()
        metrics.scorecard(con, label)
        metrics.attainment_by_territory(con, label)
        metrics.sla_by_territory(con, label)
        metrics.sla_breaches(con, label)
        times.append(time.perf_counter() - t)
res = {{'cold': times[0], 'warm': min(times[1:])}}
from revmachine import funnel, home, matrix, meeting, pipeline, planning
from revmachine.filters import Filters


def pipeline_page(con, label):
    # what the Pipeline page calls on its first screen and its tabs (each cached on the data version)
    w = pipeline.window(con, label)
    pipeline.movement(con, label, Filters(), w.start_day, w.end_day)
    pipeline.forecast_categories(con, label)
    pipeline.coverage(con, label, Filters(), "territory")
    pipeline.coverage(con, label, Filters(), "owner")
    pipeline.reps(con, label)
    pipeline.quota_equity(con, label)
    pipeline.forecast_accuracy(con)
    pipeline.slippage(con, label)
    pipeline.marketing(con, label)
    pipeline.hygiene(con, label)
with db.read(p) as con:
    for name, fn in (
        ('funnel', lambda: (ctx := funnel.step_context(con, label), funnel.build(con, label, context=ctx),
                            funnel.build(con, label, by='territory', context=ctx),
                            funnel.handoff(con, label), funnel.drill(con, label, Filters(), 'period', 3))),
        ('matrix', lambda: matrix.build(con, label)),
        ('planning', lambda: planning.compute(planning.default_inputs(con, label))),
        ('meeting', lambda: meeting.brief(con)),
        ('home', lambda: home.story(con, metrics.current_period_label(con))),
        ('pipeline', lambda: pipeline_page(con, metrics.current_period_label(con))),
    ):
        ts = []
        for run in range(3):
            t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
        res[name] = {{'cold': ts[0], 'warm': min(ts[1:])}}
""")
    print(f"page queries, {DASH_LEADS:,} leads (uncached; the pages cache on the data version, so a rerun with "
          "nothing changed costs a dictionary lookup)")
    print(f"  dashboard : first {dash['cold'] * 1000:6.0f} ms, warm {dash['warm'] * 1000:6.0f} ms (target < 300 ms warm)")
    for name, target in (("funnel", "< 500 ms warm"), ("matrix", ""), ("planning", ""), ("meeting", ""),
                         ("home", "(the meeting home, quarter to date)"),
                         ("pipeline", "(the Pipeline page, every tab; target < 500 ms warm)")):
        r = dash[name]
        print(f"  {name:9} : first {r['cold'] * 1000:6.0f} ms, warm {r['warm'] * 1000:6.0f} ms {target}")

    if "--browser" in sys.argv:
        browser_filter(OUT / f"bench_dash_{DASH_LEADS}.duckdb")


WRITES = """
import os
from pathlib import Path
from revmachine import db, demo, meeting, state
p = Path({db!r})
if not p.exists():
    demo.build(p, n_leads={n})
db.ensure_current(p)
meeting.add_action('SAL → Opportunity', 'warm-up', 'Dana')  # the process's first (imports, DuckDB's host)
os.sync()  # a fresh build leaves ~GBs of dirty pages: an fsync would wait for them (measured: 195 ms at 3M)
mtime = p.stat().st_mtime_ns
ts = []
for i in range(15):
    t = time.perf_counter()
    meeting.add_action('SAL → Opportunity', f'bench action {{i}}', 'Dana')
    ts.append(time.perf_counter() - t)
untouched = p.stat().st_mtime_ns == mtime
old = []
for i in range(3):  # what one action cost when it was a write of the data file
    t = time.perf_counter()
    with db.write(p):
        pass
    old.append(time.perf_counter() - t)
ts.sort(); old.sort()
res = {{'median_ms': ts[len(ts) // 2] * 1000, 'max_ms': ts[-1] * 1000, 'min_ms': ts[0] * 1000, 'data_file_ms': old[1] * 1000,
        'data_mb': p.stat().st_size / 1e6, 'state_mb': state.path_for(p).stat().st_size / 1e6,
        'untouched': untouched}}
"""


def writes() -> None:
    print("saving one action item (app-state file) vs a write of the data file, 15 saves each size")
    for n in (30_000, 1_000_000, 3_000_000):
        r = in_child(WRITES.format(db=str(OUT / f"bench_writes_{n}.duckdb"), n=n))
        print(f"  {n:>9,} leads ({r['data_mb']:6.0f} MB data, {r['state_mb']:.2f} MB state): action item median "
              f"{r['median_ms']:5.1f} ms, min {r['min_ms']:5.1f} ms, max {r['max_ms']:5.1f} ms (target < 50 ms); a data-file write "
              f"{r['data_file_ms']:7.0f} ms; data file untouched: {r['untouched']}")


def browser_filter(db_path: Path) -> None:
    """Time from changing the territory filter to new numbers, on the meeting home and the dashboard, in Chromium."""
    import socket
    import urllib.request

    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"], cwd=ROOT,
                            env={**os.environ, "REVMACHINE_DB": str(db_path)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            page = b.new_page(viewport={"width": 1440, "height": 900})
            for name, path in (("meeting home", ""), ("dashboard", "/dashboard")):
                _filter_times(page, url + path, name)
            b.close()
    finally:
        proc.terminate()


def _filter_times(page, url: str, name: str) -> None:
    """Time from a territory filter change to the page's won revenue changing, four changes (the last
    two hit the cache)."""
    page.goto(url)
    won = page.get_by_test_id("stMetric").filter(has_text="Won revenue").first.get_by_test_id("stMetricValue")
    won.wait_for(timeout=120_000)
    times = []
    for territory in ("EMEA", "APAC", "EMEA", "APAC"):
        before = won.inner_text()
        chips = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text="Territory")
        for close in chips.get_by_role("button", name="Clear all").all():
            close.click()
            page.wait_for_function("() => true")
        chips.click()
        t = time.perf_counter()
        page.get_by_role("option", name=territory).click()
        page.wait_for_function(
            "([sel, old]) => { const e = document.querySelectorAll(sel); "
            "return [...e].some(x => x.closest('[data-testid=stMetric]')?.innerText.includes('Won revenue') "
            "&& x.innerText !== old); }",
            arg=['[data-testid="stMetricValue"]', before], timeout=60_000)
        times.append(time.perf_counter() - t)
        page.keyboard.press("Escape")
    print(f"browser, {name}: territory filter change to new numbers on screen: first {times[0]:.2f} s, "
          f"{times[1]:.2f} s; repeated (cached) {times[2]:.2f} s, {times[3]:.2f} s (target < 1 s)")


if __name__ == "__main__":
    if "--writes" in sys.argv:
        OUT.mkdir(parents=True, exist_ok=True)
        writes()
    else:
        main()

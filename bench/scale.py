"""The curve as the data grows: `python -m revmachine bench --scale [MAX] [--label TEXT] [--keep]`.

Benchmarks, not tests: figures and ratios, printed and appended to bench/RESULTS.md as a dated table.
Per size (30k, 1M and 3M leads; `--scale 10000000` adds 10M):

1. the demo build (`demo.build`, a fresh child process): its wall time, its peak memory (the child's
   max RSS, as /usr/bin/time reports it: os.wait4's ru_maxrss) and the data file's size;
2. each page's warm time: the page's own database calls, uncached, timed in AppTest (bench/pagetime.py,
   a fresh process per size; the second of two runs);
3. a realistic weekly append: a 300-row workbook an analyst exports after a week (new leads, leads that
   moved on, deals that moved or closed, new activities; bench/weekly.py makes it from the size's own
   records), loaded as a user runs it, `python -m revmachine load FILE --db DB` (append), in a fresh
   process, into that size AND, side by side, into an empty database; their ratio.

Targets (issue: flat as data grows): each page at 3M within 1.3x of 1M; the meeting home under 500 ms
at 3M; at 10M every page under 1 s and the build under 5 min and 8 GB; the append into 1M within 2x of
the empty append, into 3M within 2.5x. The machine is shared and noisy: the load average at the start
and end of each size is printed with it.

The databases are built into bench/out/scale_<n>.duckdb and removed after their size (--keep keeps
them; the append has changed them).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "RESULTS.md"
SIZES = (30_000, 1_000_000, 3_000_000)
PAGE_TARGETS = {"home": "< 500 ms at 3M"}


def sizes_for(limit: int | None) -> list[int]:
    """30k, 1M, 3M; a larger limit is added (10M: `--scale 10000000`), a smaller one cuts the list."""
    if not limit:
        return list(SIZES)
    return sorted({s for s in SIZES if s <= limit} | {int(limit)})


def _child(args: list[str], env: dict | None = None) -> dict:
    """Run a command in a fresh process; its wall time, CPU time and peak RSS (wait4, as /usr/bin/time)."""
    t = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "REVMACHINE_NO_DEMO": "1", **(env or {})})
    chunks: dict[str, bytes] = {}

    def drain(name, stream):  # both pipes read to the end while the child runs (a full pipe stalls it)
        chunks[name] = stream.read()

    threads = [threading.Thread(target=drain, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for th in threads:
        th.start()
    # os.wait4, not Popen.wait: the child's own resource usage (max RSS as /usr/bin/time reports it)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    for th in threads:
        th.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    out, err = chunks.get("out", b""), chunks.get("err", b"")
    return {"rc": proc.returncode, "seconds": wall, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024, "stdout": out.decode("utf-8", "replace"),
            "stderr": err.decode("utf-8", "replace")}


def _remove_db(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal"), path.with_name(path.stem + ".state.duckdb"),
              path.with_name(path.stem + ".state.duckdb.wal"), path.with_name(path.name + ".lock"),
              path.with_name(path.name + ".gate.lock"), path.with_name(path.name + ".readers.lock"),
              path.with_name(path.stem + ".state.duckdb.lock")):
        p.unlink(missing_ok=True)
    shutil.rmtree(path.with_name(path.name + "_uploads"), ignore_errors=True)


def build(path: Path, n: int) -> dict:
    """The demo build of n leads in a fresh process: wall seconds, peak MB, the file's MB."""
    _remove_db(path)
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r})\nfrom revmachine import demo\n"
            f"demo.build({str(path)!r}, n_leads={int(n)})\n")
    r = _child([sys.executable, "-c", code])
    if r["rc"] != 0:
        raise RuntimeError(f"the demo build of {n:,} leads failed:\n{r['stderr'][-2000:]}")
    r["file_mb"] = path.stat().st_size / 1e6
    return r


def page_times(path: Path, pages: list[str] | None = None) -> dict:
    """bench/pagetime.py on the database, in a fresh process: {page: {"warm_ms", ...}}."""
    r = _child([sys.executable, str(ROOT / "bench" / "pagetime.py"), str(path), *(pages or []), "--json"])
    if r["rc"] != 0:
        raise RuntimeError(f"timing the pages failed:\n{r['stderr'][-2000:]}")
    return json.loads(r["stdout"].strip().splitlines()[-1])


def append(file: Path, path: Path) -> dict:
    """The weekly file loaded as a user runs it (append is the default), in a fresh process."""
    r = _child([sys.executable, "-m", "revmachine", "load", str(file), "--db", str(path)])
    if r["rc"] != 0:
        raise RuntimeError(f"the append of {file.name} into {path.name} failed:\n{r['stdout'][-1500:]}\n"
                           f"{r['stderr'][-1500:]}")
    return r


def run_size(n: int, out: Path = OUT, pages: list[str] | None = None, keep: bool = False,
             log=print) -> dict:
    from bench import weekly

    out.mkdir(parents=True, exist_ok=True)
    path = out / f"scale_{n}.duckdb"
    load_before = os.getloadavg()[0]
    log(f"{n:,} leads: building the demo ...")
    b = build(path, n)
    log(f"  built in {b['seconds']:.1f} s, peak {b['peak_mb']:,.0f} MB, file {b['file_mb']:,.0f} MB; timing the pages ...")
    p = page_times(path, pages)
    for page, r in p.items():
        log(f"  {page:10} " + (f"{r['warm_ms']:7.0f} ms" if "warm_ms" in r else f"EXCEPTION {r['error']}"))
    wk = weekly.write(path, out / f"weekly_{n}.xlsx")
    empty = out / f"scale_empty_{n}.duckdb"
    _remove_db(empty)
    a_empty = append(wk.path, empty)
    a_full = append(wk.path, path)
    _remove_db(empty)
    log(f"  weekly append ({wk.rows} rows): into {n:,} leads {a_full['seconds']:.2f} s, into an empty database "
        f"{a_empty['seconds']:.2f} s, ratio {a_full['seconds'] / a_empty['seconds']:.2f}")
    if not keep:
        _remove_db(path)
    return {"n": n, "build_s": b["seconds"], "build_peak_mb": b["peak_mb"], "file_mb": b["file_mb"],
            "pages": {k: v.get("warm_ms") for k, v in p.items()},
            "append_s": a_full["seconds"], "append_empty_s": a_empty["seconds"], "append_rows": wk.rows,
            "append_parts": wk.parts, "load_before": load_before, "load_after": os.getloadavg()[0]}


def _ms(v) -> str:
    return "—" if v is None else f"{v:,.0f} ms"


def _ratio(a, b) -> str:
    return "—" if a is None or not b else f"{a / b:.2f}x"


def table(rows: list[dict]) -> str:
    """The results as a markdown table: one column per size, the 3M / 1M ratio, the target."""
    by = {r["n"]: r for r in rows}
    sizes = [r["n"] for r in rows]
    has = 1_000_000 in by and 3_000_000 in by
    head = "| | " + " | ".join(_size(n) for n in sizes) + (" | 3M / 1M" if has else "") + " | target |"
    lines = [head, "|---" * (len(sizes) + 2 + has) + "|"]
    pages = list(dict.fromkeys(k for r in rows for k in r["pages"]))
    for page in pages:
        vals = [by[n]["pages"].get(page) for n in sizes]
        ratio = _ratio(by[3_000_000]["pages"].get(page), by[1_000_000]["pages"].get(page)) if has else None
        target = "≤ 1.3x" + ("; < 500 ms at 3M" if page == "home" else "") + "; < 1 s at 10M"
        lines.append(f"| {page} page (warm, its database calls) | " + " | ".join(_ms(v) for v in vals)
                     + (f" | {ratio}" if has else "") + f" | {target} |")

    def row(label, f, target, ratio=True):
        vals = [f(by[n]) for n in sizes]
        r = ""
        if has:
            r = " | " + (_ratio(f(by[3_000_000]) if ratio else None, f(by[1_000_000])) if ratio else "")
        return f"| {label} | " + " | ".join(vals_fmt(v) for v in vals) + r + f" | {target} |"

    def vals_fmt(v):
        return v if isinstance(v, str) else f"{v:,.1f}"

    lines.append(row("demo build, s", lambda r: r["build_s"], "< 300 s at 10M"))
    lines.append(row("demo build peak memory, MB", lambda r: r["build_peak_mb"], "< 8 GB at 10M"))
    lines.append(row("data file, MB", lambda r: r["file_mb"], ""))
    lines.append(row("weekly append (300 rows) into this size, s", lambda r: r["append_s"], ""))
    lines.append(row("the same append into an empty database, s", lambda r: r["append_empty_s"], ""))
    lines.append(row("append ratio (this size / empty)", lambda r: f"{r['append_s'] / r['append_empty_s']:.2f}x",
                     "≤ 2x at 1M, ≤ 2.5x at 3M", ratio=False))
    lines.append(row("load average (start / end of the size)",
                     lambda r: f"{r['load_before']:.1f} / {r['load_after']:.1f}", "", ratio=False))
    return "\n".join(lines)


def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else (f"{n // 1000}k" if n % 1000 == 0 else f"{n:,}")


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run(limit: int | None = None, label: str = "", keep: bool = False, results: Path = RESULTS,
        out: Path = OUT, pages: list[str] | None = None, sizes: list[int] | None = None) -> str:
    sizes = sizes or sizes_for(limit)
    started, commit = dt.datetime.now(dt.UTC), _commit()
    print(f"Revenue Machine, the curve as the data grows: {', '.join(_size(n) for n in sizes)} leads; "
          f"{os.cpu_count()} cores, commit {commit}\n", flush=True)
    # the package's bytecode written once, as an installed app has it (this machine's environment sets
    # PYTHONDONTWRITEBYTECODE: each fresh `load` process would compile the package again, ~0.3 s)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "revmachine")], check=False,
                   env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
    rows = [run_size(n, out, pages, keep, log=lambda s: print(s, flush=True)) for n in sizes]
    text = table(rows)
    print("\n" + text)
    parts = rows[-1]["append_parts"]
    section = (f"\n\n## {started:%Y-%m-%d %H:%M} UTC: `bench --scale`{': ' + label if label else ''}\n\n"
               f"Commit {commit} (at the start), {os.cpu_count()} cores. Pages: the page's own database calls, uncached, warm "
               f"(bench/pagetime.py). Build: `demo.build` in a fresh process (wall, max RSS). Append: a "
               f"{rows[-1]['append_rows']}-row weekly workbook ({parts}) loaded with `python -m revmachine load "
               f"FILE --db DB` in a fresh process, into the size and into an empty database, one after the "
               f"other.\n\n{text}\n")
    with results.open("a", encoding="utf-8") as fh:
        fh.write(section)
    print(f"\nappended to {results}")
    return text

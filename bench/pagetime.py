"""Time what each page asks the database for, as the page asks it: AppTest runs the page script, and
every distinct `cache.call` (function and arguments) is run once per page run, uncached, and timed (the page's own database calls; rendering, Altair and
Streamlit's own work are not counted). Usage (from the repository's root):

    python bench/pagetime.py DB [page ...] [--json]

Prints, per page, the warm total (the second of two runs: DuckDB and the OS warm, nothing cached) and
the slowest calls; with --json, one JSON line {page: {"warm_ms", "run_ms", "calls": {name: ms}}}.
Pages: home dashboard pipeline funnel matrix planning meeting data team. `bench --scale` runs this in a
fresh process per database size.
"""

from __future__ import annotations

import collections
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["home", "dashboard", "pipeline", "funnel", "matrix", "planning", "meeting"]


def measure(db_path: str | Path, pages: list[str] | None = None, runs: int = 2) -> dict:
    """{page: {"warm_ms": the page's database calls in the last run, "run_ms": the page script's wall
    time in that run, "calls": {call: ms}}} or {page: {"error": message}}. Sets REVMACHINE_DB for
    this process (the pages read it): run it in a process of its own."""
    os.environ["REVMACHINE_DB"] = str(Path(db_path).resolve())
    os.environ.setdefault("REVMACHINE_NO_DEMO", "1")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from streamlit.testing.v1 import AppTest

    from revmachine import cache, db

    times: dict[str, float] = collections.defaultdict(float)
    # the page's cache keeps each (function, arguments) for the data version: a page asking for the
    # settings ten times reads them once, so each distinct call counts once per run
    seen: dict[tuple, object] = {}

    def timed_call(fn, *args, **kwargs):
        key = (fn.__module__, fn.__qualname__, repr(args), repr(sorted(kwargs.items())))
        if key in seen:
            return seen[key]
        t = time.perf_counter()
        with db.read(db.resolve()) as con:
            out = fn(con, *args, **kwargs)
        times[f"{fn.__module__.split('.')[-1]}.{fn.__qualname__}"] += time.perf_counter() - t
        seen[key] = out
        return out

    original = cache.call
    cache.call = timed_call
    out: dict[str, dict] = {}
    try:
        for page in pages or PAGES:
            for _run in range(runs):
                times.clear()
                seen.clear()
                at = AppTest.from_file(str(ROOT / "views" / f"{page}.py"), default_timeout=600)
                t = time.perf_counter()
                at.run()
                wall = time.perf_counter() - t
                if at.exception:
                    out[page] = {"error": at.exception[0].message[:300]}
                    break
                out[page] = {"warm_ms": sum(times.values()) * 1000, "run_ms": wall * 1000,
                             "calls": {k: v * 1000 for k, v in times.items()}}
    finally:
        cache.call = original
    return out


def main(argv: list[str]) -> int:
    as_json = "--json" in argv
    args = [a for a in argv if a != "--json"]
    if not args:
        print(__doc__)
        return 2
    res = measure(args[0], args[1:] or None)
    if as_json:
        print(json.dumps(res))
        return 0
    for page, r in res.items():
        if "error" in r:
            print(page, "EXCEPTION", r["error"])
            continue
        top = sorted(r["calls"].items(), key=lambda x: -x[1])[:6]
        print(f"{page:10} queries {r['warm_ms']:7.0f} ms (page run {r['run_ms']:7.0f} ms)  "
              + ", ".join(f"{k} {v:.0f}" for k, v in top), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

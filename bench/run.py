"""Benchmarks (not tests): print figures. `python -m revmachine bench [--quick]`.

Currently: demo build and scorecard query time (cold and warm) for N leads.
TODO (issue 2): 100k-row xlsx and 1M-row CSV load ratios, peak memory.
"""

import sys
import tempfile
import time
from pathlib import Path

from revmachine import db, demo, metrics

n = 30_000 if "--quick" in sys.argv else 1_000_000
with tempfile.TemporaryDirectory() as d:
    p = Path(d) / "bench.duckdb"
    t = time.perf_counter()
    demo.build(p, n_leads=n)
    print(f"demo build, {n:,} leads: {time.perf_counter() - t:.2f} s")
    with db.read(p) as con:
        label = metrics.default_period_label(con)
        for run in ("cold", "warm"):
            t = time.perf_counter()
            metrics.scorecard(con, label)
            metrics.attainment_by_territory(con, label)
            metrics.sla_by_territory(con, label)
            metrics.sla_breaches(con, label)
            print(f"dashboard queries ({run}), {n:,} leads: {(time.perf_counter() - t) * 1000:.0f} ms")

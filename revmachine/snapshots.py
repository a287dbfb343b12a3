"""Dated scorecard snapshots, recorded at every load (the meeting compares 'as it stood then')."""

from __future__ import annotations

import duckdb


def record(con: duckdb.DuckDBPyConnection, batch_id: int | None) -> None:
    """Store the current scorecard for the latest complete quarter and month; filled in by metrics."""
    try:
        from revmachine import metrics
    except ImportError:  # metrics not built yet
        return
    metrics.snapshot(con, batch_id)

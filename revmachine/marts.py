"""Rebuilds the marts (funnel_records, stage_events, won_deals) from the business tables.

Called inside every write transaction (load, undo, configuration change), so the marts always
match the tables they are built from. Each mart is one `queries/marts/<name>.sql` select.
"""

from __future__ import annotations

import duckdb

from revmachine import sql

MARTS = ("funnel_records", "stage_events", "won_deals")


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    for name in MARTS:
        body = sql.text(f"marts/{name}")
        # name comes from the fixed tuple above, never from user text
        con.execute(f"create or replace table {name} as {body}")

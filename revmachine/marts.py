"""Rebuilds the marts (funnel_records, stage_events, won_deals, lead_touches) from the business
tables, and (re)creates the macros the screen queries share (queries/marts/macros.sql).

Called inside every write transaction (load, undo, configuration change), so the marts always
match the tables they are built from. Each mart is one `queries/marts/<name>.sql` select.
"""

from __future__ import annotations

import duckdb

from revmachine import sql

MARTS = ("funnel_records", "stage_events", "won_deals", "lead_touches")


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    for name in MARTS:
        body = sql.text(f"marts/{name}")
        # name comes from the fixed tuple above, never from user text
        con.execute(f"create or replace table {name} as {body}")
    con.execute(sql.text("marts/macros"))

"""Rebuilds the marts (funnel_records, stage_events, won_deals, lead_touches, record_facts,
funnel_steps) from the business tables, and (re)creates the macros the screen queries share
(queries/marts/macros.sql).

Called inside every write transaction (load, undo, configuration change), so the marts always
match the tables they are built from. Each mart is one `queries/marts/<name>.sql` select.
"""

from __future__ import annotations

import hashlib

import duckdb

from revmachine import sql

MARTS = ("funnel_records", "stage_events", "won_deals", "lead_touches", "record_facts", "funnel_steps")


def signature() -> str:
    """Identifies the mart definitions: a database built with other ones needs a rebuild."""
    text = "".join(sql.text(f"marts/{n}") for n in (*MARTS, "macros"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def stored_signature(con: duckdb.DuckDBPyConnection) -> str | None:
    r = con.execute("select value from config_settings where key = 'marts_signature'").fetchall()
    return r[0][0] if r else None


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    for name in MARTS:
        body = sql.text(f"marts/{name}")
        # name comes from the fixed tuple above, never from user text
        con.execute(f"create or replace table {name} as {body}")
    con.execute(sql.text("marts/macros"))
    con.execute("insert or replace into config_settings values ('marts_signature', ?)", [signature()])

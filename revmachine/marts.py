"""Rebuilds the marts (tables funnel_records, won_deals; views stage_events, funnel_steps,
record_facts, lead_touches) from the business tables, and (re)creates the macros the screen
queries share (queries/marts/macros.sql).

Called inside every write transaction (load, undo, configuration change), so the marts always
match the tables they are built from. Each mart is one `queries/marts/<name>.sql` select.
funnel_records works out every record's stages row by row (lists in funnel order), so
stage_events and funnel_steps are plain unnests of it: no self-joins, no window functions.
"""

from __future__ import annotations

import hashlib

import duckdb

from revmachine import sql

TABLES = ("funnel_records", "won_deals")
# cheap to derive from funnel_records: not written at each load. funnel_steps (~1.5 rows per
# record) cost 0.65 s to write at 1M leads; read as a view it is unnested after the filters on the
# record's columns, so a funnel query for one quarter unnests only that quarter's records.
VIEWS = ("stage_events", "funnel_steps", "record_facts", "lead_touches")
MARTS = (*TABLES, *VIEWS)


def signature() -> str:
    """Identifies the mart definitions: a database built with other ones needs a rebuild."""
    text = "".join(sql.text(f"marts/{n}") for n in (*MARTS, "macros"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def stored_signature(con: duckdb.DuckDBPyConnection) -> str | None:
    r = con.execute("select value from config_settings where key = 'marts_signature'").fetchall()
    return r[0][0] if r else None


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    # names come from the fixed tuples above, never from user text
    old = dict(con.execute("select table_name, table_type from information_schema.tables "
                           "where table_schema = 'main'").fetchall())
    for name in VIEWS:  # views first: they depend on the tables replaced below
        if old.get(name) == "VIEW":
            con.execute(f"drop view {name}")
        elif name in old:  # a table in a database built by an older version
            con.execute(f"drop table {name}")
    # Row order in a mart means nothing (every screen query groups or sorts). Without the order
    # constraint DuckDB writes each thread's rows straight to the file: with it, a mart built by
    # an unnest left ~0.85 s of writing to the checkpoint on 1M leads.
    con.execute("set preserve_insertion_order = false")
    try:
        for name in TABLES:
            con.execute(f"create or replace table {name} as {sql.text(f'marts/{name}')}")
    finally:
        con.execute("reset preserve_insertion_order")
    for name in VIEWS:
        con.execute(f"create view {name} as {sql.text(f'marts/{name}')}")
    con.execute(sql.text("marts/macros"))
    con.execute("insert or replace into config_settings values ('marts_signature', ?)", [signature()])

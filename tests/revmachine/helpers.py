"""Build small databases from hand-written rows."""

from __future__ import annotations

import functools

import duckdb
import pandas as pd
import pyarrow as pa

from revmachine import db, marts
from revmachine.ingest.load import write_tables
from revmachine.ingest.stage import Staged
from revmachine.schema import columns


@functools.cache
def _types(table: str) -> tuple[tuple[str, str], ...]:
    """The schema's column types of a business table (one in-memory schema per test process)."""
    con = db.memory()
    try:
        return tuple(con.execute(
            "select column_name, data_type from information_schema.columns where table_name = ? "
            "and column_name <> 'batch_id' order by ordinal_position", [table]).fetchall())
    finally:
        con.close()


def frame(table: str, rows: list[dict]) -> pa.Table:
    """Rows with only some columns; the rest NULL, typed as the schema wants (via DuckDB)."""
    cols = columns(table, with_batch=False)
    df = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols)
    con = duckdb.connect(":memory:")
    con.register("df", df)
    casts = ", ".join(f"cast(df.{c} as {t}) as {c}" for c, t in _types(table))
    out = con.sql(f"select {casts} from df").to_arrow_table()
    con.close()
    return out


def memory_db(**tables: list[dict]):
    con = db.memory()
    staged = Staged([], [], [], {t: frame(t, rows) for t, rows in tables.items()})
    write_tables(con, staged, 1, {})
    marts.rebuild(con)
    return con

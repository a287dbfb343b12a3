"""Loads `queries/<area>/<name>.sql` and runs it with bound parameters (never spliced text)."""

from __future__ import annotations

import functools
import re
from typing import Any

import duckdb
import pandas as pd

from revmachine import config

_PARAM = re.compile(r"(?<![:$\w])\$([a-z_][a-z0-9_]*)")


@functools.cache
def text(name: str) -> str:
    """The SQL of `queries/<name>.sql` (name like 'dashboard/won_revenue')."""
    path = (config.QUERIES_DIR / f"{name}.sql").resolve()
    if config.QUERIES_DIR.resolve() not in path.parents:
        raise ValueError(f"query name outside queries/: {name}")
    return path.read_text(encoding="utf-8")


@functools.cache
def parameters(name: str) -> frozenset[str]:
    """The $names a query uses (comments stripped)."""
    body = re.sub(r"--[^\n]*", "", text(name))
    return frozenset(_PARAM.findall(body))


def bind(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """Only the parameters the query uses; a missing one is a bug, not a user error."""
    needed = parameters(name)
    missing = needed - params.keys()
    if missing:
        raise KeyError(f"query {name} needs parameters {sorted(missing)}")
    return {k: params[k] for k in needed}


def df(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pd.DataFrame:
    """Runs on `con` itself, not a cursor: a cursor is a separate connection that would not see the
    caller's open transaction (the snapshot taken inside a load must see that load's rows). Every
    caller has a connection of its own (db.read / db.write), so none is shared between threads."""
    return con.execute(text(name), bind(name, params)).df()


def rows(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> list[dict[str, Any]]:
    res = con.execute(text(name), bind(name, params))
    cols = [d[0] for d in res.description]
    return [dict(zip(cols, r, strict=True)) for r in res.fetchall()]


def execute(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> None:
    con.execute(text(name), bind(name, params))

"""The audit trail: every write, with who and when (kept in the app-state file, state.py).

Each row: when (the server's local time), who (the signed-in person's e-mail, or `user@host` for
the local app and the command line), their name and role at the time, how they came in (sign-in,
local app, command line), what they did (ACTIONS), to what (batch 7, action item 12...) and a line
of detail (what changed). Rows are only ever added.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from revmachine import access

ACTIONS = {
    "load": "loaded data",
    "undo": "undid a load",
    "settings": "changed the settings",
    "channels": "changed the channel map",
    "stages": "changed the funnel stages",
    "currencies": "changed the currencies",
    "mapping": "remembered a mapping",
    "action.add": "added an action item",
    "action.update": "changed an action item",
    "plan.save": "saved a plan version",
    "forecast.add": "made a forecast call",
    "roles": "changed who has which role",
    "backup": "took a backup",
}

COLUMNS = ["audit_id", "changed_at", "actor", "actor_name", "role", "via", "action", "target", "detail"]


def record(con: duckdb.DuckDBPyConnection, actor: access.Actor, action: str, target: str | None = None,
           detail: str | None = None) -> None:
    """One audit row, on a write connection of the app-state file (same transaction as the change)."""
    con.execute(
        "insert into audit select coalesce(max(audit_id), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ? from audit",
        [dt.datetime.now().replace(microsecond=0), actor.id, actor.name, actor.role, actor.via, action, target,
         detail])


def trail(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> pd.DataFrame:
    """The audit trail, newest first (all of it, or the last `limit` rows)."""
    sql = f"select {', '.join(COLUMNS)} from audit order by audit_id desc"
    if limit:
        return con.execute(sql + " limit ?", [int(limit)]).df()
    return con.execute(sql).df()


def for_export(df: pd.DataFrame) -> pd.DataFrame:
    """The trail with readable column names and the action in words (the csv's columns)."""
    out = df.copy()
    out["what"] = out["action"].map(lambda a: ACTIONS.get(a, a))
    return out[["audit_id", "changed_at", "actor", "actor_name", "role", "via", "action", "what", "target", "detail"]]

"""Forecast categories and the forecast call.

The call is what each territory (or owner, or the company) commits to for a period, recorded in
the weekly meeting: its commit and its best case, who called it and when. Once the period has
closed it is judged against what was won: accuracy = 1 − |forecast − actual| ÷ actual, bias =
(forecast − actual) ÷ actual (over-called when positive). Calls are app state: the forecast_calls table of the app-state
file (state.py), written by `save_call` without copying the data file, read by `calls` on a
connection of that file.

Forecast categories (commit | best_case | pipeline | omitted | closed) come from the export
(Salesforce ForecastCategoryName, HubSpot's forecast category, Dynamics' Forecast Category: the deal
history mart reads them, queries/marts/deal_changes.sql), else from the stage, mapped once here
(`save_stage_categories`: config_forecast_categories).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from revmachine import db, marts
from revmachine.errors import UserError

CATEGORIES = ("commit", "best_case", "pipeline", "omitted", "closed")
LABELS = {"commit": "Commit", "best_case": "Best case", "pipeline": "Pipeline", "omitted": "Omitted",
          "closed": "Closed (won)"}
SCOPE_KINDS = ("company", "territory", "owner")
CALL_COLUMNS = ["call_id", "period", "scope_kind", "scope", "commit_amount", "best_case_amount", "currency",
                "called_by", "note", "recorded_at", "recorded_by", "data_as_of"]


# --- the forecast call (app state) ---------------------------------------------------------------

def _clean_amount(v: Any, what: str) -> float | None:
    if v is None or (isinstance(v, float) and pd.isna(v)) or (isinstance(v, str) and not v.strip()):
        return None
    try:
        f = float(str(v).replace(",", "").replace("$", "").strip())
    except ValueError:
        raise UserError(f"the {what} must be an amount, not {v!r}.") from None
    if f < 0 or f != f:
        raise UserError(f"the {what} cannot be negative.")
    return round(f, 2)


def validate_call(period: str, scope_kind: str, scope: str, commit: Any, best_case: Any, called_by: str) -> dict:
    """A call's fields, checked: a period, a scope, who called it, a commit (and a best case not below it)."""
    if scope_kind not in SCOPE_KINDS:
        raise UserError(f"a call is for one of {', '.join(SCOPE_KINDS)}, not {scope_kind!r}.")
    if not period or not str(period).strip():
        raise UserError("a forecast call needs the period it is for.")
    if not scope or not str(scope).strip():
        raise UserError(f"a forecast call needs the {scope_kind} it is for.")
    if not called_by or not str(called_by).strip():
        raise UserError("a forecast call needs who made it.")
    c = _clean_amount(commit, "commit")
    b = _clean_amount(best_case, "best case")
    if c is None:
        raise UserError("a forecast call needs its commit: what will close in the period.")
    if b is not None and b < c:
        raise UserError("the best case cannot be below the commit (it is the commit plus what else might close).")
    return {"period": str(period).strip(), "scope_kind": scope_kind, "scope": str(scope).strip(),
            "commit_amount": c, "best_case_amount": b, "called_by": str(called_by).strip()}


def insert_calls(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> int:
    """Append calls (columns as CALL_COLUMNS, call_id made here) on a write connection."""
    if rows is None or rows.empty:
        return 0
    start = con.execute("select coalesce(max(call_id), 0) from forecast_calls").fetchall()[0][0]
    frame = rows.copy()
    frame["call_id"] = range(start + 1, start + 1 + len(frame))
    for c in CALL_COLUMNS:
        if c not in frame:
            frame[c] = None
    con.register("new_calls", frame[CALL_COLUMNS])
    try:
        con.execute("insert into forecast_calls by name select * from new_calls")
    finally:
        con.unregister("new_calls")
    return len(frame)


def save_call(period: str, scope_kind: str, scope: str, commit: Any, best_case: Any, called_by: str,
              note: str | None = None, recorded_by: str | None = None, data_as_of: dt.date | None = None,
              currency: str | None = None, path: str | Path | None = None, actor=None) -> int:
    """Record a forecast call (one small write to the app-state file, with its audit row: the data
    file is not copied); returns its id. actor: who records it (the command line's when None)."""
    from revmachine import state

    row = validate_call(period, scope_kind, scope, commit, best_case, called_by)
    row.update(note=(note or "").strip() or None, recorded_by=(recorded_by or "").strip() or None,
               recorded_at=dt.datetime.now().replace(microsecond=0), data_as_of=data_as_of, currency=currency)
    with state.write(path, actor, "forecast", "forecast.add") as w:
        if not row["recorded_by"]:
            row["recorded_by"] = w.actor.id
        insert_calls(w.con, pd.DataFrame([row]))
        call_id = w.con.execute("select max(call_id) from forecast_calls").fetchall()[0][0]
        w.target = f"forecast call {call_id}"
        w.detail = (f"{row['period']} {row['scope_kind']} {row['scope']}: commit {row['commit_amount']}"
                    + (f", best case {row['best_case_amount']}" if row["best_case_amount"] is not None else "")
                    + f" (called by {row['called_by']})")
        return call_id


def calls(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every call recorded, newest first."""
    return con.execute(f"select {', '.join(CALL_COLUMNS)} from forecast_calls "
                       "order by recorded_at desc, call_id desc").df()


# --- judging calls -----------------------------------------------------------------------------

def accuracy(forecast: float | None, actual: float | None) -> float | None:
    """1 − |forecast − actual| ÷ actual; unknown ("—") when nothing was won (no actual to be near)."""
    if forecast is None or actual is None or pd.isna(forecast) or pd.isna(actual) or actual <= 0:
        return None
    return 1 - abs(float(forecast) - float(actual)) / float(actual)


def bias(forecast: float | None, actual: float | None) -> float | None:
    """(forecast − actual) ÷ actual: over-called when positive, under-called when negative."""
    if forecast is None or actual is None or pd.isna(forecast) or pd.isna(actual) or actual <= 0:
        return None
    return (float(forecast) - float(actual)) / float(actual)


# --- forecast categories mapped from stages ---------------------------------------------------------

def stage_key(name: str) -> str:
    """A stage name folded as the deal history mart folds it (letters and digits, lower case)."""
    import unicodedata

    s = unicodedata.normalize("NFKD", str(name))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]", "", s.lower())


def stage_categories(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The open deals' stages (as exported) with the category each gets now and where it comes from,
    for the settings editor: one row per stage name."""
    return con.execute("""
        select
            stage_raw as stage,
            count(*) as open_deals,
            mode(forecast_category) as category,
            mode(category_source) as source
        from deal_versions
        where valid_to is null and outcome = 'open' and stage_raw is not null
        group by stage_raw
        order by open_deals desc, stage
    """).df()


def save_stage_categories(mapping: dict[str, str | None], path: str | Path | None = None, actor=None) -> int:
    """Map exported stage names (or funnel stages) to a forecast category once; None removes a
    mapping. One write that rebuilds the marts, so every page follows; a setting, so it needs the
    analyst's role (actor: the command line's when None)."""
    from revmachine import access

    access.require(actor, "settings")
    clean = {}
    for stage, cat in mapping.items():
        key = stage_key(stage)
        if not key:
            continue
        if cat not in (None, "", *CATEGORIES[:4]):
            raise UserError(f"stage {stage!r}: the category must be one of "
                            f"{', '.join(LABELS[c] for c in CATEGORIES[:4])}, not {cat!r}.")
        clean[key] = cat or None
    with db.write(path) as con:
        for key, cat in clean.items():
            if cat is None:
                con.execute("delete from config_forecast_categories where stage_key = ?", [key])
            else:
                con.execute("insert or replace into config_forecast_categories values (?, ?)", [key, cat])
        marts.rebuild(con)
    return len(clean)

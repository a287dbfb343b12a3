"""Rebuilds the marts from the business tables, and (re)creates the macros the screen queries share
(queries/marts/macros.sql).

Called inside every write transaction (load, undo, configuration change), so the marts always
match the tables they are built from. Each mart is one `queries/marts/<name>.sql` select, built in
the order of BUILD: lookups (owner ids -> names, accounts -> territories, exchange rates and the
money basis), deal_links (each deal's outcome, money and the lead it continues), funnel_records
(one row per record with its stages as lists in funnel order), funnel_stages (which configured
stages the data has), deal_facts and won_deals; stage_events and funnel_steps are plain unnests of
funnel_records: no self-joins, no window functions. deal_changes (every value a deal's stage, amount,
close date, forecast category and owner took, from history exports and successive uploads) and
deal_versions (each deal from one change to the next) are the pipeline's history.

"Today" (a date after it is in the future, issue 13 rule 5) is today in REVMACHINE_TZ, set for the
build as the variable revmachine_today. data_checks() gives the load report what it shows about
the loaded data: future-dated events, closes before creates, deals linked to leads.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from zoneinfo import ZoneInfo

import duckdb

from revmachine import config, sql

# In build order: each is one queries/marts/<name>.sql select, a table (written at each load) or a
# view (read when queried). The lookups and deal_links are views read by the tables' builds.
# funnel_steps (~1.5 rows per record) cost 0.65 s to write at 1M leads; read as a view it is
# unnested after the filters on the record's columns, so a funnel query for one quarter unnests
# only that quarter's records.
BUILD: tuple[tuple[str, str], ...] = (
    ("owner_lookup", "view"),
    ("account_lookup", "view"),
    ("fx_rates", "table"),
    ("money_basis", "table"),
    ("target_facts", "table"),
    ("spend_facts", "table"),
    ("deal_links", "table"),
    ("funnel_records", "table"),
    ("funnel_stages", "table"),
    # rollups the dashboard and the home read (summaries of funnel_records per day and shared filters)
    ("rollup_created", "table"),
    ("rollup_cohort_outcomes", "table"),
    ("rollup_sqls", "table"),
    ("rollup_recycled", "table"),
    ("rollup_came_back", "table"),
    ("rollup_record_dimensions", "table"),
    ("deal_facts", "table"),
    ("won_deals", "table"),
    ("rollup_lead_outcomes", "table"),
    ("rollup_deals_closed", "table"),
    ("rollup_deals_created", "table"),
    ("account_list", "view"),
    ("account_deals", "table"),
    ("account_churn", "table"),
    ("deal_changes", "table"),
    ("rollup_deal_change_days", "table"),
    ("deal_versions", "table"),
    ("funnel_step_list", "view"),
    ("stage_events", "view"),
    ("funnel_steps", "view"),
    ("record_facts", "view"),
    ("lead_touches", "view"),
    # summaries the funnel, planning and meeting pages read instead of records (built last: they
    # read the views above)
    ("rollup_funnel_steps", "table"),
    ("rollup_funnel_step_days", "table"),
    ("rollup_funnel_step_exits", "table"),
    ("rollup_funnel_reach", "table"),
    ("rollup_funnel_records", "table"),
    ("rollup_funnel_campaigns", "table"),
    ("rollup_funnel_won", "table"),
    ("rollup_funnel_stage_entries", "table"),
    ("rollup_funnel_came_back", "table"),
    ("rollup_funnel_open", "table"),
)
# Rollups (summaries the pages read): rollup_<what> -> its group-key columns (every column that is
# not an aggregate). Each row is an aggregate of the source rows sharing its key (counts and sums,
# never a ratio), so an append can recompute only the groups its changed rows fall in.
_DIMS = ("territory", "channel", "owner", "sourced_by")
ROLLUP_KEYS: dict[str, tuple[str, ...]] = {
    "rollup_created": ("created_date", "record_type", *_DIMS),
    "rollup_cohort_outcomes": ("created_date", "outcome_day", "record_type", *_DIMS),
    "rollup_sqls": ("sql_date", *_DIMS),
    "rollup_recycled": ("recycled_date", *_DIMS),
    "rollup_came_back": ("came_back_date", *_DIMS),
    "rollup_funnel_steps": ("dated_by", "day", "step_index", *_DIMS),
    "rollup_funnel_step_days": ("dated_by", "day", "step_index", *_DIMS, "step_days", "spans_quiet_spell"),
    "rollup_funnel_step_exits": ("dated_by", "day", "step_index", *_DIMS, "exit_reason", "exit_kind"),
    "rollup_funnel_reach": ("step_index", *_DIMS, "reach_days"),
    "rollup_funnel_records": ("created_date", "record_type", *_DIMS, "campaign"),
    "rollup_funnel_campaigns": ("campaign",),
    "rollup_funnel_won": ("won_date", *_DIMS, "currency"),
    "rollup_funnel_stage_entries": ("stage_index", "entered_date", *_DIMS),
    "rollup_funnel_came_back": ("kind", "day", "created_date", *_DIMS, "campaign", "stage_index"),
    "rollup_funnel_open": ("territory", "reached_index"),
    "rollup_deal_change_days": ("changed_on", "is_initial", "is_inferred"),
    "rollup_lead_outcomes": ("created_date", "territory", "channel", "owner", "sourced_by", "campaign"),
    "rollup_record_dimensions": ("territory", "channel", "owner", "sourced_by"),
    "rollup_deals_closed": ("closed_date", "status", "has_deal", "territory", "channel", "owner", "sourced_by",
                            "currency"),
    "rollup_deals_created": ("opportunity_date", "status", "has_deal", "territory", "channel", "owner",
                             "sourced_by", "currency"),
}
TABLES = tuple(n for n, kind in BUILD if kind == "table")
VIEWS = tuple(n for n, kind in BUILD if kind == "view")
MARTS = tuple(n for n, _ in BUILD)


def signature() -> str:
    """Identifies the mart definitions: a database built with other ones needs a rebuild."""
    text = "".join(sql.text(f"marts/{n}") for n in (*MARTS, "macros"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def stored_signature(con: duckdb.DuckDBPyConnection) -> str | None:
    r = con.execute("select value from config_settings where key = 'marts_signature'").fetchall()
    return r[0][0] if r else None


def today() -> dt.date:
    """Today in REVMACHINE_TZ (the zone naive timestamps are read in): a date after it is in the
    future (issue 13 rule 5)."""
    return dt.datetime.now(ZoneInfo(config.timezone())).date()


def rebuild(con: duckdb.DuckDBPyConnection, progress: Callable[[float, str], None] | None = None) -> None:
    """Rebuild every mart; progress(fraction, text) is told before each one (a settings change
    shows it)."""
    # names come from the fixed tuples above, never from user text
    old = dict(con.execute("select table_name, table_type from information_schema.tables "
                           "where table_schema = 'main'").fetchall())
    for name in reversed(VIEWS):  # views first: they depend on the tables replaced below
        if old.get(name) == "VIEW":
            con.execute(f"drop view {name}")
        elif name in old:  # a table in a database built by an older version
            con.execute(f"drop table {name}")
    for name in TABLES:
        if old.get(name) == "VIEW":
            con.execute(f"drop view {name}")
    con.execute("set variable revmachine_today = ?", [today()])
    # Row order in a mart means nothing (every screen query groups or sorts). Without the order
    # constraint DuckDB writes each thread's rows straight to the file: with it, a mart built by
    # an unnest left ~0.85 s of writing to the checkpoint on 1M leads.
    con.execute("set preserve_insertion_order = false")
    try:
        for i, (name, kind) in enumerate(BUILD):
            if progress:
                progress(i / len(BUILD), f"Rebuilding the figures: {name.replace('_', ' ')}...")
            if kind == "table":
                con.execute(f"create or replace table {name} as {sql.text(f'marts/{name}')}")
            else:
                con.execute(f"create view {name} as {sql.text(f'marts/{name}')}")
    finally:
        con.execute("reset preserve_insertion_order")
        con.execute("reset variable revmachine_today")
    con.execute(sql.text("marts/macros"))
    con.execute("insert or replace into config_settings values ('marts_signature', ?)", [signature()])


def data_checks(con: duckdb.DuckDBPyConnection, on: dt.date | None = None) -> dict[str, object]:
    """What the load report shows about the loaded data (queries/marts/data_checks.sql), as of
    `on` (default: today):

    * future_dated: {"<table>.<column>": records dated after `on`} (they never move the as-of date);
    * closed_before_created: won or lost deals closed before they were created (left out of
      durations);
    * linked_deals: {"converted_deal_id" | "lead_id" | "contact_id": deals continuing a loaded
      lead through that key}, and unlinked_deals: deals naming a lead or contact that matches none.

    Call it on the load's connection after the marts are rebuilt (or on any read connection)."""
    rows = sql.rows(con, "marts/data_checks", today=on or today())
    out: dict[str, object] = {"future_dated": {}, "closed_before_created": 0, "linked_deals": {},
                              "unlinked_deals": 0}
    for r in rows:
        if r["check_name"] == "future_dated":
            out["future_dated"][f"{r['table_name']}.{r['column_name']}"] = int(r["records"])
        elif r["check_name"] == "linked_deals":
            out["linked_deals"][r["column_name"]] = int(r["records"])
        else:
            out[r["check_name"]] = int(r["records"])
    return out

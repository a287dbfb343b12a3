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

import contextlib
import datetime as dt
import hashlib
import re
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
    ("funnel_as_of", "table"),
    ("deal_links", "table"),
    ("funnel_record_rows", "table"),
    ("funnel_records", "view"),
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
    ("deal_batch_days", "table"),
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
    text = "".join(_mart_sql(n) for n in (*MARTS, "macros"))
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
                con.execute(f"create or replace table {name} as {_mart_sql(name)}")
            else:
                con.execute(f"create view {name} as {_mart_sql(name)}")
    finally:
        con.execute("reset preserve_insertion_order")
        con.execute("reset variable revmachine_today")
    con.execute(sql.text("marts/macros"))
    con.execute("insert or replace into config_settings values ('marts_signature', ?)", [signature()])
    con.execute("insert or replace into config_settings values ('marts_config', ?)", [config_fingerprint(con)])


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


# --- incremental refresh (an append) -------------------------------------------------------------
#
# An append changes a few records; refresh() recomputes the marts' rows of those records only, and
# the rollup groups they fall in, and leaves the database exactly as rebuild() would (the test
# tests/revmachine/test_incremental.py compares every mart table). What depends on what:
#   * a lead's record (funnel_record_rows 'L:<id>') on its row, its stage dates (lead_stage_dates,
#     stage_history), its activities, the deals that continue it (deal_links) and their stage
#     history, its owner (owners sheet) and account (accounts sheet);
#   * a deal's link to a lead (deal_links) on the deal and on the leads naming it (converted deal id,
#     the deal's lead id, its contact);
#   * deal_facts / won_deals on the record a deal belongs to; account_deals / account_churn on the
#     account (all of its deals); deal_changes / deal_versions on the deal, its uploads' days
#     (deal_batch_days) and its load's probability scale;
#   * the as-of date (funnel_as_of) on every table: when it moves, the leads whose quiet spell it
#     crosses (is_recycled) and the accounts whose twelve months without a purchase it crosses;
#   * the configuration, the money basis (currencies and rates): everything (a full rebuild).
# Small marts (targets, spend, funnel_stages) are rebuilt in full; so is a rollup that reads a table
# the append changed wholesale.

# business tables an append's rows belong to one record of (their changes are followed per record)
_RECORD_TABLES = ("leads", "lead_stage_dates", "deals", "activities", "stage_history", "deal_field_history")
# small marts rebuilt in full at every refresh (they do not grow with the records)
_SMALL = ("target_facts", "spend_facts")
# marts refreshed per key, in build order: mart -> its key column (rows of a key are replaced)
_KEYED = {
    "deal_links": "deal_id",
    "funnel_record_rows": "record_id",
    "deal_facts": "record_id",
    "won_deals": "record_id",
    "account_deals": "row_key",
    "account_churn": "account_key",
    "deal_changes": "deal_id",
    "deal_versions": "deal_id",
}


class FullRebuild(Exception):
    """The append cannot be refreshed incrementally (what it changed reaches every record)."""


def _mart_sql(name: str) -> str:
    return sql.text(f"marts/{name}")


def config_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of the configuration the marts read (the config_* tables their selects name; of
    config_settings, the keys they name): a change means a full rebuild. A setting no mart reads (a
    pipeline target, the fiscal year) leaves the marts as they are."""
    text = re.sub(r"--[^\n]*", "", "\n".join(_mart_sql(n) for n in MARTS)).lower()
    named = set(re.findall(r"\bconfig_[a-z0-9_]+", text))
    keys = sorted(set(re.findall(r"'([a-z0-9_]+)'", text)))
    have = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'main' "
        "and table_catalog = current_database()").fetchall()}
    h = hashlib.sha256()
    for t in sorted(named & have):  # names from the catalog, never from user text
        if t == "config_settings":
            rows = con.execute("select * from config_settings where list_contains(?, key)", [keys]).fetchall()
        else:
            rows = con.execute(f"select * from {t}").fetchall()
        h.update(t.encode())
        h.update(repr(sorted(rows, key=repr)).encode())
    return h.hexdigest()[:16]


def _stored(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    r = con.execute("select value from config_settings where key = ?", [key]).fetchall()
    return r[0][0] if r else None


class _Shadows:
    """Temp views named like the tables a mart's select reads, showing only some of their rows (a
    view in main reads them too: the temp schema is searched first)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.cat = con.execute("select current_database()").fetchone()[0]
        self.names: list[str] = []

    def add(self, name: str, select: str) -> None:
        # `select` reads main.<name> as {src}; names come from the fixed tuples above. A select of
        # the live tables is materialised once (a mart's select may read a table several times,
        # and each read of a filtered view would scan all of its rows again).
        select = select.format(src=f'"{self.cat}".main.{name}')
        if "_rm_new_" not in select:
            self.con.execute(f"create or replace temp table _rm_s_{name} as {select}")
            select = f"select * from _rm_s_{name}"
        self.con.execute(f"create or replace temp view {name} as {select}")
        self.names.append(name)

    def clear(self) -> None:
        for n in self.names:
            self.con.execute(f"drop view if exists temp.{n}")
        self.names = []


def _sym_diff(a: str, b: str) -> str:
    """The rows of relation `a` that `b` lacks and those of `b` that `a` lacks (as multisets): no row
    when they hold the same rows. Each EXCEPT is bracketed: unbracketed, set operations chain left to
    right, and `a except all b union all b except all a` is only what b has that a lacks."""
    return f"(select * from {a} except all select * from {b}) union all (select * from {b} except all select * from {a})"


def _differs(con: duckdb.DuckDBPyConnection, a: str, b: str) -> bool:
    """Whether relations `a` and `b` (names from this module, never user text) hold different rows."""
    return con.execute(f"select count(*) from ({_sym_diff(a, b)})").fetchone()[0] > 0


def _ids(con: duckdb.DuckDBPyConnection, table: str, query: str, params: list | None = None) -> None:
    """Fill temp table `table` (one column `k`) with the distinct non-null values of `query`."""
    con.execute(f"create or replace temp table {table} as select distinct k from ({query}) where k is not null",
                params or [])


def refresh(con: duckdb.DuckDBPyConnection, batch_id: int,
            progress: Callable[[float, str], None] | None = None, *, full_ok: bool = True) -> bool:
    """After an append (batch `batch_id` written on `con`): bring every mart up to date, computing
    only what the batch changed. Falls back to rebuild() (with progress) when the marts were built
    by other definitions or another configuration, when the batch replaced a table, or when what it
    changed reaches every record (the money basis); with full_ok=False it raises FullRebuild instead
(an append written in place rolls back and is written again on a copy, so that readers never wait
for a full rebuild). Returns True when the refresh was incremental."""
    try:
        if progress:
            progress(0.0, "Updating the figures for the new rows...")
        _refresh(con, batch_id)
        return True
    except FullRebuild:
        if not full_ok:
            raise
        rebuild(con, progress)
        return False
    finally:
        con.execute("reset variable revmachine_today")
        with contextlib.suppress(duckdb.Error):
            con.execute("reset preserve_insertion_order")
        for t in [r[0] for r in con.execute(
                "select table_name from duckdb_tables() where temporary and table_name like '\\_rm\\_%' escape '\\'"
        ).fetchall()]:
            con.execute(f"drop table if exists temp.{t}")


def _new_as_of(con: duckdb.DuckDBPyConnection, b: int, tables: dict[str, str]) -> None:
    """The as-of date after batch `b`, into temp table _rm_new_funnel_as_of: the latest of the old
    one and the batch's rows, unless "today" is another day than when it was worked out (a date
    that was in the future may not be now) or a row the batch superseded held it (it may go back):
    then from all rows."""
    as_of_tables = ("leads", "deals", "activities", "stage_history", "lead_stage_dates")
    old = con.execute("select raw_as_of, built_on from funnel_as_of").fetchall()
    whole = f"create or replace temp table _rm_new_funnel_as_of as {_mart_sql('funnel_as_of')}"
    if len(old) != 1 or old[0][0] is None or old[0][1] != today():
        con.execute(whole)
        return
    sh = _Shadows(con)
    parts = {}
    for side in ("superseded", "written"):
        for t in as_of_tables:
            if t not in tables:
                sh.add(t, "select * from {src} where false")
            elif side == "written":
                sh.add(t, f"select * from {{src}} where batch_id = {int(b)}")
            else:
                sh.add(t, f'select * exclude (superseded_by) from "{sh.cat}".main.{t}_history '
                          f"where superseded_by = {int(b)}")
        parts[side] = con.execute(f"select raw_as_of from ({_mart_sql('funnel_as_of')})").fetchone()[0]
        sh.clear()
    if parts["superseded"] is not None and parts["superseded"] >= old[0][0]:
        con.execute(whole)
        return
    raw = max(old[0][0], parts["written"]) if parts["written"] is not None else old[0][0]
    # data_as_of: the date while the data has a funnel record (a lead or a deal), as funnel_as_of.sql
    con.execute("create or replace temp table _rm_new_funnel_as_of as select cast(? as timestamp) as raw_as_of, "
                "case when exists (select 1 from leads) or exists (select 1 from deals) "
                "then cast(? as timestamp) end as data_as_of, cast(? as date) as built_on", [raw, raw, today()])


def _refresh(con: duckdb.DuckDBPyConnection, b: int) -> None:
    if stored_signature(con) != signature() or _stored(con, "marts_config") != config_fingerprint(con):
        raise FullRebuild("the summaries were built by other definitions or another configuration")
    have = {r[0] for r in con.execute("select table_name from information_schema.tables "
                                      "where table_schema = 'main' and table_catalog = current_database()")
            .fetchall()}
    if not set(MARTS) <= have:
        raise FullRebuild("a summary table is missing")
    tables = dict(con.execute("select table_name, mode from batch_tables where batch_id = ?", [b]).fetchall())
    if "replace" in tables.values():
        raise FullRebuild("the batch replaces a table")
    con.execute("set variable revmachine_today = ?", [today()])
    con.execute("set preserve_insertion_order = false")

    # the money basis: a new currency (or the last row of one gone) changes every amount
    old_basis = con.execute("select * from money_basis").fetchall()
    if con.execute(_mart_sql("money_basis")).fetchall() != old_basis:
        raise FullRebuild("the money basis changed (a currency)")

    def changed(table: str, cols: str, where: str = "true") -> str:
        """The batch's rows of `table` and the rows it superseded: `cols` of each."""
        return (f"select {cols} from {table} where batch_id = {int(b)} and ({where}) union all "
                f"select {cols} from {table}_history where superseded_by = {int(b)} and ({where})")

    # the as-of date and the stale window it moved across
    old_as_of = con.execute("select raw_as_of, data_as_of from funnel_as_of").fetchall()
    _new_as_of(con, b, tables)
    new_as_of = con.execute("select raw_as_of, data_as_of from _rm_new_funnel_as_of").fetchall()
    stale = con.execute("select coalesce(max(case when key = 'stale_days' then try_cast(value as integer) end), 180) "
                        "from config_settings").fetchone()[0]
    moved = old_as_of != new_as_of
    if moved:
        (old_raw, _), (new_raw, _) = old_as_of[0], new_as_of[0]
        if old_raw is None or new_raw is None:
            raise FullRebuild("the as-of date appeared or vanished")
        lo, hi = min(old_raw, new_raw), max(old_raw, new_raw)
    if _differs(con, "funnel_as_of", "_rm_new_funnel_as_of"):  # the date, or the day it was worked out on
        con.execute("delete from funnel_as_of")
        con.execute("insert into funnel_as_of select * from _rm_new_funnel_as_of")

    # owners and accounts: the records that name one the batch changed
    owner_keys = account_ids = account_names = None
    if "owners" in tables:
        _ids(con, "_rm_owner_keys", changed("owners", "owner as k") + " union all " + changed("owners", "owner_id"))
        owner_keys = "(select k from _rm_owner_keys)"
    if "accounts" in tables:
        _ids(con, "_rm_account_ids", changed("accounts", "account_id as k"))
        _ids(con, "_rm_account_names", changed("accounts", "lower(trim(company)) as k"))
        account_ids, account_names = "(select k from _rm_account_ids)", "(select k from _rm_account_names)"

    # leads whose record changes (L0)
    parts = []
    if "leads" in tables:
        parts.append(changed("leads", "lead_id as k"))
    if "lead_stage_dates" in tables:
        parts.append(changed("lead_stage_dates", "lead_id as k"))
    if "activities" in tables:
        parts.append(changed("activities", "lead_id as k"))
    if "stage_history" in tables:
        parts.append(changed("stage_history", "record_id as k", "record_type = 'lead'"))
    if owner_keys:
        parts.append(f"select lead_id as k from leads where owner in {owner_keys}")
    if account_ids:
        parts.append(f"select lead_id as k from leads where account_id in {account_ids} "
                     f"or lower(trim(company)) in {account_names}")
    if moved:
        # is_recycled: last movement more than stale_days before the as-of date; the records whose
        # last movement lies between the old and the new date less stale_days turn (a day's margin)
        parts.append(
            "select lead_id as k from funnel_record_rows where record_type = 'lead' and last_moved_at "
            f"between cast(? as timestamp) - to_days({int(stale) + 1}) and cast(? as timestamp) - to_days({int(stale) - 1})")
    params = [lo, hi] if moved else []
    _ids(con, "_rm_l0", " union all ".join(parts) or "select null as k", params)

    # deals that change (D0), then those whose link to a lead may change (D1)
    parts = []
    if "deals" in tables:
        parts.append(changed("deals", "deal_id as k"))
    if "stage_history" in tables:
        parts.append(changed("stage_history", "record_id as k", "record_type = 'deal'"))
    if owner_keys:
        parts.append(f"select deal_id as k from deals where owner in {owner_keys}")
    if account_ids:
        parts.append(f"select deal_id as k from deals where account_id in {account_ids} "
                     f"or lower(trim(company)) in {account_names}")
    lead_rows = ("select lead_id, converted_deal_id, contact_id from leads where lead_id in (select k from _rm_l0)"
                 + (" union all " + changed("leads", "lead_id, converted_deal_id, contact_id") if "leads" in tables else ""))
    con.execute(f"create or replace temp table _rm_l0_rows as {lead_rows}")
    parts.append("select deal_id as k from deals where lead_id in (select k from _rm_l0)")
    parts.append("select converted_deal_id as k from _rm_l0_rows")
    parts.append("select d.deal_id as k from deals as d where d.contact_id in (select contact_id from _rm_l0_rows)")
    _ids(con, "_rm_d1", " union all ".join(parts))

    sh = _Shadows(con)
    # deal_links of D1: the leads read are those that can link them
    sh.add("deals", "select * from {src} where deal_id in (select k from _rm_d1)")
    sh.add("leads", "select * from {src} where lead_id in (select lead_id from deals) "
                    "or converted_deal_id in (select k from _rm_d1) "
                    "or contact_id in (select contact_id from deals where contact_id is not null)")
    con.execute(f"create or replace temp table _rm_new_deal_links as {_mart_sql('deal_links')}")
    sh.clear()
    # L1: L0 and the leads D1's deals leave or join; D2: every deal continuing an L1 lead
    _ids(con, "_rm_l1", "select k from _rm_l0 union all "
                        "select lead_id from deal_links where deal_id in (select k from _rm_d1) union all "
                        "select lead_id from _rm_new_deal_links")
    _ids(con, "_rm_d2", "select k from _rm_d1 union all "
                        "select deal_id from deal_links where lead_id in (select k from _rm_l1) "
                        "and deal_id not in (select k from _rm_d1)")
    _ids(con, "_rm_r", "select 'L:' || k as k from _rm_l1 union all select 'D:' || k from _rm_d1")
    # ... (continued below)
    _refresh_records(con, b, tables, moved, (lo, hi) if moved else None, sh, changed, owner_keys)


def _refresh_records(con, b, tables, moved, window, sh, changed, owner_keys) -> None:
    """The second half of _refresh: new rows of every keyed mart into temp tables (_rm_new_<mart>),
    the rollup groups the replaced and the new rows fall in, then the swap."""
    def new(mart: str, where: str) -> None:
        con.execute(f"create or replace temp table _rm_new_{mart} as "
                    f"select * from ({_mart_sql(mart)}) as q where {where}")

    in_r = "record_id in (select k from _rm_r)"
    links = ("select * from _rm_new_deal_links union all select * from {src} "
             "where deal_id in (select k from _rm_d2) and deal_id not in (select k from _rm_d1)")
    sh.add("leads", "select * from {src} where lead_id in (select k from _rm_l1)")
    sh.add("deals", "select * from {src} where deal_id in (select k from _rm_d2)")
    sh.add("deal_links", links)
    sh.add("activities", "select * from {src} where lead_id in (select k from _rm_l1)")
    sh.add("lead_stage_dates", "select * from {src} where lead_id in (select k from _rm_l1)")
    sh.add("stage_history", "select * from {src} where (record_type = 'lead' and record_id in (select k from _rm_l1)) "
                            "or (record_type = 'deal' and record_id in (select k from _rm_d2))")
    new("funnel_record_rows", in_r)
    sh.add("funnel_record_rows", "select * from _rm_new_funnel_record_rows")
    new("deal_facts", in_r)
    sh.clear()
    sh.add("deal_facts", "select * from _rm_new_deal_facts")
    new("won_deals", "true")
    sh.clear()

    # account_deals: the rows of the changed records, and every row of the accounts they leave or join
    # (an account's first purchase and acquisition are read over all of its deals)
    sh.add("deal_facts", "select * from _rm_new_deal_facts")
    sh.add("leads", "select * from {src} where lead_id in (select lead_id from deal_facts)")
    parts = ["select account_key as k from account_deals where record_id in (select k from _rm_r)",
             f"select account_key from ({_mart_sql('account_deals')})"]
    if "accounts" in tables:
        name_key = "lower(trim(regexp_replace(company, '\\s+', ' ', 'g')))"
        parts += [changed("accounts", "'id:' || nullif(trim(account_id), '')"),
                  changed("accounts", f"'name:' || {name_key}"),
                  f"select 'id:' || nullif(trim(account_id), '') from accounts where {name_key} in "
                  f"(select {name_key} from ({changed('accounts', 'company')}))"]
    _ids(con, "_rm_a", " union all ".join(parts))
    sh.clear()
    in_s = "(record_id in (select k from _rm_r) or account_key in (select k from _rm_a))"
    sh.add("deal_facts", "select * from _rm_new_deal_facts union all select * from {src} "
                         "where record_id not in (select k from _rm_r) and (record_id, coalesce(deal_id, '')) in "
                         "(select (record_id, coalesce(deal_id, '')) from account_deals where account_key in "
                         "(select k from _rm_a))")
    sh.add("leads", "select * from {src} where lead_id in (select lead_id from deal_facts)")
    new("account_deals", "true")
    sh.clear()
    churn_key = "coalesce(account_key, 'deal:' || coalesce(deal_id, record_id))"
    parts = ["select k from _rm_a",
             f"select {churn_key} from account_deals where {in_s}",
             f"select {churn_key} from _rm_new_account_deals"]
    params: list = []
    if moved:
        parts.append("select account_key from account_deals where status = 'won' and account_key is not null and "
                     "cast(closed_date + interval 12 month as date) between cast(? as date) - 1 and cast(? as date) + 1")
        params = [window[0], window[1]]
    _ids(con, "_rm_ac", " union all ".join(parts), params)
    sh.add("account_deals", "select * from _rm_new_account_deals union all select * from {src} "
                            f"where not {in_s} and {churn_key} in (select k from _rm_ac)")
    sh.add("account_list", "select * from {src} where account_key in (select k from _rm_ac)")
    new("account_churn", "account_key in (select k from _rm_ac)")
    sh.clear()

    # deal history: the deals changed, their field history, their owners, and the deals of every load
    # whose day moved (deal_batch_days)
    con.execute(f"create or replace temp table _rm_new_deal_batch_days as {_mart_sql('deal_batch_days')}")
    parts = ["select k from _rm_d1"]
    if "deal_field_history" in tables:
        parts.append(changed("deal_field_history", "deal_id as k"))
    if owner_keys:
        parts += [f"select deal_id from deals_history where owner in {owner_keys}",
                  f"select deal_id from deal_field_history where field = 'owner' and "
                  f"(old_value in {owner_keys} or new_value in {owner_keys})"]
    moved_batches = f"select batch_id from ({_sym_diff('deal_batch_days', '_rm_new_deal_batch_days')})"
    parts += [f"select deal_id from deals where batch_id in ({moved_batches})",
              f"select deal_id from deals_history where batch_id in ({moved_batches}) "
              "and deal_id in (select deal_id from deals)"]
    _ids(con, "_rm_dc", " union all ".join(parts))
    for t, col in (("deals", "deal_id"), ("deals_history", "deal_id"), ("deal_field_history", "deal_id")):
        sh.add(t, f"select * from {{src}} where {col} in (select k from _rm_dc)")
    sh.add("stage_history", "select * from {src} where record_type = 'deal' and record_id in (select k from _rm_dc)")
    sh.add("deal_batch_days", "select * from _rm_new_deal_batch_days")
    new("deal_changes", "deal_id in (select k from _rm_dc)")
    sh.clear()
    # deal_versions: those deals, the deals whose facts changed, and every deal of a load whose
    # probability scale (0..1 or 0..100, read over the load's deals) the batch changed
    scale = "case when max(probability) > 1 then 100.0 else 1.0 end"
    touched = f"select distinct batch_id from deals_history where superseded_by = {int(b)}"
    parts = ["select k from _rm_dc", "select deal_id from _rm_new_deal_facts",
             "select deal_id from deal_facts where record_id in (select k from _rm_r)",
             f"""select deal_id from deals where batch_id in (
                   select batch_id from (
                       select batch_id, {scale} as s from deals
                       where batch_id in ({touched}) and probability is not null group by batch_id
                   ) as a full join (
                       select batch_id, {scale} as s from (
                           select batch_id, probability from deals where batch_id in ({touched})
                           union all select batch_id, probability from deals_history where superseded_by = {int(b)}
                       ) where probability is not null group by batch_id
                   ) as o using (batch_id)
                   where coalesce(a.s, 1.0) <> coalesce(o.s, 1.0))"""]
    _ids(con, "_rm_dv", " union all ".join(parts))
    sh.add("deal_changes", "select * from _rm_new_deal_changes union all select * from {src} "
                           "where deal_id in (select k from _rm_dv) and deal_id not in (select k from _rm_dc)")
    sh.add("deal_facts", "select * from _rm_new_deal_facts where deal_id in (select k from _rm_dv) union all "
                         "select * from {src} where deal_id in (select k from _rm_dv) "
                         "and record_id not in (select k from _rm_r)")
    new("deal_versions", "deal_id in (select k from _rm_dv)")
    sh.clear()

    replaced = {
        "deal_links": "deal_id in (select k from _rm_d1)",
        "funnel_record_rows": in_r,
        "deal_facts": in_r,
        "won_deals": in_r,
        "account_deals": in_s,
        "account_churn": "account_key in (select k from _rm_ac)",
        "deal_changes": "deal_id in (select k from _rm_dc)",
        "deal_versions": "deal_id in (select k from _rm_dv)",
    }
    # tables a rollup cannot be refreshed from per group when they changed: rebuilt in full then
    wholesale = {t for t in tables if t not in _RECORD_TABLES}
    if "owners" in wholesale:
        wholesale.add("owner_lookup")
    if "accounts" in wholesale:
        wholesale |= {"account_lookup", "account_list"}
    if moved:
        wholesale.add("funnel_as_of")
    if _differs(con, "deal_batch_days", "_rm_new_deal_batch_days"):
        wholesale.add("deal_batch_days")
    for name in _SMALL:
        # targets and spend (and the owners a target's territory comes from); the money basis and the
        # configuration did not change (checked first)
        if not {"targets", "spend", "owners"} & set(tables):
            continue
        con.execute(f"create or replace temp table _rm_new_{name} as {_mart_sql(name)}")
        if _differs(con, name, f"_rm_new_{name}"):
            wholesale.add(name)

    def shadow_changes(side: str) -> None:
        """Every record-level table and mart as only its rows the batch replaced (side 'old') or
        wrote (side 'new')."""
        for t in _RECORD_TABLES:
            hist = f'"{sh.cat}".main.{t}_history'
            if t not in tables:
                sh.add(t, "select * from {src} where false")
                sh.add(f"{t}_history", "select * from {src} where false")
            elif side == "old":  # before the batch: the rows it superseded; none of them in history yet
                sh.add(t, f"select * exclude (superseded_by) from {hist} where superseded_by = {int(b)}")
                sh.add(f"{t}_history", "select * from {src} where false")
            else:  # after: its rows, and the superseded ones in history
                sh.add(t, f"select * from {{src}} where batch_id = {int(b)}")
                sh.add(f"{t}_history", f"select * from {{src}} where superseded_by = {int(b)}")
        for mart, where in replaced.items():
            sh.add(mart, f"select * from {{src}} where {where}" if side == "old" else f"select * from _rm_new_{mart}")

    # marts this code has no rule for are rebuilt in full (_swap): to a rollup they changed wholesale
    wholesale |= {n for n in TABLES if n not in ROLLUP_KEYS and n not in _KEYED and n not in _SMALL
                  and n not in ("fx_rates", "money_basis", "funnel_as_of", "funnel_stages", "deal_batch_days")}
    rollups = [n for n in TABLES if n in ROLLUP_KEYS]
    per_group = [n for n in rollups if not _reads(n, wholesale)]
    for side in ("old", "new"):
        if not per_group:
            break
        if side == "new":
            _swap(con, replaced, wholesale)
        shadow_changes(side)
        for name in per_group:  # the changed rows' share of each group, before and after
            con.execute(f"create or replace temp table _rm_g{side[0]}_{name} as {_mart_sql(name)}")
        sh.clear()
    # The groups to recompute: those where the changed rows' share differs before and after. A
    # rollup's aggregates are counts, sums and minimums of its rows, so a group whose changed rows
    # add up to the same share is the same whole (a week's move of the as-of date changes ~1% of
    # the leads' quiet-spell state: a rollup that does not read it keeps all of their groups).
    for name in per_group:
        keys = ", ".join(ROLLUP_KEYS[name])
        con.execute(f"create or replace temp table _rm_t_{name} as select distinct {keys} from "
                    f"({_sym_diff(f'_rm_go_{name}', f'_rm_gn_{name}')})")
    if not per_group:
        _swap(con, replaced, wholesale)
    if "funnel_stages" in wholesale:  # the stages the data has changed (_swap): a rollup reading them
        per_group = [n for n in per_group if not _reads(n, {"funnel_stages"})]
    for name in rollups:
        if name in per_group:
            _refresh_groups(con, name)
        else:
            con.execute(f"create or replace table {name} as {_mart_sql(name)}")
    con.execute(sql.text("marts/macros"))


def _reads(name: str, relations: set[str]) -> bool:
    """Whether mart `name`'s select names one of `relations` (as a whole word)."""
    words = set(re.findall(r"[a-z_][a-z0-9_]*", re.sub(r"--[^\n]*", "", _mart_sql(name)).lower()))
    return bool(words & relations)


def _swap(con, replaced: dict[str, str], wholesale: set[str]) -> None:
    """Replace the keyed marts' rows by their new ones; rebuild the small marts and those this code
    does not know (a table added to BUILD without a refresh rule: rebuilt in full, never stale)."""
    for name, kind in BUILD:
        if kind != "table" or name in ROLLUP_KEYS:
            continue
        if name in replaced:
            con.execute(f"delete from {name} where {replaced[name]}")
            con.execute(f"insert into {name} select * from _rm_new_{name}")
        elif name in _SMALL or name == "deal_batch_days":
            if name in wholesale:
                con.execute(f"delete from {name}")
                con.execute(f"insert into {name} select * from _rm_new_{name}")
        elif name in ("fx_rates", "money_basis", "funnel_as_of"):
            continue  # unchanged (checked), or written first
        elif name == "funnel_stages":
            con.execute(f"create or replace temp table _rm_new_{name} as {_mart_sql(name)}")
            if _differs(con, name, f"_rm_new_{name}"):
                wholesale.add(name)
                con.execute(f"delete from {name}")
                con.execute(f"insert into {name} select * from _rm_new_{name}")
        else:
            con.execute(f"create or replace table {name} as {_mart_sql(name)}")


def _refresh_groups(con, name: str) -> None:
    """Recompute rollup `name`'s groups listed in temp table _rm_t_<name>, from the whole source.
    A filter on group keys selects whole groups, so each group is recomputed over all of its rows;
    bound lists of each key's values let DuckDB skip the other groups' rows before aggregating."""
    keys = ROLLUP_KEYS[name]
    t = f"_rm_t_{name}"
    if not con.execute(f"select count(*) from {t}").fetchone()[0]:
        return
    match = " and ".join(f"q.{k} is not distinct from g.{k}" for k in keys)
    con.execute(f"delete from {name} as q where exists (select 1 from {t} as g where {match})")
    params: list = []
    conds = []
    for k in keys:
        values = [r[0] for r in con.execute(f"select distinct {k} from {t} where {k} is not null").fetchall()]
        has_null = con.execute(f"select count(*) from {t} where {k} is null").fetchone()[0] > 0
        conds.append(f"(list_contains(?, q.{k}) or (q.{k} is null and ?))")
        params += [values, has_null]
    con.execute(f"insert into {name} select * from ({_mart_sql(name)}) as q where {' and '.join(conds)} "
                f"and exists (select 1 from {t} as g where {match})", params)

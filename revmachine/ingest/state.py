"""The staging state: what every step of the import reads and adds to, before anything is written.

An upload is staged in a private in-memory DuckDB (`Staging.con`); nothing touches the live database
until load.py writes the result in one transaction. The steps, each in its own module, in order:

1. read bytes (`readers`: workbooks in a sandboxed child, CSVs by DuckDB) -> `RawSheet`s;
2. detect each sheet's kind and map its headers by name and content (`detect`, with `recognise`,
   `sniff`, `fields`, `headers`) -> one `SheetResult` per sheet;
3. parse values: type each mapped column in SQL (`typed`, with the expressions of `parsing`) ->
   view `typed_<n>` per sheet;
4. stage typed tables: one SELECT per kind turns a sheet's typed columns into the rows of its table
   (`build`) -> table `u_<table>` per business table;
5. checks: rows that are no data dropped, keys, duplicates, values, cross-sheet links (`checks`)
   -> `Finding`s;
6. `stage.prepare` runs 1-5 and returns a `Staged`; `load.load` writes it all or nothing.

The contract of `Staging` (the object each step receives):

* `con`: the private DuckDB. Each step creates tables and views with names it makes from code
  (`sample_<n>`, `typed_<n>`, `u_<table>`, never from cell text); `new_name(prefix)` gives a fresh
  one. Cell values reach SQL only as bound parameters.
* `findings`: what the report says, appended with `add(level, message, sheet, ...)`; level `error`
  blocks the load, `warning` and `info` are shown. A finding names its file, sheet, row and column.
* `ctx`: what staging knows about the live database (`Context`: configured stages, channel keys,
  remembered mappings, files already loaded, loaded lead and deal ids); read only.
* `date_orders`, `sheet_orders`, `upload_order`: day/month order chosen by the user, shown by a
  sheet's other date columns, shown by the upload (detect fills the last two).
* `ledger` (a table of `con`: tbl, part, rule, how, source_row): every row a check takes out of the
  load (how = dropped) or merges into another row (how = merged), under its rule, recorded with
  `record(...)` before the rows leave u_<table>; preview.py reconciles each sheet from it: rows read =
  rows loaded + rows merged + rows dropped.
* lookup tables `stage_map(k, v)`, `status_words(k, v)`, `channel_keys(k)` are in `con` from the start.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import pyarrow as pa

from revmachine import config
from revmachine.errors import UserError
from revmachine.ingest import stages
from revmachine.ingest.fields import KINDS
from revmachine.ingest.readers import RawSheet
from revmachine.ingest.recognise import Decision
from revmachine.ingest.sniff import ColumnProfile

SAMPLE_ROWS = 5  # row numbers named in a message before ', ...'


@dataclass
class Finding:
    level: str  # error | warning | info
    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    count: int = 1
    code: str = ""

    def where(self) -> str:
        return UserError("", file=self.file, sheet=self.sheet, row=self.row, column=self.column).where()

    def as_dict(self) -> dict:
        return {"level": self.level, "file": self.file, "sheet": self.sheet, "row": self.row,
                "column": self.column, "count": self.count, "code": self.code, "message": self.message}


@dataclass
class SheetResult:
    """One sheet of the upload: what it was read as, how, and what became of its rows."""

    raw: RawSheet
    kind: str | None
    mapping: dict[int, str]
    signature: str
    source: str  # proposed | remembered | corrected | profile
    rows_in: int = 0  # non-blank data rows read
    rows_out: int = 0  # rows staged for loading
    ignored_columns: list[str] = field(default_factory=list)
    ambiguous_dates: list[str] = field(default_factory=list)
    preview: pd.DataFrame | None = None
    confidence: float = 0.0
    candidates: list[tuple[str, float]] = field(default_factory=list)
    ambiguous: bool = False
    decisions: list[Decision] = field(default_factory=list)
    profiles: list[ColumnProfile] = field(default_factory=list)
    report_range: tuple | None = None  # an ad report's date range from the lines above its header
    typed_fields: dict[str, str] = field(default_factory=dict)  # field -> header of the columns typed
    wide_periods: dict[int, tuple] = field(default_factory=dict)  # column -> (start, end): a period per column
    unknown_stages: list[str] = field(default_factory=list)  # stage / status names the funnel does not know
    ambiguous_decimals: list[str] = field(default_factory=list)  # amount columns whose decimal mark is asked
    range_question: str | None = None  # a named range above the header ('All time') the load asks about
    # rows read = loaded + merged + dropped (preview.reconcile): {"read", "loaded", "rules": [{rule, how,
    # count, rows, what}]}
    reconciliation: dict | None = None

    @property
    def label(self) -> str:
        return self.raw.label

    @property
    def table(self) -> str | None:
        return KINDS[self.kind].table if self.kind else None

    def field_type(self, fname: str) -> str:
        """A mapped field's type; 'stage:<key>' columns (dates of extra stages) are timestamps, 'period:<i>'
        columns (a wide targets sheet's periods) amounts."""
        if fname.startswith("stage:"):
            return "timestamp"
        if fname.startswith("period:"):
            return "amount"
        return KINDS[self.kind].field(fname).type

    def header_of(self, fname: str) -> str | None:
        """The header of the column mapped to a field (None when none is)."""
        for ci, f in self.mapping.items():
            if f == fname:
                return self.raw.headers[ci]
        return None


@dataclass
class UploadFile:
    name: str
    data: bytes

    @functools.cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Context:
    """What staging needs to know about the live database."""

    stages: list[tuple[str, str]]
    channel_keys: set[str]
    remembered: dict[str, tuple[str, dict[int, str]]]
    loaded_files: dict[str, tuple[int, str, str]]  # sha256 -> (batch_id, loaded_at, file name)
    lead_ids: pa.Table | None = None  # lead_id column of the live leads table
    fy_start: int = 1
    aliases: dict[str, str] = field(default_factory=dict)  # stage names the user mapped (config_stage_aliases)
    sql_stage: str = "opportunity"
    deal_ids: pa.Table | None = None  # deal_id column of the live deals table

    @classmethod
    def defaults(cls) -> Context:
        from revmachine.schema import DEFAULT_CHANNELS, DEFAULT_STAGES

        return cls([(s[1], s[2]) for s in DEFAULT_STAGES], set(DEFAULT_CHANNELS), {}, {})

    @classmethod
    def from_db(cls, con: duckdb.DuckDBPyConnection, with_lead_ids: bool = True,
                memory: duckdb.DuckDBPyConnection | None = None) -> Context:
        """The context of a data file (con) and its app-state file (memory: the remembered mappings
        and stage names; none when not given)."""
        stage_rows = con.execute("select stage, label, is_sql from config_stages order by position").fetchall()
        channels = {r[0] for r in con.execute("select channel_key from config_channels").fetchall()}
        remembered = {
            sig: (kind, {int(k): v for k, v in json.loads(m).items()})
            for sig, kind, m in memory.execute(
                "select signature, kind, mapping from mapping_memory").fetchall()
        } if memory is not None else {}
        loaded = {
            sha: (bid, str(at), name)
            for sha, bid, at, name in con.execute(
                "select f.sha256, b.batch_id, b.loaded_at, f.file_name from batch_files f "
                "join batches b using (batch_id) where b.status = 'active'").fetchall()
        }
        fy = con.execute(
            "select value from config_settings where key = 'fiscal_year_start_month'").fetchall()
        ids = con.sql("select lead_id from leads").to_arrow_table() if with_lead_ids else None
        deal_ids = con.sql("select deal_id from deals").to_arrow_table() if with_lead_ids else None
        aliases = dict(memory.execute("select alias, stage from config_stage_aliases").fetchall()) \
            if memory is not None else {}
        sql_stage = next((s for s, _l, is_sql in stage_rows if is_sql), "opportunity")
        return cls([(s, lbl) for s, lbl, _ in stage_rows], channels, remembered, loaded, ids,
                   int(fy[0][0]) if fy else 1, aliases, sql_stage, deal_ids)


@dataclass
class Staged:
    """The result of staging an upload: its files, each sheet's result, the report's findings and one
    Arrow table per business table, ready for load.py."""

    files: list[UploadFile]
    sheets: list[SheetResult]
    findings: list[Finding]
    tables: dict[str, pa.Table]
    headline: dict = field(default_factory=dict)  # the figures the load will produce (preview.headline)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def row_counts(self) -> dict[str, int]:
        return {k: t.num_rows for k, t in self.tables.items()}


def rows_sample(rows: list[int]) -> str:
    """'4, 9, 12, ...': the first row numbers of a list, for a message."""
    shown = ", ".join(str(r) for r in rows[:SAMPLE_ROWS])
    return shown + (", ..." if len(rows) > SAMPLE_ROWS else "")


class Staging:
    """The staging state of one upload (see the module's docstring for the contract)."""

    def __init__(self, ctx: Context, date_orders: dict[str, str] | None, tz: str):
        self.ctx = ctx
        self.date_orders = date_orders or {}
        self.tz = tz
        self.sql_stage = ctx.sql_stage if ctx.sql_stage.replace("_", "").isalnum() else "opportunity"
        self.con = duckdb.connect(":memory:")
        self.con.execute("set TimeZone = 'UTC'")
        self.con.execute("set enable_progress_bar = false")
        # staging an upload must not take the server's memory: DuckDB spills or refuses past this
        self.con.execute(f"set memory_limit = '{config.staging_memory_mb()}MB'")
        self.findings: list[Finding] = []
        self.accepted: dict[str, set[str]] = {}  # sheet label -> the plausibility questions the user answered
        self._n = 0
        # day/month order shown by other date columns of a sheet / of the upload (detect._date_orders)
        self.sheet_orders: dict[str, str] = {}
        self.upload_order: str | None = None
        self.vendor_orders: dict[str, str] = {}  # sheet -> the platform whose documented date order it follows
        self.stage_map = stages.stage_lookup(ctx.stages, ctx.aliases)
        # one statement each (an executemany runs one per row)
        self.con.execute("create table stage_map as select cast(unnest($k) as varchar) as k, "
                         "cast(unnest($v) as varchar) as v",
                         {"k": list(self.stage_map), "v": list(self.stage_map.values())})
        self.con.execute("create table status_words as select cast(unnest($k) as varchar) as k, "
                         "cast(unnest($v) as varchar) as v",
                         {"k": list(stages.STATUS_WORDS), "v": list(stages.STATUS_WORDS.values())})
        self.con.execute("create table channel_keys as select cast(unnest($k) as varchar) as k",
                         {"k": sorted(ctx.channel_keys)})
        self.con.execute("create table ledger (tbl varchar, part integer, rule varchar, how varchar, "
                         "source_row bigint)")

    def record(self, table: str, rule: str, how: str, rows_sql: str, params: dict | None = None) -> None:
        """The rows `rows_sql` selects (columns __part and source_row, from u_<table> or a subset of it)
        leave the load of `table` under `rule`; how: 'dropped' | 'merged'. Call it before deleting them."""
        self.con.execute(f"insert into ledger select $tbl, __part, $rule, $how, source_row from ({rows_sql})",
                         {**(params or {}), "tbl": table, "rule": rule, "how": how})

    def close(self) -> None:
        self.con.close()

    def new_name(self, prefix: str) -> str:
        """A fresh table name made from code: '<prefix>_<n>'."""
        self._n += 1
        return f"{prefix}_{self._n}"

    # --- the report ------------------------------------------------------------------------------
    def add(self, level: str, message: str, sheet: SheetResult | str | None = None, **kw) -> None:
        """sheet: the sheet's result, or only its name (a sheet that could not be read)."""
        if isinstance(sheet, SheetResult):
            file, sheet_name = sheet.raw.file_name, sheet.raw.sheet_name
        else:
            file, sheet_name = kw.pop("file", None), sheet
        self.findings.append(Finding(level, message, file, sheet_name, **kw))

    def accepts(self, res: SheetResult, question: str) -> bool:
        """The user answered this plausibility question for this sheet (`--accept 'SHEET:QUESTION'`, or the
        Data page's control)."""
        return question in self.accepted.get(res.label, set())

    def has_errors(self) -> bool:
        return any(f.level == "error" for f in self.findings)

    # --- queries ---------------------------------------------------------------------------------
    def q(self, sql: str, params: dict | list | None = None) -> list[tuple]:
        return self.con.execute(sql, params or {}).fetchall()

    def rows(self, sql: str, params: dict | None = None) -> tuple[int, list[int]]:
        """(how many rows `sql` selects, the first row numbers of them): `sql` selects source_row."""
        r = self.q(f"select count(*), list(source_row order by source_row)[1:{SAMPLE_ROWS + 1}] from ({sql})",
                   params)
        return r[0][0], list(r[0][1] or [])

    rows_sample = staticmethod(rows_sample)

    def columns_of(self, table: str) -> frozenset[str]:
        """The columns of a table or view of the staging (a code-made name); an empty set when there is
        none. (An empty select's description: information_schema costs ~10 ms a call.)"""
        try:
            return frozenset(d[0] for d in self.con.execute(f"select * from {table} limit 0").description)
        except duckdb.CatalogException:
            return frozenset()

    # --- a sheet's headers -----------------------------------------------------------------------
    @staticmethod
    def header(res: SheetResult, fname: str) -> str | None:
        return res.header_of(fname)

    @staticmethod
    def header_words(res: SheetResult, fname: str) -> tuple[str, ...]:
        from revmachine.ingest.headers import parse

        h = res.header_of(fname)
        return parse(h).words if h else ()

    @staticmethod
    def header_unit(res: SheetResult, fname: str) -> str | None:
        """An ISO code given in the field's header ('Amount (USD)'), for the SQL as a literal."""
        from revmachine.ingest.headers import CURRENCY_CODES, parse

        h = res.header_of(fname)
        unit = parse(h).unit if h else None
        return unit if unit in CURRENCY_CODES else None

"""Parse and validate an upload in a private in-memory DuckDB, before anything is written.

The steps, one module each: read bytes (readers) -> detect each sheet's kind and map its headers by
name and content (detect, recognise, sniff, fields, headers) -> type each mapped column in SQL
(parsing, here) -> build each kind's rows (build) -> row and cross-sheet checks (checks) -> one
staged Arrow table per business table, plus a report of findings per file, sheet, row and column.
Blocking errors stop the load; warnings are shown and the user decides. load.py then writes it all
in one transaction.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import pyarrow as pa

from revmachine import config
from revmachine.errors import UserError
from revmachine.ingest import build, checks, detect, parsing, stages
from revmachine.ingest.fields import KINDS
from revmachine.ingest.readers import RawSheet
from revmachine.ingest.recognise import Decision
from revmachine.ingest.sniff import ColumnProfile, null_if_sentinel
from revmachine.schema import columns

SAMPLE_ROWS = 5
# typed columns checked for unreadable values
CHECKED_TYPES = {"timestamp", "date", "amount", "integer", "number", "pct", "bool", "currency"}
TEXT_TYPES = {"id", "ref", "text", "name", "stage", "status", "period"}


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
    raw: RawSheet
    kind: str | None
    mapping: dict[int, str]
    signature: str
    source: str  # proposed | remembered | corrected | profile
    rows_in: int = 0
    rows_out: int = 0
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
    def from_db(cls, con: duckdb.DuckDBPyConnection, with_lead_ids: bool = True) -> Context:
        import json

        stage_rows = con.execute("select stage, label, is_sql from config_stages order by position").fetchall()
        channels = {r[0] for r in con.execute("select channel_key from config_channels").fetchall()}
        remembered = {
            sig: (kind, {int(k): v for k, v in json.loads(m).items()})
            for sig, kind, m in con.execute(
                "select signature, kind, mapping from mapping_memory").fetchall()
        }
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
        aliases = dict(con.execute("select alias, stage from config_stage_aliases").fetchall())
        sql_stage = next((s for s, _l, is_sql in stage_rows if is_sql), "opportunity")
        return cls([(s, lbl) for s, lbl, _ in stage_rows], channels, remembered, loaded, ids,
                   int(fy[0][0]) if fy else 1, aliases, sql_stage, deal_ids)


@dataclass
class Staged:
    files: list[UploadFile]
    sheets: list[SheetResult]
    findings: list[Finding]
    tables: dict[str, pa.Table]

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


ARROW_BATCH_ROWS = 16_384  # rows per batch handed to DuckDB: 100k-row sheet typed 0.21-0.25 s -> 0.155 s


def rows_sample(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:SAMPLE_ROWS])
    return shown + (", ..." if len(rows) > SAMPLE_ROWS else "")


class _Stager:
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
        self.n = 0
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

    def add(self, level: str, message: str, sheet: SheetResult | str | None = None, **kw) -> None:
        """sheet: the sheet's result, or only its name (a sheet that could not be read)."""
        if isinstance(sheet, SheetResult):
            file, sheet_name = sheet.raw.file_name, sheet.raw.sheet_name
        else:
            file, sheet_name = kw.pop("file", None), sheet
        self.findings.append(Finding(level, message, file, sheet_name, **kw))

    def findings_have_errors(self) -> bool:
        return any(f.level == "error" for f in self.findings)

    def q(self, sql: str, params: dict | None = None) -> list[tuple]:
        return self.con.execute(sql, params or {}).fetchall()

    def rows(self, sql: str, params: dict | None = None) -> tuple[int, list[int]]:
        r = self.q(f"select count(*), list(source_row order by source_row)[1:{SAMPLE_ROWS + 1}] from ({sql})",
                   params)
        return r[0][0], list(r[0][1] or [])

    rows_sample = staticmethod(rows_sample)

    def columns_of(self, table: str) -> frozenset[str]:
        """The columns of a table or view of the stager (a code-made name); an empty set when there is
        none. (An empty select's description: information_schema costs ~10 ms a call.)"""
        try:
            return frozenset(d[0] for d in self.con.execute(f"select * from {table} limit 0").description)
        except duckdb.CatalogException:
            return frozenset()

    def header(self, res: SheetResult, fname: str) -> str | None:
        for ci, f in res.mapping.items():
            if f == fname:
                return res.raw.headers[ci]
        return None

    def header_words(self, res: SheetResult, fname: str) -> tuple[str, ...]:
        from revmachine.ingest.headers import parse

        h = self.header(res, fname)
        return parse(h).words if h else ()

    def header_unit(self, res: SheetResult, fname: str) -> str | None:
        """An ISO code given in the field's header ('Amount (USD)'), for the SQL as a literal."""
        from revmachine.ingest.headers import CURRENCY_CODES, parse

        h = self.header(res, fname)
        unit = parse(h).unit if h else None
        return unit if unit in CURRENCY_CODES else None

    # --- per sheet ------------------------------------------------------------------------
    def sample(self, raw: RawSheet) -> str:
        """Table sample_<n>: the first rows of a sheet as text (for the column profiles)."""
        self.n += 1
        name = f"sample_{self.n}"
        if raw.csv is not None:
            for attempt in range(2):
                q, params = raw.csv.select(parallel=False, lenient=True)
                try:
                    self.con.execute(f"create or replace table {name} as select * from ({q}) "
                                     f"limit {detect.PROFILE_ROWS}", params)
                    break
                except duckdb.Error:
                    if attempt == 0 and raw.csv.transcode():
                        continue
                    # no sample (the load's strict read reports what is wrong with the file, by row)
                    cols = ", ".join(f"cast(null as varchar) as c{i}" for i in range(raw.csv.ncols))
                    self.con.execute(f"create or replace table {name} as select {cols} limit 0")
                    break
        else:
            self.con.register(f"{name}__src", raw.table.slice(0, detect.PROFILE_ROWS))
            self.con.execute(f"create table {name} as select * exclude (source_row) from {name}__src")
            self.con.unregister(f"{name}__src")
        return name

    def sheet(self, res: SheetResult) -> str | None:
        """Types one recognised sheet: table typed_<n>__rows holds its typed columns (a CSV is typed
        as DuckDB reads it, its text never stored), view typed_<n> its non-blank rows with their
        source_row. Returns the view's name."""
        raw = res.raw
        self.n += 1
        rname, tname = f"raw_{self.n}", f"typed_{self.n}"
        base = f"{tname}__rows"
        header_of = {fname: raw.headers[ci] for ci, fname in res.mapping.items()}
        exprs: dict[str, str] = {}  # field -> typed expression
        sentinel_free: list[str] = []  # text fields whose null sentinels ('--', 'N/A') become NULL
        checked: dict[str, str] = {}  # field -> its raw column, where a value can fail to type
        marks = self._decimal_marks(res)
        for ci, fname in res.mapping.items():
            col = f"c{ci}"
            ftype = res.field_type(fname)
            prof = res.profiles[ci] if ci < len(res.profiles) else None
            if ftype in {"timestamp", "date"}:  # ISO now; other forms detected and typed below
                expr = parsing.iso_first_expr(col)
                exprs[fname] = expr if ftype == "timestamp" else f"cast({expr} as date)"
            elif ftype == "amount":
                exprs[fname] = parsing.amount_expr(col, marks.get(ci))
                if prof is not None and prof.money_marked > 0:
                    exprs[f"__cur_{fname}"] = parsing.currency_mark_expr(col)
            elif ftype == "integer":
                exprs[fname] = parsing.integer_expr(col, marks.get(ci))
            elif ftype == "number":
                exprs[fname] = parsing.number_expr(col, marks.get(ci))
            elif ftype == "pct":
                big = prof is not None and prof.max_number is not None and prof.max_number > 1
                exprs[fname] = parsing.pct_expr(col, 100 if big else 1)
            elif ftype == "bool":
                exprs[fname] = parsing.bool_expr(col)
            elif ftype == "currency":
                exprs[fname] = parsing.currency_code_expr(null_if_sentinel(col))
            else:  # id, text, stage, period: text now, resolved below (blank exactly when NULL)
                exprs[fname] = parsing.text_expr(col)
                sentinel_free.append(fname)
            if ftype in CHECKED_TYPES:
                checked[fname] = col
        if not exprs:
            return None
        cols = list(exprs)
        raw_cols = sorted(set(checked.values()))
        typed = ", ".join([f"{e} as \"{n}\"" for n, e in exprs.items()] + raw_cols)
        # the raw text is kept only where a typed column could not read it (__bad_<field>); it is
        # trimmed only there, after typing (a null sentinel there is no bad value: checks.values)
        bad = [f"case when \"{f}\" is null then nullif(trim({c}), '') end as \"__bad_{f}\""
               for f, c in checked.items()]
        # text columns lose their null sentinels on the typed value (a plain column here: cheaper than
        # inside the typing expression)
        keep = ", ".join([_without_sentinel(f"\"{c}\"") + f" as \"{c}\"" if c in sentinel_free else f"\"{c}\""
                          for c in cols] + bad)
        if raw.csv is not None:
            try:
                line = raw.csv.materialize(
                    self.con, base, columns=list(res.mapping),
                    query=lambda rows: f"select {keep} from (select {typed} from {rows})")
            except UserError as exc:  # the CSV's structure (a quote never closed, extra fields...)
                self.add("error", exc.message + (f" {exc.hint}" if exc.hint else ""), res, row=exc.row,
                         code="csv_structure")
                return None
            finally:
                for note in raw.csv.notes:
                    self.add("warning", note, res, code="encoding")
                raw.csv.notes.clear()
            row_no = f", {line} as source_row"  # the base table keeps every row, blank ones too
        else:
            # in batches, so DuckDB's two threads share the typing (a workbook's sheet is one batch)
            self.con.register(rname, pa.Table.from_batches(raw.table.to_batches(max_chunksize=ARROW_BATCH_ROWS),
                                                           schema=raw.table.schema))
            self.con.execute(f"create table {base} as select {keep}, source_row "
                             f"from (select {typed}, source_row from {rname})")
            self.con.unregister(rname)
            row_no = ""
        nonblank = " or ".join([f"\"{c}\" is not null" for c in cols if not c.startswith("__")]
                               + [f"\"__bad_{f}\" is not null" for f in checked])
        dropped: list[str] = []  # columns left out of the view (a date column to be asked about)

        def make_view() -> None:
            leave_out = f" exclude ({', '.join(dropped)})" if dropped else ""
            self.con.execute(f"create or replace view {tname} as select *{leave_out}{row_no} "
                             f"from {base} where {nonblank}")

        make_view()
        if self._type_dates(res, base, header_of, dropped):
            make_view()
        checks.fill_groups(self, res, base)
        res.rows_in = self.q(f"select count(*) from {tname}")[0][0]
        if res.rows_in == 0:
            self.add("warning", "has column headers but no data rows; nothing to load from it.", res,
                     row=raw.header_row, code="no_rows")
            return None
        res.typed_fields = {f: h for f, h in header_of.items() if f in cols}
        return tname

    def _decimal_marks(self, res: SheetResult) -> dict[int, str | None]:
        """The decimal mark of each money and number column (parsing.decimal_mark), from its values, else
        the sheet's conventions: another column whose values show their mark, a ';' delimiter, dd.mm.yyyy
        dates. A column still undecided is asked about (the user's answer: Data page, or `load
        --decimal-mark comma|dot`); its amounts are not loaded until then."""
        numeric = {ci for ci, f in res.mapping.items() if res.field_type(f) in {"amount", "integer", "number"}}
        profs = {ci: res.profiles[ci] for ci in numeric if ci < len(res.profiles)}
        shown = {"," if p.dec_comma > p.dec_dot else "." for p in profs.values() if p.dec_comma or p.dec_dot}
        hint = shown.pop() if len(shown) == 1 else None
        text_file = res.raw.csv is not None
        if hint is None and text_file:
            dated = any(p.dotted_dates for ci, p in enumerate(res.profiles)
                        if ci in res.mapping and res.field_type(res.mapping[ci]) in {"timestamp", "date"})
            if res.raw.csv.delim == ";" or dated:
                hint = ","
        out: dict[int, str | None] = {}
        for ci in numeric:
            header = res.raw.headers[ci]
            given = (self.date_orders.get(f"{res.label}::{header}::decimal") or self.date_orders.get("*decimal"))
            mark = given or parsing.decimal_mark(profs.get(ci), hint, text_file)
            if mark == "ask":
                ex = profs[ci].grp_examples[:2] if ci in profs else []
                shown_ex = " and ".join(f"'{x}'" for x in ex) or "'1.500'"
                res.ambiguous_decimals.append(header)
                self.add("error", f"holds amounts like {shown_ex} whose dot may be a thousands separator (1,500) or "
                         "a decimal point (1.5), and nothing else in the file tells which; choose the decimal "
                         "mark for this column (Data page, or `load --decimal-mark comma|dot`).", res,
                         column=header, code="ambiguous_decimal")
                mark = "."
            out[ci] = mark
        return out

    def _type_dates(self, res, tname, header_of, dropped: list[str]) -> bool:
        """The date values the ISO cast left unread: their form is detected (all of them, per
        column) and they are typed by it in table tname; a column whose day/month order is
        ambiguous is added to `dropped` (its quoted name and its __bad_ column's) with an error
        asking for it. True when it dropped one."""
        dates = [f for f in header_of if res.field_type(f) in {"timestamp", "date"}]
        if not dates:
            return False
        counts = self.q("select " + ", ".join(f"count(\"__bad_{f}\")" for f in dates) + f" from {tname}")[0]
        for fname, n in zip(dates, counts, strict=True):
            if not n:
                continue
            b = f"\"__bad_{fname}\""
            values = f"(select {b} as v from {tname} where {b} is not null)"
            fmt = parsing.detect_dates(self.con, values, ["v"])["v"]
            example = None
            if fmt.ambiguous:  # a value of the column itself, for the message
                ex = self.q(f"select v from {values} where regexp_matches(v, '{parsing.NUMERIC_DMY_RE}') limit 1")
                example = ex[0][0] if ex else None
            expr = self._date_expr(res, fmt, b, header_of[fname], example)
            if expr is None:
                dropped += [f"\"{fname}\"", b]
                continue
            if res.field_type(fname) == "date":
                expr = f"cast({expr} as date)"
            self.con.execute(f"update {tname} set \"{fname}\" = {expr}, {b} = case when ({expr}) is null "
                             f"then {b} end where {b} is not null")
        return bool(dropped)

    def _date_expr(self, res, fmt: parsing.DateFormat, col, header, example: str | None = None) -> str | None:
        key = f"{res.label}::{header}"
        order = self.date_orders.get(key) or self.date_orders.get("*") or fmt.order
        if fmt.ambiguous and order is None:
            order = self.sheet_orders.get(res.label) or self.upload_order
            if order:
                first = "day" if order == "dmy" else "month"
                if res.label in self.vendor_orders:
                    why = f"the order {self.vendor_orders[res.label]} documents for its reports"
                elif res.label in self.sheet_orders:
                    why = "like the other date columns of this sheet"
                else:
                    why = "like the other sheets of this upload"
                self.add("info", f"cannot tell day from month on its own (no day over 12"
                         f"{', e.g. ' + repr(example) if example else ''}); read as {first} first, {why}.", res,
                         column=header, code="date_order_inferred")
        if fmt.ambiguous and order is None:
            res.ambiguous_dates.append(header)
            self.add("error",
                     f"holds dates like {example or '03/04/2025'} whose day/month order cannot be told from the "
                     "data; choose day-first or month-first for this column (Data page, or `load --date-order "
                     "dmy|mdy`).", res, column=header, code="ambiguous_dates")
            return None
        return parsing.timestamp_expr(col, fmt, order, self.tz)

    # --- per kind ----------------------------------------------------------------------------
    def build(self, kind: str, parts: list[tuple[SheetResult, str]]) -> pa.Table | None:
        table = KINDS[kind].table

        def c(tname: str, name: str, cast: str = "varchar") -> str:
            return f"\"{name}\"" if name in self.columns_of(tname) else f"cast(null as {cast})"

        selects = [build.SELECTS[kind](self, res, t, lambda n, cast="varchar", t=t: c(t, n, cast), i)
                   for i, (res, t) in enumerate(parts)]
        union = " union all by name ".join(f"({s})" for s in selects)
        self.con.execute(f"create or replace table u_{table} as {union}")
        checks.junk_rows(self, kind, parts)
        checks.missing_keys(self, kind, parts)
        checks.BY_KIND.get(kind, lambda st, parts: None)(self, parts)
        checks.dedupe(self, kind, parts)
        cols = columns(table, with_batch=False)
        have = {r[0] for r in self.q("select column_name from information_schema.columns "
                                     "where table_name = $t", {"t": f"u_{table}"})}
        # u_<table> is in upload order already (parts in order, each in file order; a dedupe sorts
        # back): no sort here. The relation API hands the rows to Arrow without the extra copy a
        # DB-API result makes.
        return self.con.sql(f"select {', '.join(c for c in cols if c in have)} from u_{table}").to_arrow_table()


def _without_sentinel(col: str) -> str:
    """A text value, NULL when it is a null sentinel ('--', 'N/A', Salesforce's all-zero id); the test
    runs only on short values."""
    return f"case when strlen({col}) <= 20 and regexp_full_match({col}, '{_SENTINEL_RE}') then null else {col} end"


def is_sentinel(col: str) -> str:
    """SQL: the (trimmed) text is a null sentinel."""
    return f"(strlen({col}) <= 20 and regexp_full_match({col}, '{_SENTINEL_RE}'))"


def _sentinel_re() -> str:
    import re

    from revmachine.ingest.sniff import NULL_SENTINELS

    return "(?i)\\s*(" + "|".join(re.escape(s) for s in NULL_SENTINELS if s) + ")\\s*"


_SENTINEL_RE = _sentinel_re().replace("'", "''")


def prepare(
    files: list[UploadFile],
    ctx: Context | None = None,
    *,
    overrides: dict[str, tuple[str | None, dict[int, str]]] | None = None,
    date_orders: dict[str, str] | None = None,
    choices: detect.Choices | None = None,
    progress=None,
) -> Staged:
    """Read, recognise, type and check files. Never writes to the database.

    overrides: sheet label -> (kind or None to skip, {column index: field}) from the mapping editor.
    date_orders: '<sheet label>::<header>' (or '*') -> 'dmy' | 'mdy' for ambiguous date columns.
    choices: kinds and columns chosen on the command line or in a profile file (detect.Choices).
    """
    ctx = ctx or Context.defaults()
    st = _Stager(ctx, date_orders, config.timezone())
    sheets: list[SheetResult] = []
    try:
        detect.detect_sheets(st, files, overrides or {}, choices or detect.Choices(), sheets, progress)
        if progress:
            progress(0.65, "Typing and checking columns")
        tables = _type_and_check(st, sheets)
        if not tables and not st.findings_have_errors():
            st.add("error", "nothing to load: no sheet with data was recognised.",
                   file=", ".join(f.name for f in files), code="nothing_to_load")
    finally:
        for res in sheets:
            if res.raw.csv is not None:
                res.raw.csv.release()
        st.con.close()
    if progress:
        progress(0.8, "Checked")
    return Staged(files, sheets, st.findings, tables)


def _type_and_check(st: _Stager, sheets: list[SheetResult]) -> dict[str, pa.Table]:
    """Type the recognised sheets, check them, and build one staged table per business table."""
    typed: dict[str, list[tuple[SheetResult, str]]] = {}
    for res in sheets:
        if res.kind is None or res.ambiguous or detect.missing_needs(res):
            continue
        t = st.sheet(res)
        if t:
            typed.setdefault(res.kind, []).append((res, t))
    tables: dict[str, pa.Table] = {}
    for kind, parts in typed.items():
        tbl = st.build(kind, parts)
        if tbl is None:
            continue
        table = KINDS[kind].table
        tables[table] = tbl
        for i, (res, t) in enumerate(parts):
            # unreadable values, only on the rows kept (a totals or repeated header row is no data)
            checks.values(st, res, t, res.typed_fields, kept=f"(select source_row from u_{table} where __part = {i})")
            res.rows_out = st.q(f"select count(*) from u_{table} where __part = {i}")[0][0]
            res.preview = st.con.execute(
                f"select * exclude (__part) from u_{table} where __part = {i} "
                "order by source_row limit 20").df()
            res.preview = res.preview[[c for c in res.preview.columns if not c.startswith("__")]]
    if "leads" in typed:
        tables.update(_stage_date_rows(st, typed["leads"]))
    checks.links(st, tables, sheets)
    checks.currencies(st, tables, sheets)
    if "targets" in tables and "owners" in tables and checks.team_goals(st, typed["targets"]):
        cols = [c for c in columns("targets", with_batch=False) if c in st.columns_of("u_targets")]
        tables["targets"] = st.con.sql(f"select {', '.join(cols)} from u_targets").to_arrow_table()
    return tables


def _stage_date_rows(st: _Stager, parts) -> dict[str, pa.Table]:
    """Dates of configured stages without a fixed column (e.g. 'Demo Date') as lead_stage_dates."""
    extra = sorted({f for res, _t in parts for f in res.mapping.values() if f.startswith("stage:")})
    if not extra:
        return {}
    cols = st.columns_of("u_leads")
    sel = " union all ".join(
        f"select lead_id, '{f[6:]}' as stage, \"{f}\" as entered_at from u_leads where \"{f}\" is not null"
        for f in extra if f in cols and f[6:].replace("_", "").isalnum())
    if not sel:
        return {}
    return {"lead_stage_dates": st.con.sql(sel).to_arrow_table()}

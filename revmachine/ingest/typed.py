"""Parse values: each mapped column of a recognised sheet typed in SQL, by its field's type.

A CSV is typed as DuckDB reads it (its text never stored); a workbook sheet's text columns are
handed over as Arrow. Dates in ISO form are read at once; the others have their form detected per
column (parsing.detect_dates) and are typed by it; a column whose day/month order cannot be told
is asked about. A value that cannot be typed keeps its text in `__bad_<field>` for the report.
"""

from __future__ import annotations

import pyarrow as pa

from revmachine.errors import UserError
from revmachine.ingest import parsing
from revmachine.ingest.sniff import null_if_sentinel, without_sentinel
from revmachine.ingest.state import SheetResult, Staging

# typed columns checked for unreadable values
CHECKED_TYPES = {"timestamp", "date", "amount", "integer", "number", "pct", "bool", "currency"}
TEXT_TYPES = {"id", "ref", "text", "name", "stage", "status", "period"}
ARROW_BATCH_ROWS = 16_384  # rows per batch handed to DuckDB: 100k-row sheet typed 0.21-0.25 s -> 0.155 s


def type_sheet(st: Staging, res: SheetResult) -> str | None:
    """Types one recognised sheet: table typed_<n>__rows holds its typed columns, view typed_<n> its
    non-blank rows with their source_row. Returns the view's name (None: nothing to type, no rows, or
    a CSV whose structure is refused: the report says which)."""
    raw = res.raw
    tname = st.new_name("typed")
    rname = f"{tname}__raw"
    base = f"{tname}__rows"
    header_of = {fname: raw.headers[ci] for ci, fname in res.mapping.items()}
    exprs: dict[str, str] = {}  # field -> typed expression
    sentinel_free: list[str] = []  # text fields whose null sentinels ('--', 'N/A') become NULL
    checked: dict[str, str] = {}  # field -> its raw column, where a value can fail to type
    marks = _decimal_marks(st, res)
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
    keep = ", ".join([without_sentinel(f"\"{c}\"") + f" as \"{c}\"" if c in sentinel_free else f"\"{c}\""
                      for c in cols] + bad)
    if raw.csv is not None:
        try:
            line = raw.csv.materialize(
                st.con, base, columns=list(res.mapping),
                query=lambda rows: f"select {keep} from (select {typed} from {rows})")
        except UserError as exc:  # the CSV's structure (a quote never closed, extra fields...)
            st.add("error", exc.message + (f" {exc.hint}" if exc.hint else ""), res, row=exc.row,
                   code="csv_structure")
            return None
        finally:
            for note in raw.csv.notes:
                st.add("warning", note, res, code="encoding")
            raw.csv.notes.clear()
        row_no = f", {line} as source_row"  # the base table keeps every row, blank ones too
    else:
        # in batches, so DuckDB's two threads share the typing (a workbook's sheet is one batch)
        st.con.register(rname, pa.Table.from_batches(raw.table.to_batches(max_chunksize=ARROW_BATCH_ROWS),
                                                     schema=raw.table.schema))
        st.con.execute(f"create table {base} as select {keep}, source_row "
                       f"from (select {typed}, source_row from {rname})")
        st.con.unregister(rname)
        row_no = ""
    nonblank = " or ".join([f"\"{c}\" is not null" for c in cols if not c.startswith("__")]
                           + [f"\"__bad_{f}\" is not null" for f in checked])
    dropped: list[str] = []  # columns left out of the view (a date column to be asked about)

    def make_view() -> None:
        leave_out = f" exclude ({', '.join(dropped)})" if dropped else ""
        st.con.execute(f"create or replace view {tname} as select *{leave_out}{row_no} "
                       f"from {base} where {nonblank}")

    make_view()
    if _type_dates(st, res, base, header_of, dropped):
        make_view()
    res.rows_in = st.q(f"select count(*) from {tname}")[0][0]
    if res.rows_in == 0:
        st.add("warning", "has column headers but no data rows; nothing to load from it.", res,
               row=raw.header_row, code="no_rows")
        return None
    res.typed_fields = {f: h for f, h in header_of.items() if f in cols}
    return tname


def rows_table(view: str) -> str:
    """The table behind a typed view (every row, blank ones too)."""
    return f"{view}__rows"


def _type_dates(st: Staging, res: SheetResult, tname: str, header_of: dict[str, str], dropped: list[str]) -> bool:
    """The date values the ISO cast left unread: their form is detected (all of them, per
    column) and they are typed by it in table tname; a column whose day/month order is
    ambiguous is added to `dropped` (its quoted name and its __bad_ column's) with an error
    asking for it. True when it dropped one."""
    dates = [f for f in header_of if res.field_type(f) in {"timestamp", "date"}]
    if not dates:
        return False
    counts = st.q("select " + ", ".join(f"count(\"__bad_{f}\")" for f in dates) + f" from {tname}")[0]
    for fname, n in zip(dates, counts, strict=True):
        if not n:
            continue
        b = f"\"__bad_{fname}\""
        values = f"(select {b} as v from {tname} where {b} is not null)"
        fmt = parsing.detect_dates(st.con, values, ["v"])["v"]
        example = None
        if fmt.ambiguous:  # a value of the column itself, for the message
            ex = st.q(f"select v from {values} where regexp_matches(v, '{parsing.NUMERIC_DMY_RE}') limit 1")
            example = ex[0][0] if ex else None
        expr = _date_expr(st, res, fmt, b, header_of[fname], example)
        if expr is None:
            dropped += [f"\"{fname}\"", b]
            continue
        if res.field_type(fname) == "date":
            expr = f"cast({expr} as date)"
        st.con.execute(f"update {tname} set \"{fname}\" = {expr}, {b} = case when ({expr}) is null "
                       f"then {b} end where {b} is not null")
    return bool(dropped)


def _date_expr(st: Staging, res: SheetResult, fmt: parsing.DateFormat, col: str, header: str,
               example: str | None = None) -> str | None:
    key = f"{res.label}::{header}"
    order = st.date_orders.get(key) or st.date_orders.get("*") or fmt.order
    if fmt.ambiguous and order is None:
        order = st.sheet_orders.get(res.label) or st.upload_order
        if order:
            first = "day" if order == "dmy" else "month"
            if res.label in st.vendor_orders:
                why = f"the order {st.vendor_orders[res.label]} documents for its reports"
            elif res.label in st.sheet_orders:
                why = "like the other date columns of this sheet"
            else:
                why = "like the other sheets of this upload"
            st.add("info", f"cannot tell day from month on its own (no day over 12"
                   f"{', e.g. ' + repr(example) if example else ''}); read as {first} first, {why}.", res,
                   column=header, code="date_order_inferred")
    if fmt.ambiguous and order is None:
        res.ambiguous_dates.append(header)
        st.add("error",
               f"holds dates like {example or '03/04/2025'} whose day/month order cannot be told from the data; "
               "choose day-first or month-first for this column (Data page, or `load --date-order "
               "dmy|mdy`).", res, column=header, code="ambiguous_dates")
        return None
    return parsing.timestamp_expr(col, fmt, order, st.tz)


def _decimal_marks(st: Staging, res: SheetResult) -> dict[int, str | None]:
    """The decimal mark of each money and number column (parsing.decimal_mark), from its values, else
    the sheet's conventions: another column whose values show their mark, a ';' delimiter, dd.mm.yyyy
    dates. A column still undecided is asked about (the user's answer: Data page, or `load
    --decimal-mark comma|dot`); the load is held until then."""
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
        given = st.date_orders.get(f"{res.label}::{header}::decimal") or st.date_orders.get("*decimal")
        mark = given or parsing.decimal_mark(profs.get(ci), hint, text_file)
        if mark == "ask":
            ex = profs[ci].grp_examples[:2] if ci in profs else []
            shown_ex = " and ".join(f"'{x}'" for x in ex) or "'1.500'"
            res.ambiguous_decimals.append(header)
            st.add("error", f"holds amounts like {shown_ex} whose dot may be a thousands separator (1,500) or "
                   "a decimal point (1.5), and nothing else in the file tells which; choose the decimal "
                   "mark for this column (Data page, or `load --decimal-mark comma|dot`).", res,
                   column=header, code="ambiguous_decimal")
            mark = "."
        out[ci] = mark
    return out

"""Staging an upload: the import's steps, in order, before anything is written.

`prepare(files)` runs them in a private in-memory DuckDB (the staging state, state.py) and returns
a `Staged`: each sheet's result, the report's findings and one Arrow table per business table.

1. read bytes: readers.py (workbooks parsed in a sandboxed child: sandbox.py, safety.py; CSV
   encodings and structure: encoding.py);
2. detect each sheet's kind and map its headers by name and content: detect.py (recognise.py scores
   kinds and columns; sniff.py profiles the values; fields.py and headers.py are the vocabulary;
   platforms.py what an ad report says about itself);
3. parse values: typed.py types each mapped column with parsing.py's expressions;
4. stage typed tables: build.py, one SELECT per kind into u_<table>;
5. checks: checks.py, rows that are no data, keys, duplicates, values, links between sheets;
6. preview: preview.py, each sheet's reconciliation (rows read = loaded + merged + dropped, by rule),
   the plausibility questions, the headline figures the load will produce;

then load.py writes a Staged in one transaction. Blocking errors stop the load; warnings are shown
and the user decides.
"""

from __future__ import annotations

import pyarrow as pa

from revmachine import config
from revmachine.ingest import build, checks, detect, preview, typed
from revmachine.ingest.fields import KINDS
from revmachine.ingest.state import Context, Finding, SheetResult, Staged, Staging, UploadFile

# the staging state's records, by the names callers have always imported from here
__all__ = ["Context", "Finding", "SheetResult", "Staged", "UploadFile", "prepare"]


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
    st = Staging(ctx, date_orders, config.timezone())
    choices = choices or detect.Choices()
    sheets: list[SheetResult] = []
    headline: dict = {}
    try:
        detect.detect_sheets(st, files, overrides or {}, choices, sheets, progress)
        st.accepted = {res.label: choices.accepted_for(res) for res in sheets}
        if progress:
            progress(0.65, "Typing and checking columns")
        tables = _type_and_check(st, sheets)
        headline = preview.headline(st, tables) if tables else {}
        if not tables and not st.has_errors():
            st.add("error", "nothing to load: no sheet with data was recognised.",
                   file=", ".join(f.name for f in files), code="nothing_to_load")
    finally:
        for res in sheets:
            if res.raw.csv is not None:
                res.raw.csv.release()
        st.close()
    if progress:
        progress(0.8, "Checked")
    return Staged(files, sheets, st.findings, tables, headline)


def _type_and_check(st: Staging, sheets: list[SheetResult]) -> dict[str, pa.Table]:
    """Type the recognised sheets, build and check each kind's rows, and hand over one staged table
    per business table."""
    parts_by_kind: dict[str, list[tuple[SheetResult, str]]] = {}
    for res in sheets:
        if res.kind is None or res.ambiguous or detect.missing_needs(res):
            continue
        t = typed.type_sheet(st, res)
        if t:
            checks.fill_groups(st, res, typed.rows_table(t))
            parts_by_kind.setdefault(res.kind, []).append((res, t))
    tables: dict[str, pa.Table] = {}
    for kind, parts in parts_by_kind.items():
        table = KINDS[kind].table
        _build_kind(st, kind, parts)
        tables[table] = build.arrow(st, table)
        for i, (res, t) in enumerate(parts):
            # unreadable values, only on the rows kept (a totals or repeated header row is no data)
            checks.values(st, res, t, res.typed_fields, kept=f"(select source_row from u_{table} where __part = {i})")
            res.rows_out = st.q(f"select count(*) from u_{table} where __part = {i}")[0][0]
            res.preview = st.con.execute(
                f"select * exclude (__part) from u_{table} where __part = {i} "
                "order by source_row limit 20").df()
            res.preview = res.preview[[c for c in res.preview.columns if not c.startswith("__")]]
    if "stage_history" in parts_by_kind and "deals" not in parts_by_kind:
        n = build.derive_deals(st)
        if n:
            tables["deals"] = build.arrow(st, "deals")
            st.add("info", f"no deals sheet in this upload: {n:,} deals derived from the stage history (each "
                   "deal's stage is its latest row's; won or lost from its outcome row, closed on that row's date; "
                   "created on its first row; the amount from its latest row that has one).",
                   parts_by_kind["stage_history"][0][0], count=n, code="deals_derived")
    preview.reconcile(st, parts_by_kind)
    preview.questions(st, parts_by_kind, sheets)
    if "leads" in parts_by_kind:
        tables.update(_stage_date_rows(st, parts_by_kind["leads"]))
    checks.links(st, tables, sheets)
    checks.currencies(st, tables, sheets)
    if "targets" in tables and "owners" in tables and checks.team_goals(st, parts_by_kind["targets"]):
        tables["targets"] = build.arrow(st, "targets")
    return tables


def _build_kind(st: Staging, kind: str, parts: list[tuple[SheetResult, str]]) -> None:
    """u_<table> for one kind: its sheets' rows (build), then the rows that are no data, without a
    key, the kind's own checks and duplicates (checks)."""
    build.union(st, kind, parts)
    checks.junk_rows(st, kind, parts)
    checks.missing_keys(st, kind, parts)
    checks.BY_KIND.get(kind, lambda st, parts: None)(st, parts)
    checks.dedupe(st, kind, parts)


def _stage_date_rows(st: Staging, parts) -> dict[str, pa.Table]:
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

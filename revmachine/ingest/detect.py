"""Detect each sheet of an upload: its kind with a confidence, and what each of its columns means.

Per sheet: a sample of its rows is profiled (sniff.py); the recogniser proposes a kind and a
mapping (recognise.py); then the columns whose values are another sheet's ids (in this upload or
already loaded) are linked to it whatever their names, and the proposal is made again with those
links. What the user decided wins over what was proposed, in this order: the Data page's mapping
editor (overrides), the command line's --kind / --map and a profile file (Choices), a mapping
remembered for the same headers. A sheet whose kind is not clear is reported as ambiguous with its
candidates and is not loaded until the user picks one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from revmachine import periods
from revmachine.errors import UserError
from revmachine.ingest import recognise, sniff
from revmachine.ingest.fields import KINDS
from revmachine.ingest.headers import normalize
from revmachine.ingest.platforms import platform_of, preamble_range, vendor_date_order
from revmachine.ingest.readers import RawSheet, read_upload
from revmachine.ingest.recognise import OWN_ID
from revmachine.ingest.stages import STANDARD_STAGES
from revmachine.ingest.state import SheetResult, Staging, UploadFile
from revmachine.textsafe import cut_list

# columns of a sheet that are profiled and mapped: weighing every field of every kind for each column
# costs ~4 ms a column, and a sheet of 16,384 columns (a hostile .ods of 1 KB) held the load for minutes
MAX_COLUMNS = 1000
PROFILE_ROWS = sniff.SAMPLE_ROWS
MAX_LISTED = 8  # headers named in a message before '... and N more'

# what each kind's rows need before they can be loaded (anything else only limits the figures)
NEEDS: dict[str, list[tuple[str, ...]]] = {
    "campaigns": [("campaign_name", "campaign_id")],
    "ads": [("period", "period_start", "period_end", "__range"), ("cost", "impressions", "clicks")],
    "spend": [("period", "period_start", "period_end"), ("amount",)],
    "targets": [("period", "period_start", "period_end"), ("revenue_target", "mql_quota")],
    "owners": [("owner", "first_name", "last_name", "owner_id", "email")],
    "accounts": [("company", "account_id")],
    "stage_history": [("record_id", "record_name"), ("stage",), ("entered_at",)],
}

# the plausibility questions a load can stop on, and what answering each means (--accept SHEET:QUESTION)
QUESTIONS = {
    "no_records": "load the sheet although none of its rows becomes a record",
    "no_money": "load the ad or spend sheet with no cost (its spend is unknown)",
    "no_outcomes": "load the deals although none is won or lost",
    "merge_differs": "keep the last of the rows that share an id although their other values differ",
    "drop_rows_with_ids": "drop rows with their own id that look like totals lines",
    "keep_rows_with_ids": "keep rows with their own id that look like totals lines",
}


@dataclass
class Choices:
    """Kinds and columns the user chose outside the Data page: `--kind SHEET=KIND`, `--map
    SHEET:HEADER=FIELD`, `--stage NAME=STAGE` and profile files. SHEET is a file name, a sheet name or
    'file/sheet' (case-insensitive)."""

    kinds: dict[str, str | None] = field(default_factory=dict)
    columns: dict[str, dict[str, str | None]] = field(default_factory=dict)  # sheet -> header -> field
    stages: dict[str, str] = field(default_factory=dict)
    accept: dict[str, set[str]] = field(default_factory=dict)  # sheet -> plausibility questions answered
    profile_sheets: list[dict] = field(default_factory=list)  # entries of loaded profile files

    @staticmethod
    def refs(res: SheetResult) -> set[str]:
        f, s = res.raw.file_name.lower(), (res.raw.sheet_name or "").lower()
        out = {f, res.label.lower(), Path(f).stem}
        if s:
            out |= {s, f"{f}/{s}", f"{f}:{s}", f"{Path(f).stem}/{s}"}
        return out

    def kind_for(self, res: SheetResult) -> tuple[bool, str | None]:
        refs = self.refs(res)
        for ref, kind in self.kinds.items():
            if ref.lower() in refs:
                return True, kind
        return False, None

    def columns_for(self, res: SheetResult) -> dict[str, str | None]:
        refs = self.refs(res)
        out: dict[str, str | None] = {}
        for ref, cols in self.columns.items():
            if ref.lower() in refs or ref == "*":
                out.update(cols)
        return out

    def accepted_for(self, res: SheetResult) -> set[str]:
        refs = self.refs(res)
        return set().union(*(qs for ref, qs in self.accept.items() if ref.lower() in refs or ref == "*"))

    def profile_for(self, res: SheetResult) -> dict | None:
        """The profile entry with the same headers, else one naming the same sheet."""
        for entry in self.profile_sheets:
            if entry.get("signature") == res.signature:
                return entry
        refs = self.refs(res)
        return next((e for e in self.profile_sheets if str(e.get("sheet", "")).lower() in refs), None)

    @classmethod
    def parse(cls, kinds: list[str] = (), maps: list[str] = (), stages: list[str] = (),
              accepts: list[str] = ()) -> Choices:
        """From the command line's --kind SHEET=KIND, --map SHEET:HEADER=FIELD, --stage NAME=STAGE,
        --accept SHEET:QUESTION."""
        out = cls()
        for a in accepts:
            ref, colon, question = a.rpartition(":")
            if not colon or not ref.strip() or question.strip() not in QUESTIONS:
                raise UserError(f"--accept {a!r}: expected SHEET:QUESTION, QUESTION one of {', '.join(QUESTIONS)}.")
            out.accept.setdefault(ref.strip(), set()).add(question.strip())
        for k in kinds:
            ref, eq, kind = k.rpartition("=")
            kind = kind.strip().lower()
            if not eq or not ref.strip():
                raise UserError(f"--kind {k!r}: expected SHEET=KIND, e.g. --kind 'Opportunity.csv=deals'.")
            if kind in {"skip", "none", "ignore"}:
                out.kinds[ref.strip()] = None
                continue
            if kind not in KINDS:
                raise UserError(f"--kind {k!r}: no kind {kind!r}; choose one of: {', '.join(KINDS)}, skip.")
            out.kinds[ref.strip()] = kind
        for m in maps:
            left, eq, fname = m.rpartition("=")
            ref, colon, header = left.partition(":")
            if not eq or not colon or not header.strip():
                raise UserError(f"--map {m!r}: expected SHEET:HEADER=FIELD, e.g. --map 'deals.csv:Value=amount'.")
            fname = fname.strip()
            out.columns.setdefault(ref.strip() or "*", {})[header.strip()] = (
                None if fname.lower() in {"", "ignore", "none", "skip"} else fname)
        for s in stages:
            name, eq, stage = s.rpartition("=")
            if not eq or not name.strip():
                raise UserError(f"--stage {s!r}: expected NAME=STAGE, e.g. --stage 'Gewonnen=won'.")
            out.stages[name.strip()] = stage.strip()
        return out

    def add_profile(self, path: Path) -> None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, ValueError) as exc:
            raise UserError(f"could not be read ({type(exc).__name__}).", file=str(path)) from None
        self.add_profile_text(text, str(path))

    def add_profile_text(self, text: str, name: str) -> None:
        """A profile file's content (detect.profile_document) added to the choices."""
        try:
            data = json.loads(text)
            problem = _profile_problem(data)
        except (ValueError, RecursionError) as exc:  # not JSON, or nested too deep to read
            problem = f"not JSON: {type(exc).__name__}"
        if problem:
            raise UserError(f"is not a Revenue Machine mapping profile ({problem}).", file=name,
                            hint="Download one from the Data page, or `python -m revmachine inspect FILE "
                                 "--save-profile OUT.json`.") from None
        self.profile_sheets.extend(data["sheets"])
        self.stages.update(data.get("stages") or {})


def _profile_problem(data: object) -> str | None:
    """What is wrong with a profile document's shape (profile_document writes it), or None: every
    value the import reads is checked for its type, so a hand-edited file is a message, not a crash."""
    if not isinstance(data, dict) or not isinstance(data.get("sheets"), list):
        return "no list of sheets"
    for i, sh in enumerate(data["sheets"], start=1):
        if not isinstance(sh, dict):
            return f"sheet {i} is not an object"
        for key in ("sheet", "signature", "kind"):
            if sh.get(key) is not None and not isinstance(sh[key], str):
                return f"sheet {i}: {key} is not text"
        kind = sh.get("kind")
        if kind is not None and kind not in KINDS:
            return f"sheet {i}: {cut_list([kind])} is not a kind of sheet"
        cols = sh.get("columns", {})
        if not isinstance(cols, dict) or not all(isinstance(k, str) and (v is None or isinstance(v, str))
                                                 for k, v in cols.items()):
            return f"sheet {i}: columns is not a map of header to field name"
        names = {f.name for f in KINDS[kind].fields} if kind else set()
        bad = [v for v in cols.values() if v is not None and v not in names
               and not v.startswith(("stage:", "period:"))]
        if bad:
            return f"sheet {i}: {cut_list(bad, 3)} is not a field of {kind or 'a skipped sheet'}"
    stages = data.get("stages") or {}
    if not isinstance(stages, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in stages.items()):
        return "stages is not a map of stage name to stage"
    return None


def profile_document(sheets: list[SheetResult], stages: dict[str, str] | None = None) -> dict:
    """A mapping profile: per sheet its headers' signature, kind and {header: field}, to download and
    give back to the Data page or `load --profile`."""
    out = []
    for res in sheets:
        if res.kind is None and not res.mapping:
            continue
        out.append({"sheet": res.label, "signature": res.signature, "kind": res.kind,
                    "columns": {res.raw.headers[i]: f for i, f in sorted(res.mapping.items())}})
    return {"revmachine_profile": 1, "sheets": out, "stages": stages or {}}


def signature(headers: list[str]) -> str:
    """Identifies 'the same headers' for remembered mapping corrections."""
    return hashlib.sha256(json.dumps([normalize(h) for h in headers]).encode()).hexdigest()[:32]


def missing_needs(res: SheetResult) -> list[tuple[str, ...]]:
    if res.kind is None:
        return []
    have = set(res.mapping.values()) | ({"__range"} if res.report_range else set())
    if res.wide_periods:
        have |= {"period", "revenue_target"}
    return [group for group in NEEDS.get(res.kind, []) if not have & set(group)]


def _by_header(res: SheetResult, cols: dict[str, str | None]) -> dict[int, str | None]:
    """{header: field} -> {column index: field}, headers compared as written, then folded."""
    out: dict[int, str | None] = {}
    exact = {h: i for i, h in enumerate(res.raw.headers)}
    folded = {normalize(h): i for i, h in enumerate(res.raw.headers)}
    for h, f in cols.items():
        i = exact.get(h, folded.get(normalize(h)))
        if i is None:
            raise UserError(f"has no column {h!r} (its columns: {_cut(res.raw.headers)}).", file=res.raw.file_name,
                            sheet=res.raw.sheet_name)
        out[i] = f
    return out


def _cut(items: list[str], n: int = MAX_LISTED) -> str:
    return cut_list(items, n, 40)


def _check_fields(res: SheetResult, kind: str, mp: dict[int, str | None]) -> None:
    names = {f.name for f in KINDS[kind].fields}
    for i, f in mp.items():
        if f is not None and f not in names and not f.startswith("stage:"):
            raise UserError(f"column {res.raw.headers[i]!r}: a {kind} sheet has no field {f!r}; its fields: "
                            f"{', '.join(sorted(names))}.", file=res.raw.file_name, sheet=res.raw.sheet_name)


def detect_sheets(st: Staging, files: list[UploadFile], overrides: dict, choices: Choices,
              sheets: list[SheetResult], progress) -> None:
    """Read every file and decide each sheet's kind and column mapping (appended to `sheets`)."""
    ctx = st.ctx
    seen: set[str] = set()
    names_used: set[str] = set()
    samples: dict[int, str] = {}  # sheet -> its sample table
    pending: list[SheetResult] = []
    for fi, f in enumerate(files):
        if progress:
            progress(fi / max(len(files), 1) * 0.5, f"Reading {f.name}")
        if f.sha256 in seen:
            st.add("error", "is the same file as another one in this upload.", file=f.name, code="duplicate_file")
            continue
        seen.add(f.sha256)
        if f.sha256 in ctx.loaded_files:
            bid, at, name = ctx.loaded_files[f.sha256]
            st.add("warning", f"was already loaded as batch {bid} ('{name}', {at[:16]}). Loading it "
                   "again replaces those rows with the same ones.", file=f.name, code="already_loaded")
        # two files of one name (exports from two folders) are two sheets, never one: the second is
        # named 'leads (2).csv' in the report, on the Data page and in --kind / --map
        name = _unique(f.name, names_used)
        try:
            raws = read_upload(name, f.data)
        except UserError as exc:
            st.add("error", exc.message + (f" {exc.hint}" if exc.hint else ""), file=f.name,
                   sheet=exc.sheet, row=exc.row, code="unreadable")
            continue
        sheet_names: set[str] = set()
        for raw in raws:
            if raw.sheet_name is not None:  # a workbook with two sheets of one name (a sheet name differing only in case)
                raw.sheet_name = _unique(raw.sheet_name, sheet_names, is_file=False)
            for note in raw.notes if raw.headers else ():  # the encoding it was read in
                st.add("warning", note, file=raw.file_name, sheet=raw.sheet_name, code="encoding")
            res = SheetResult(raw, None, {}, signature(raw.headers), "proposed")
            res.report_range = preamble_range(raw.preamble) if raw.preamble else None
            if res.report_range is None and raw.preamble:
                _named_range(st, res)
            sheets.append(res)
            if not raw.headers:
                st.add("info", "is empty; skipped.", res, code="empty_sheet")
                continue
            if raw.hidden and not choices.kind_for(res)[0] and raw.label not in overrides:
                st.add("info", "is a hidden sheet (the workbook hides it; Dynamics 365 keeps its export "
                       "metadata in one); skipped. Choose its kind to load it.", res, code="hidden_sheet")
                continue
            samples[id(res)] = _sample(st, raw)
            res.profiles = sniff.profile_table(st.con, samples[id(res)], min(len(raw.headers), MAX_COLUMNS))
            if len(raw.headers) > MAX_COLUMNS:
                st.add("warning", f"has {len(raw.headers):,} columns: only the first {MAX_COLUMNS:,} are read (an "
                       "export's named columns come first; a sheet this wide is seldom CRM data).", res,
                       row=raw.header_row, code="too_many_columns")
            pending.append(res)
    if progress:
        progress(0.55, "Recognising sheets and columns")
    for res in pending:
        _decide(st, res, overrides, choices, links={})
    # columns whose values are the ids of another sheet (of this upload or already loaded)
    link_map = _links(st, pending)
    for res in pending:
        if link_map.get(id(res)) and res.source == "proposed":
            _decide(st, res, overrides, choices, links=link_map[id(res)])
    for res in pending:
        if res.source == "proposed":
            _history_shape(st, res, samples[id(res)], link_map.get(id(res), {}))
    _date_orders(st, pending)
    for res in pending:
        _report(st, res)


def _named_range(st: Staging, res: SheetResult) -> None:
    """A range line that names its range instead of giving dates ('Last 30 days', 'Letzte 7 Tage', 'All
    time'): resolved against the day the report was made when a line above the header says it
    ('Date Generated: ...'), and said in the report; otherwise (and always for 'All time', whose first
    day no line gives) the user's answer is used, or asked for (`load --range SHEET=START..END`)."""
    import datetime as dt

    from revmachine.ingest import locales

    named = locales.named_range(res.raw.preamble)
    if named is None:
        return
    kind, phrase = named
    for ref in Choices.refs(res):
        given = st.date_orders.get(f"{ref}::__range")
        if given:
            a, _, b = given.partition("..")
            res.report_range = (dt.date.fromisoformat(a), dt.date.fromisoformat(b))
            st.add("info", f"the range above its header says '{phrase}': read as {a} to {b}, as you chose.", res,
                   code="named_range")
            return
    day = locales.report_day(res.raw.preamble)
    rng = locales.resolve_named(kind, phrase, day) if day else None
    if rng:
        res.report_range = rng
        st.add("info", f"the range above its header says '{phrase}': read as {rng[0].isoformat()} to "
               f"{rng[1].isoformat()}, counted back from the day the report was made ({day.isoformat()}).", res,
               code="named_range")
        return
    res.range_question = phrase


def _history_shape(st: Staging, res: SheetResult, sample: str, links: dict) -> None:
    """A sheet where one key repeats with a stage and a date on each row is a stage history, with or
    without ids (the deal named by its company or name), whatever kind its headers suggest: each key's
    rows hold different stages, and a key with a stage is (nearly) never written twice."""
    if res.kind not in {"deals", "leads"} and not (res.ambiguous and any(k == "stage_history" for k, _ in res.candidates)):
        return
    by = {f: i for i, f in res.mapping.items()}
    if res.kind in {"deals", "leads"} and recognise.OWN_ID[res.kind] in by:
        col_id = by[recognise.OWN_ID[res.kind]]
        if col_id < len(res.profiles) and res.profiles[col_id].unique:
            return  # the sheet's own ids are unique: one row per record
    stage = by.get("current_stage", by.get("stage"))
    key = next((by[f] for f in ("deal_id", "lead_id", "record_id", "deal_name", "company", "record_name")
                if f in by), None)
    # a date on each row, read or not by the kind the headers suggest ('Date' names no deal date)
    dates = [p.index for p in res.profiles if p.n and p.date >= 0.8]
    if stage is None or key is None or not dates:
        return
    r = st.q(f"""
        with s as (select trim(c{key}) as k, trim(c{stage}) as v from {sample}
                   where nullif(trim(c{key}), '') is not null and nullif(trim(c{stage}), '') is not null),
        g as (select k, count(*) as n, count(distinct v) as nv from s group by k)
        select (select count(*) from s), sum(n) filter (where n >= 2), count(*) filter (where n >= 2),
               avg(nv) filter (where n >= 2), (select count(*) from (select distinct k, v from s))
        from g""")[0]
    rows, in_repeated, keys, stages_per_key, pairs = r
    if not rows or rows < 6 or not keys or keys < 2:
        return
    if in_repeated < 0.6 * rows or (stages_per_key or 0) < 2 or pairs < 0.95 * rows:
        return
    hint = f"{res.raw.sheet_name or ''} {res.raw.file_name}"
    p = recognise.propose(res.raw.headers, res.profiles, hint, links, kind="stage_history")
    if not {"stage", "entered_at"} <= set(p.mapping.values()) or not {"record_id", "record_name"} & set(p.mapping.values()):
        return
    was = KINDS[res.kind].label if res.kind and not res.ambiguous else "ambiguous"
    res.kind, res.mapping, res.decisions = "stage_history", p.mapping, p.decisions
    res.ambiguous, res.confidence = False, max(res.confidence, 0.8)
    st.add("info", f"one key ('{res.raw.headers[key]}') repeats with a different stage and a date on each row: read "
           f"as a stage history (record, stage, when), not as {was}.", res, code="history_shape")


def _unique(name: str, used: set[str], is_file: bool = True) -> str:
    """The name, or 'name (2).ext' when the upload already has one of that name (case-insensitive)."""
    suffix = Path(name).suffix if is_file else ""
    stem, ext = (name[: -len(suffix)], suffix) if suffix else (name, "")
    out, n = name, 1
    while out.lower() in used:
        n += 1
        out = f"{stem} ({n}){ext}"
    used.add(out.lower())
    return out


def _sample(st: Staging, raw: RawSheet) -> str:
    """Table sample_<n>: the first rows of a sheet as text (for the column profiles), its first
    MAX_COLUMNS columns."""
    name = st.new_name("sample")
    n = min(len(raw.headers), MAX_COLUMNS)
    if raw.csv is not None:
        for attempt in range(2):
            q, params = raw.csv.select(parallel=False, lenient=True,
                                       columns=list(range(n)) if raw.csv.ncols > MAX_COLUMNS else None)
            try:
                st.con.execute(f"create or replace table {name} as select * from ({q}) "
                               f"limit {PROFILE_ROWS}", params)
                break
            except duckdb.Error:
                if attempt == 0 and raw.csv.transcode():
                    continue
                # no sample (the load's strict read reports what is wrong with the file, by row)
                cols = ", ".join(f"cast(null as varchar) as c{i}" for i in range(min(raw.csv.ncols, n)))
                st.con.execute(f"create or replace table {name} as select {cols} limit 0")
                break
    else:
        have = set(raw.table.column_names)
        st.con.register(f"{name}__src", raw.table.slice(0, PROFILE_ROWS).select(
            [f"c{i}" for i in range(n) if f"c{i}" in have] + ["source_row"]))
        st.con.execute(f"create table {name} as select * exclude (source_row) from {name}__src")
        st.con.unregister(f"{name}__src")
    return name


def _decide(st: Staging, res: SheetResult, overrides: dict, choices: Choices, links: dict) -> None:
    raw = res.raw
    hint = f"{raw.sheet_name or ''} {raw.file_name}"
    forced, kind = choices.kind_for(res)
    cols = choices.columns_for(res)
    prof = choices.profile_for(res)
    if raw.label in overrides:  # the Data page's editor: the whole mapping as the user left it
        kind, mp = overrides[raw.label]
        res.kind, res.mapping, res.source = kind, dict(mp), "corrected"
        res.decisions = [recognise.Decision(i, h, mp.get(i), "yours" if i in mp else "ignored", 1.0,
                                            "chosen on the Data page" if i in mp else "")
                         for i, h in enumerate(raw.headers)]
        res.confidence, res.ambiguous = 1.0, False
        return
    fixed: dict[int, str | None] = {}
    how = "proposed"
    if prof is not None and not forced:
        forced, kind = True, prof.get("kind")
        fixed.update(_by_header(res, prof.get("columns") or {}))
        fixed.update({i: None for i in range(len(raw.headers)) if i not in fixed})
        how = "profile"
    elif res.signature in st.ctx.remembered and not forced and not cols:
        kind, mp = st.ctx.remembered[res.signature]
        forced = True
        fixed = {i: mp.get(i) for i in range(len(raw.headers))}
        how = "remembered"
    if cols:
        fixed.update(_by_header(res, cols))
        how = "corrected"
    if forced and kind is None:
        res.kind, res.mapping, res.source = None, {}, how if how != "proposed" else "corrected"
        res.decisions = [recognise.Decision(i, h, None, "ignored") for i, h in enumerate(raw.headers)]
        return
    wide = _wide_periods(st, res)
    if wide and not forced and how == "proposed":
        # a targets sheet laid out wide: one column per period ('Q1 2026', 'Q2 2026', ...)
        res.wide_periods = wide
        forced, kind = True, "targets"
        fixed.update({i: f"period:{i}" for i in wide})
    if kind is not None:
        _check_fields(res, kind, {i: f for i, f in fixed.items() if not (f or "").startswith("period:")})
    shown = raw.headers[:len(res.profiles)]  # the columns profiled (MAX_COLUMNS at most)
    p = recognise.propose(shown, res.profiles, hint, links, kind=kind if forced else None,
                          fixed={i: f for i, f in fixed.items() if i < len(shown)})
    p.decisions += [recognise.Decision(i, h, None, "ignored", 0.0, "past the columns read")
                    for i, h in enumerate(raw.headers) if i >= len(shown)]
    if forced and how == "proposed" and not res.wide_periods:
        how = "corrected"
    for i in res.wide_periods:
        p.decisions[i].how, p.decisions[i].evidence = "name", (
            f"the header '{raw.headers[i]}' is a period: each of its cells is that period's target")
    res.kind, res.mapping, res.source = p.kind, p.mapping, how
    res.confidence, res.candidates, res.ambiguous = p.confidence, p.candidates, p.ambiguous and not forced
    res.decisions = p.decisions
    for d in res.decisions:
        if how in {"remembered", "profile"} and d.how == "yours":
            d.how = how
    if p.kind == "leads":
        _extra_stage_columns(st, res)
    if p.kind == "deals":
        from revmachine.ingest.history import map_entered_columns

        map_entered_columns(res)


def _wide_periods(st: Staging, res: SheetResult) -> dict[int, tuple]:
    """Columns whose headers are periods ('Q1 2026', '2026-Q2', 'Jan 2026', 'FY2026') and whose cells are
    amounts: a targets sheet laid out wide. Totals columns ('FY2026 Total') are not periods."""
    out = {}
    for i, h in enumerate(res.raw.headers):
        text = re.sub(r"(?i)\bquarter\s*(\d)", r"Q\1", h).strip()
        if re.search(r"(?i)total|sum|ytd|\bfy\b.*\btotal", text) or i >= len(res.profiles):
            continue
        p = res.profiles[i]
        if p.n == 0 or max(p.money, p.number) < 0.5:
            continue
        try:
            per = periods.parse(text, st.ctx.fy_start)
        except ValueError:
            continue
        if per.grain in {"month", "quarter", "year"}:
            out[i] = (per.start, per.end - dt.timedelta(days=1))
    return out if len(out) >= 2 else {}


def _extra_stage_columns(st: Staging, res: SheetResult) -> None:
    """'Demo Date' -> 'stage:demo' for a configured stage with no fixed column of its own."""
    extra = {k: lbl for k, lbl in st.ctx.stages if k not in STANDARD_STAGES}
    for i, h in enumerate(res.raw.headers):
        if i in res.mapping:
            continue
        n = normalize(h)
        for key, label in extra.items():
            bases = {normalize(key), normalize(label)}
            if any(n in {f"{b} date", f"{b} at", f"date {b}", f"{b} entered date"} for b in bases):
                res.mapping[i] = f"stage:{key}"
                res.decisions[i] = recognise.Decision(i, h, f"stage:{key}", "name", 0.8,
                                                      f"the header names the date of the '{label}' stage")


def _links(st: Staging, sheets: list[SheetResult]) -> dict[int, dict[int, recognise.Link]]:
    """Per sheet, {column: Link} for its id-like columns whose sampled values are (nearly) all ids of
    another sheet of the upload, or of the loaded leads / deals."""
    targets: list[tuple[str, str, set[str]]] = []  # (kind, label, ids)
    for res in sheets:
        if res.kind not in OWN_ID or res.ambiguous:
            continue
        own = next((i for i, f in res.mapping.items() if f == OWN_ID[res.kind]), None)
        if own is None:
            continue
        # a sheet whose 'own id' repeats is no table of those records (a history of the opportunities, a
        # program's members): its ids are no target, so a sheet beside it keeps the kind it has alone
        prof = res.profiles[own] if own < len(res.profiles) else None
        if prof is not None and prof.n >= 4 and prof.distinct < 0.95 * prof.n:
            continue
        ids = _column_values(st, res, own)
        if ids:
            targets.append((res.kind, res.label, ids))
    for kind, tbl in (("leads", st.ctx.lead_ids), ("deals", st.ctx.deal_ids)):
        if tbl is not None and tbl.num_rows:
            targets.append((kind, "the loaded " + kind, {str(x) for x in tbl.column(0).to_pylist() if x}))
    out: dict[int, dict[int, recognise.Link]] = {}
    if not targets:
        return out
    for res in sheets:
        for p in res.profiles:
            if p.n < 3 or p.idlike + p.integer < 0.8:
                continue
            sample = None
            for kind, label, ids in targets:
                if label == res.label:
                    continue
                sample = sample if sample is not None else _column_values(st, res, p.index)
                if not sample:
                    break
                share = len(sample & ids) / len(sample)
                if share >= 0.9:
                    out.setdefault(id(res), {})[p.index] = recognise.Link(
                        kind, f"{share * 100:.0f}% of its values are ids of {label} ({KINDS[kind].label})",
                        len(ids) >= 1.2 * len(sample), p.distinct < 0.9 * p.n)
                    break
    return out


def _column_values(st: Staging, res: SheetResult, index: int, limit: int = 20000) -> set[str]:
    """Distinct non-blank values of one column of a sheet (its sample for a CSV, the whole column of a
    workbook sheet), for link detection."""
    name = f"sample_vals_{index}"
    if res.raw.csv is not None:
        q, params = res.raw.csv.select(parallel=False, columns=[index], lenient=True)
        try:
            rows = st.q(f"select distinct trim(c{index}) from ({q}) where trim(c{index}) <> '' limit {limit}",
                        params)
        except duckdb.Error:  # a file DuckDB refuses: the load's strict read reports it, by row
            return set()
    else:
        st.con.register(name, res.raw.table.select([f"c{index}"]))
        rows = st.q(f"select distinct trim(c{index}) from {name} where trim(c{index}) <> '' limit {limit}")
        st.con.unregister(name)
    return {r[0] for r in rows}


def _date_orders(st: Staging, sheets: list[SheetResult]) -> None:
    """The day/month order each sheet's numeric dates follow, and the upload's, from the columns that
    show it (a 31/01 or a 01/31 somewhere): an export writes all its dates one way, so a date column
    that cannot tell on its own (only days up to 12) follows its sheet, else the upload."""
    def order(profiles) -> str | None:
        d = sum(p.day_first for p in profiles)
        m = sum(p.month_first for p in profiles)
        return "dmy" if d and not m else "mdy" if m and not d else None

    all_dates = []
    for res in sheets:
        if res.kind is None:
            continue
        dates = [res.profiles[i] for i, f in res.mapping.items()
                 if i < len(res.profiles) and res.field_type(f) in {"timestamp", "date"}]
        all_dates += dates
        o = order(dates)
        if o is None and res.kind == "ads" and vendor_date_order(res.raw):
            o = vendor_date_order(res.raw)
            st.vendor_orders[res.label] = platform_of(res.raw)
        if o:
            st.sheet_orders[res.label] = o
    st.upload_order = order(all_dates)


def _report(st: Staging, res: SheetResult) -> None:
    raw = res.raw
    res.ignored_columns = [h for ci, h in enumerate(raw.headers) if ci not in res.mapping
                           and not h.startswith("column_")]
    if res.kind is None:
        if res.source in {"corrected", "profile", "remembered"}:
            st.add("info", "skipped, as chosen.", res, code="skipped")
            return
        cands = " or ".join(KINDS[k].label for k, _c in res.candidates[:2])
        st.add("warning", "was not recognised as any kind of sheet the app reads "
               f"(columns: {_cut(raw.headers)})"
               f"{'; closest, on too little evidence: ' + cands if cands else ''}; skipped. "
               f"Choose its kind on the Data page, or pass `--kind '{raw.label}=KIND'`.", res,
               row=raw.header_row, code="unrecognised")
        return
    if res.ambiguous:
        cands = " or ".join(f"{KINDS[k].label} ({c * 100:.0f}%)" for k, c in res.candidates[:3])
        st.add("error", f"could be {cands}: its columns do not settle which. Choose its kind on the Data page, "
               f"or pass `--kind '{raw.label}={res.candidates[0][0]}'` (or another kind).", res,
               row=raw.header_row, code="ambiguous_kind")
        return
    kind = KINDS[res.kind]
    for group in missing_needs(res):
        if "__range" in group and res.range_question:
            why = ("its first day is in no line of the file" if "all" in res.range_question.lower() or
                   not any(c.isdigit() for c in res.range_question) else "no line says the day the report was made")
            st.add("error", f"has no date column, and the range above its header says '{res.range_question}': "
                   f"{why}, so its spend cannot be placed in time. Give the dates it covers (Data page, or "
                   f"`load --range '{raw.label}=YYYY-MM-DD..YYYY-MM-DD'`).", res, row=raw.header_row,
                   code="named_range_unresolved")
            continue
        names = " or ".join(kind.field(g).label for g in group if not g.startswith("__"))
        extra = " (or a date range above the header)" if "__range" in group else ""
        st.add("error", f"looks like a {kind.label} sheet but has no {names} column{extra}. Map one on the "
               f"Data page, or pass `--map '{raw.label}:HEADER={group[0]}'`.", res, row=raw.header_row,
               code="missing_column")

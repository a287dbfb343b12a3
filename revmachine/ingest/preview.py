"""What a load will do, shown before it commits: each sheet's reconciliation, the plausibility
questions, and the headline figures the load will produce.

* Reconciliation: for every sheet, rows read = rows loaded + rows merged + rows dropped, each merged
  or dropped row under the rule that took it (the staging's ledger, state.py), named by row number. A
  row that left the load under no recorded rule is counted too (`not_built`: e.g. a change log's rows
  that change no stage, a period that is not understood), so the sum always holds.
* Plausibility questions: a result that cannot be right is a blocking finding that names the rows and
  the choice (Data page control, or `--accept 'SHEET:QUESTION'`), never a silent load: a sheet with
  data rows that yields no record; an ad report with no money column; a deals sheet whose outcome
  column holds won/lost words but yields no won and no lost deal. (Checks.py asks the others where they
  arise: rows sharing an id whose other values differ, rows with their own id that a rule would drop.)
* Headline figures: records per kind, won and lost deals, won revenue and open pipeline per currency,
  spend per platform (ads) or function (spend) and currency, the date span of each kind.
"""

from __future__ import annotations

from revmachine.ingest import stages
from revmachine.ingest.fields import KINDS
from revmachine.ingest.state import SheetResult, Staged, Staging

ROWS_NAMED = 20  # row numbers kept per rule

# what each rule did to a row, as the report says it
RULES = {
    "total_rows": "a totals or subtotals line",
    "footer_rows": "a footer line of the export",
    "summary_rows": "a summary line (figures, no name)",
    "group_rows": "a group heading",
    "section_rows": "a section heading (a single label)",
    "header_rows": "a repeated header row",
    "trailer_rows": "below the data (the export's closing block)",
    "nested_rows": "a row of a table nested under the records (subitems)",
    "missing_id": "no id (or no period) to load it under",
    "no_target": "sets no revenue target or MQL quota",
    "duplicate_id": "the same id as a later row (the later one is kept)",
    "segments_added": "the same campaign and day as another row (added together)",
    "not_built": "not a record of this kind (e.g. a change log's other fields, a period not understood)",
}

# the date that spans each kind's rows
SPANS = {"leads": ("created_at",), "deals": ("created_at", "closed_at"), "ad_spend": ("period_start", "period_end"),
         "spend": ("period_start", "period_end"), "targets": ("period_start", "period_end"),
         "activities": ("occurred_at",), "stage_history": ("entered_at",), "campaigns": ("start_date", "end_date")}


def reconcile(st: Staging, parts_by_kind: dict[str, list[tuple[SheetResult, str]]]) -> None:
    """Each staged sheet's reconciliation (SheetResult.reconciliation); an info finding when rows left
    the load under a rule no check recorded."""
    for kind, parts in parts_by_kind.items():
        table = KINDS[kind].table
        for i, (res, t) in enumerate(parts):
            loaded = st.q(f"select count(distinct source_row) from u_{table} where __part = {i}")[0][0]
            rules = [{"rule": r, "how": how, "count": n, "rows": list(rows or []), "what": RULES.get(r, r)}
                     for r, how, n, rows in st.q(
                         f"select rule, how, count(*), list(source_row order by source_row)[1:{ROWS_NAMED}] "
                         "from ledger where tbl = $t and part = $p group by rule, how order by min(source_row)",
                         {"t": table, "p": i})]
            n, rows = st.q(f"""
                select count(*), list(source_row order by source_row)[1:{ROWS_NAMED}] from (
                    select source_row from {t}
                    except select source_row from u_{table} where __part = {i}
                    except select source_row from ledger where tbl = $t and part = {i})""", {"t": table})[0]
            if n:
                rules.append({"rule": "not_built", "how": "dropped", "count": n, "rows": list(rows),
                              "what": RULES["not_built"]})
                st.add("info", f"{n} row(s) are not {KINDS[kind].label} records (rows {st.rows_sample(rows)}) "
                       "and are not loaded.", res, row=rows[0], count=n, code="not_built")
            res.reconciliation = {"read": res.rows_in, "loaded": loaded,
                                  "merged": sum(r["count"] for r in rules if r["how"] == "merged"),
                                  "dropped": sum(r["count"] for r in rules if r["how"] == "dropped"),
                                  "rules": rules}


def questions(st: Staging, parts_by_kind: dict[str, list[tuple[SheetResult, str]]],
              sheets: list[SheetResult]) -> None:
    """The plausibility questions this module asks (see the module's docstring)."""
    for kind, parts in parts_by_kind.items():
        table = KINDS[kind].table
        for i, (res, _t) in enumerate(parts):
            rec = res.reconciliation or {}
            if rec.get("read") and not rec.get("loaded") and not st.accepts(res, "no_records"):
                why = "; ".join(f"{r['count']} {r['what']}" for r in rec.get("rules", []))
                st.add("error", f"has {rec['read']:,} data row(s) but none of them becomes a record ({why}). "
                       "Check its kind and columns (Data page, `--kind`, `--map`); to load it as it is, pass "
                       f"`--accept '{res.label}:no_records'`.", res, count=rec["read"], code="question:no_records")
            if kind == "ads" and "cost" not in res.mapping.values() and not st.accepts(res, "no_money"):
                st.add("error", "is an ad report with no cost column: its spend would be unknown. Map its money "
                       f"column (Data page, or `--map '{res.label}:HEADER=cost'`); to load it without cost, pass "
                       f"`--accept '{res.label}:no_money'`.", res, row=res.raw.header_row,
                       code="question:no_money")
            if kind == "deals":
                _no_outcomes(st, res, i, table)


def _no_outcomes(st: Staging, res: SheetResult, i: int, table: str) -> None:
    """A deals sheet whose stage or status column holds won / lost words but yields no won and no lost deal."""
    if st.accepts(res, "no_outcomes"):
        return
    words: list[str] = []
    for ci, f in res.mapping.items():
        if f in {"current_stage", "status"} and ci < len(res.profiles):
            for v in res.profiles[ci].stage_values:
                k = stages.stage_key(v)
                if stages.STAGE_SYNONYMS.get(k) in {"won", "exit:lost"} or stages.STATUS_WORDS.get(k) in {"won", "lost"}:
                    words.append(v)
    if not words:
        return
    won, lost = st.q(f"select count(*) filter (where is_won), count(*) filter (where is_lost) from u_{table} "
                     f"where __part = {i}")[0]
    if won or lost:
        return
    st.add("error", f"has outcome words in its columns ({', '.join(repr(w) for w in words[:4])}) but yields no won "
           "and no lost deal: the outcome is read from another column. Map the column that says won or lost (Data "
           f"page, or `--map '{res.label}:HEADER=current_stage'`); to load every deal as open, pass "
           f"`--accept '{res.label}:no_outcomes'`.", res, code="question:no_outcomes")


def headline(st: Staging, tables: dict) -> dict:
    """The figures the load will produce, from the staged rows (this upload's, before any append)."""
    out: dict = {"records": {t: a.num_rows for t, a in tables.items() if t != "lead_stage_dates"}}
    if "deals" in tables:
        won, lost, open_, undated, no_amount = st.q("""
            select count(*) filter (where is_won), count(*) filter (where is_lost),
                   count(*) filter (where not is_won and not is_lost),
                   count(*) filter (where (is_won or is_lost) and closed_at is null),
                   count(*) filter (where is_won and amount is null)
            from u_deals""")[0]
        out["deals"] = {
            "won": won, "lost": lost, "open": open_, "closed_without_date": undated, "won_without_amount": no_amount,
            "won_revenue": _money(st, "amount", "u_deals", "is_won"),
            "open_pipeline": _money(st, "amount", "u_deals", "not is_won and not is_lost"),
        }
    if "ad_spend" in tables:
        out["ad_spend"] = [{"platform": p, "currency": c, "cost": _num(v), "impressions": im, "clicks": cl}
                           for p, c, v, im, cl in st.q(
                               "select platform, currency, sum(cost), sum(impressions), sum(clicks) from u_ad_spend "
                               "group by all order by all")]
    if "spend" in tables:
        out["spend"] = [{"function": f, "currency": c, "amount": _num(v)} for f, c, v in st.q(
            "select function, currency, sum(amount) from u_spend group by all order by all")]
    spans = {}
    for table, cols in SPANS.items():
        if table not in tables:
            continue
        have = [c for c in cols if c in st.columns_of(f"u_{table}")]
        if have:
            lo, hi = st.q(f"select least({', '.join(f'min({c})' for c in have)}), "
                          f"greatest({', '.join(f'max({c})' for c in have)}) from u_{table}")[0]
            spans[table] = [str(lo)[:10] if lo else None, str(hi)[:10] if hi else None]
    out["spans"] = spans
    return out


def _money(st: Staging, col: str, table: str, where: str) -> dict[str, float]:
    return {(c or "(no currency)"): _num(v) for c, v in st.q(
        f"select currency, sum({col}) from {table} where {where} and {col} is not null group by 1 order by 1")}


def _num(v) -> float | None:
    return None if v is None else float(v)


def _money_text(m: dict[str, float]) -> str:
    return ", ".join(f"{c} {v:,.2f}" for c, v in m.items()) or "none"


def reconciliation_lines(staged: Staged) -> list[str]:
    """Per sheet: 'rows read = loaded + merged + dropped', then each rule with its rows."""
    lines = []
    for res in staged.sheets:
        rec = res.reconciliation
        if not rec:
            continue
        lines.append(f"{res.label}: {rec['read']:,} rows read = {rec['loaded']:,} loaded + {rec['merged']:,} merged "
                     f"+ {rec['dropped']:,} dropped")
        for r in rec["rules"]:
            shown = ", ".join(str(x) for x in r["rows"][:8]) + (", ..." if r["count"] > 8 else "")
            lines.append(f"  {r['how']} {r['count']:,}: {r['what']} ({r['rule']}; rows {shown})")
    return lines


def headline_lines(staged: Staged) -> list[str]:
    h = staged.headline or {}
    lines = []
    if h.get("records"):
        lines.append("Records: " + ", ".join(f"{t} {n:,}" for t, n in h["records"].items()))
    d = h.get("deals")
    if d:
        lines.append(f"Deals: {d['won']:,} won, {d['lost']:,} lost, {d['open']:,} open; won revenue "
                     f"{_money_text(d['won_revenue'])}; open pipeline {_money_text(d['open_pipeline'])}"
                     + (f"; {d['won_without_amount']:,} won without an amount" if d["won_without_amount"] else "")
                     + (f"; {d['closed_without_date']:,} won or lost without a close date"
                        if d["closed_without_date"] else ""))
    for a in h.get("ad_spend", []):
        cost = "no cost" if a["cost"] is None else f"{a['currency'] or '(no currency)'} {a['cost']:,.2f}"
        lines.append(f"Ad spend: {a['platform'] or '(platform not named)'}: {cost}, "
                     f"{a['impressions'] or 0:,} impressions, {a['clicks'] or 0:,} clicks")
    for s in h.get("spend", []):
        lines.append(f"Spend: {s['function'] or '(no function)'}: {s['currency'] or '(no currency)'} "
                     f"{(s['amount'] or 0):,.2f}")
    for t, (lo, hi) in (h.get("spans") or {}).items():
        lines.append(f"Dates of {t}: {lo or '-'} to {hi or '-'}")
    return lines

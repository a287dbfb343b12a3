"""Exports: xlsx via openpyxl and csv, with spreadsheet formula injection neutralised."""

from __future__ import annotations

import re
from typing import IO, Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
# control characters a spreadsheet cell cannot hold (openpyxl refuses them: IllegalCharacterError)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# a separator Excel may split a CSV line at (its list separator is ';' in much of Europe), followed by
# what would start a formula in the cell it opens
_SPLIT_FORMULA = re.compile(r"([,;\t|\r\n])(?=[=+\-@])")


def visible(text: str) -> str:
    """Control characters from the data as visible escapes ('Camp\\x07aign'): any cell can hold them."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def neutralise(value: Any) -> Any:
    """Text starting with = + - @ (or tab/CR) gets a leading apostrophe so it is never a formula;
    control characters become visible escapes."""
    if isinstance(value, str):
        value = visible(value)
        if value.startswith(DANGEROUS):
            return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def csv_cell(value: Any) -> Any:
    """A CSV text cell: neutralised at its start and after every separator inside it (Excel with
    another list separator would make `x;=cmd|...` two cells, the second a formula)."""
    value = neutralise(value)
    return _SPLIT_FORMULA.sub(r"\1'", value) if isinstance(value, str) else value


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The frame as CSV: every text cell quoted and neutralised (csv_cell), numbers as numbers; the
    header (our column names) quoted only where it needs it, as any CSV reader expects."""
    import csv
    import io

    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(csv_cell)
    head = io.StringIO()
    csv.writer(head, lineterminator="\n").writerow([csv_cell(str(c)) for c in out.columns])
    body = out.to_csv(index=False, header=False, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    return (head.getvalue() + body).encode("utf-8")


def sheet_title(title: object, taken: list[str] | tuple[str, ...] = ()) -> str:
    """A valid Excel sheet name for a title from the data (a territory, a campaign): no []:*?/\\ or
    control characters, no apostrophe first or last, at most 31 characters, not the reserved
    'History', and not one of `taken` (compared as Excel does, ignoring case: a suffix " (2)"...)."""
    t = re.sub(r"[\[\]:*?/\\\x00-\x1f\x7f]", "_", str(title)).strip()
    t = t.strip("'").strip() or "Sheet"
    if t.casefold() == "history":
        t = "History_"
    t = t[:31].rstrip("'") or "Sheet"
    used = {x.casefold() for x in taken}
    base, n = t, 1
    while t.casefold() in used:
        n += 1
        suffix = f" ({n})"
        t = base[: 31 - len(suffix)].rstrip("'") + suffix
    return t


def write_sheet(wb: Workbook, title: str, df: pd.DataFrame):
    """A sheet of the frame, its title made a valid Excel sheet name (sheet_title)."""
    ws = wb.create_sheet(sheet_title(title, wb.sheetnames))
    safe = safe_frame(df)
    ws.append(list(safe.columns))
    for c in ws[1]:
        c.font = Font(bold=True)
    for row in safe.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and pd.isna(v)) or v is pd.NaT else v for v in row])
    for i, col in enumerate(safe.columns, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(12, min(60, len(str(col)) + 4))
    return ws


def scorecard_frame(card: dict[str, Any]) -> pd.DataFrame:
    from revmachine import metrics

    rows = []
    for r in card["rows"]:
        m = metrics.BY_ID[r.metric]
        rows.append({"metric": r.metric, "label": m.label, "segment": r.segment, "value": r.value,
                     "previous": r.previous, "change": r.change, "yoy": r.yoy, "owner": r.owner,
                     "unit": r.unit, "on_target": r.on_target, "note": r.note, "definition": m.definition})
    return pd.DataFrame(rows)


def scorecard_xlsx(card: dict[str, Any], out: IO[bytes]) -> None:
    wb = Workbook()
    info = wb.active
    info.title = "About"
    for row in (["Revenue Machine scorecard"], ["Period", card["period"]],
                ["Compared with", f"{card['previous_period']} (previous), {card['year_ago_period']} (year ago)"],
                ["Filters", card["filters"]],
                ["Units", "pct values are fractions (0.25 = 25%); change of pct metrics is in points, "
                          "of the others relative (0.10 = +10%)"]):
        info.append([neutralise(v) for v in row])
    info["A1"].font = Font(bold=True, size=14)
    write_sheet(wb, "Scorecard", scorecard_frame(card))
    wb.save(out)


def frames_xlsx(frames: dict[str, pd.DataFrame], out: IO[bytes]) -> None:
    """One sheet per frame, formula injection neutralised."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, df in frames.items():
        write_sheet(wb, title, df)
    wb.save(out)


def plan_xlsx(plan: dict[str, Any], inputs: dict[str, Any], out: IO[bytes]) -> None:
    """The plan for the joint planning session: a summary, one sheet per territory (the waterfall
    with the rates and their sources), and the assumptions."""
    wb = Workbook()
    info = wb.active
    info.title = "About"
    for row in (["Revenue Machine plan"], ["Period", plan["period"]],
                ["Rates from", f"trailing actuals {inputs['window'][0]} to {inputs['window'][1]} (territory, "
                               "else company-wide, else benchmark), unless overridden"],
                ["Needed", "each stage rounds up what the next stage needs divided by its conversion rate"],
                ["Enter by", "the period start, shifted back by the median days each later step takes"]):
        info.append([neutralise(v) for v in row])
    info["A1"].font = Font(bold=True, size=14)
    write_sheet(wb, "Summary", pd.DataFrame(plan["summary"]))
    rows = pd.DataFrame(plan["rows"])
    for t, ti in inputs["territories"].items():
        d = rows[rows.territory == t].drop(columns=["territory"])
        ws = write_sheet(wb, t, d)
        ws.append([])
        for k in ("target", "target_source", "deal_size", "deal_source", "marketing_share", "reps",
                  "won_per_rep_per_quarter", "leads_per_quarter"):
            ws.append([neutralise(k), neutralise(ti.get(k))])
    wb.save(out)

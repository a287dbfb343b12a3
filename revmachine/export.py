"""Exports: xlsx via openpyxl and csv, with spreadsheet formula injection neutralised."""

from __future__ import annotations

from typing import IO, Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Text starting with = + - @ (or tab/CR) gets a leading apostrophe so it is never a formula."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    return safe_frame(df).to_csv(index=False).encode("utf-8")


def write_sheet(wb: Workbook, title: str, df: pd.DataFrame) -> None:
    ws = wb.create_sheet(title[:31])
    safe = safe_frame(df)
    ws.append(list(safe.columns))
    for c in ws[1]:
        c.font = Font(bold=True)
    for row in safe.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and pd.isna(v)) or v is pd.NaT else v for v in row])
    for i, col in enumerate(safe.columns, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(12, min(60, len(str(col)) + 4))


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

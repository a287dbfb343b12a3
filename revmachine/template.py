"""The downloadable upload template: one sheet per table, headers as recognised, and a notes sheet."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from revmachine.ingest import mapping

NOTES = [
    ("Revenue Machine upload template", ""),
    ("", ""),
    ("How to use", "Fill any subset of the sheets; delete the ones you do not have. Column names may "
                   "also be your CRM's own (e.g. 'Lead Source', 'Create Date'): they are recognised."),
    ("Dates", "Excel dates, ISO (2026-07-31), or local formats; day/month order is detected per column, "
              "or asked when a column cannot tell."),
    ("Amounts", "Numbers or text like $1,200.50, 1.200,50 EUR, (300)."),
    ("Stages", "Stage dates per lead, or only the current stage (Lead Status / Lifecycle Stage): a lead "
               "then counts as having passed every stage before its current one."),
    ("Periods", "Spend and targets: 2026-07 (month), 2026-Q3 (quarter) or 2026 (year)."),
]


def workbook_bytes() -> bytes:
    wb = Workbook()
    notes = wb.active
    notes.title = "Notes"
    for r in NOTES:
        notes.append(list(r))
    notes["A1"].font = Font(bold=True, size=14)
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 110
    notes.append([])
    notes.append(["Sheet", "Column", "Meaning / accepted header names"])
    for kind, fields in mapping.FIELDS.items():
        ws = wb.create_sheet(kind)
        ws.append([f.synonyms[0].title() if f.name != "lead_id" else "Lead ID" for f in fields])
        for c in ws[1]:
            c.font = Font(bold=True)
        for f in fields:
            notes.append([kind, f.synonyms[0].title(), ("required; " if f.required else "")
                          + f"{f.type}; also: " + ", ".join(f.synonyms[1:6])])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write(path: Path) -> Path:
    path.write_bytes(workbook_bytes())
    return path

"""The downloadable upload template: one sheet per kind, headers as recognised, and a notes sheet."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from revmachine.ingest.fields import KINDS

NOTES = [
    ("Revenue Machine upload template", ""),
    ("", ""),
    ("How to use", "Fill any subset of the sheets; delete the ones you do not have. You do not need this "
                   "template: exports from Salesforce, HubSpot, Dynamics 365, Zoho, Pipedrive and the ad "
                   "platforms load as exported, with their own column names."),
    ("Dates", "Excel dates, ISO (2026-07-31), or local formats; day/month order is detected per column, "
              "or asked when a column cannot tell."),
    ("Amounts", "Numbers or text like $1,200.50, 1.200,50 EUR, (300), $1.2M; a Currency column or codes in "
                "the amounts keep currencies apart."),
    ("Stages", "Stage dates per lead, or only the current stage (Lead Status / Lifecycle Stage): a lead "
               "then counts as having passed every stage before its current one."),
    ("Periods", "Spend and targets: 2026-07 (month), 2026-Q3 (quarter) or 2026 (year), or From / To dates."),
]


def _title(phrase: str) -> str:
    return " ".join(w.upper() if w in {"id", "mql", "sal", "sql"} else w.capitalize() for w in phrase.split())


def workbook_bytes() -> bytes:
    wb = Workbook()
    notes = wb.active
    notes.title = "Notes"
    for r in NOTES:
        notes.append(list(r))
    notes["A1"].font = Font(bold=True, size=14)
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 24
    notes.column_dimensions["C"].width = 110
    notes.append([])
    notes.append(["Sheet", "Column", "Meaning / other header names recognised"])
    for kind in KINDS.values():
        stored = [f for f in kind.fields if f.stored]
        ws = wb.create_sheet(kind.name)
        ws.append([_title(next(iter(f.phrases))) for f in stored])
        for c in ws[1]:
            c.font = Font(bold=True)
        for f in stored:
            names = list(f.phrases)
            notes.append([kind.name, _title(names[0]), f"{f.label} ({f.type}); also: "
                          + ", ".join(_title(n) for n in names[1:6])])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write(path: Path) -> Path:
    path.write_bytes(workbook_bytes())
    return path

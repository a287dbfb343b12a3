"""Issue 14 (smaller items): sheet names made from the data (plan tabs per territory) are valid
Excel sheet names."""

from __future__ import annotations

import io
import re

import pandas as pd
from openpyxl import load_workbook

from revmachine import export

TERRITORIES = ["'EMEA", "APAC'", "North/South", "Q[1]?*:\\", "History", "x" * 40, "emea", "\x07Bell", "''", "EMEA"]


def _valid(name: str) -> bool:
    return (0 < len(name) <= 31 and not re.search(r"[\[\]:*?/\\\x00-\x1f]", name)
            and not name.startswith("'") and not name.endswith("'") and name.casefold() != "history")


def test_sheet_names_from_territories_are_valid_and_distinct():
    buf = io.BytesIO()
    export.frames_xlsx({t: pd.DataFrame({"v": [1]}) for t in TERRITORIES}, buf)
    names = load_workbook(io.BytesIO(buf.getvalue())).sheetnames
    assert len(names) == len(TERRITORIES)
    assert all(_valid(n) for n in names), names
    assert len({n.casefold() for n in names}) == len(names)
    assert names[0] == "EMEA" and names[1] == "APAC" and names[2] == "North_South"


def test_plan_export_with_an_apostrophe_territory():
    plan = {"period": "2027-Q1", "summary": [{"territory": "'EMEA", "target": 1.0}],
            "rows": [{"territory": "'EMEA", "stage": "won", "needed": 1}]}
    inputs = {"window": ("2026-01-01", "2026-12-31"), "territories": {"'EMEA": {"target": 1.0}}}
    buf = io.BytesIO()
    export.plan_xlsx(plan, inputs, buf)
    assert load_workbook(io.BytesIO(buf.getvalue())).sheetnames == ["About", "Summary", "EMEA"]

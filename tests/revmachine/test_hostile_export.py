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


DDE = "x;=cmd|' /C calc'!A0"


def _cells(data: bytes, delimiter: str) -> list[str]:
    import csv

    return [c for row in csv.reader(io.StringIO(data.decode("utf-8")), delimiter=delimiter) for c in row]


def test_csv_export_never_starts_a_cell_with_a_formula_whatever_the_list_separator():
    """Excel set to ';' (most of Europe) splits 'x;=cmd...' at the ';': no cell of the export may
    then start with = + - @, read with any separator Excel may use."""
    df = pd.DataFrame({"owner": [DDE, "a,-1+1", "tab\t@SUM(A1)", "=1+1", "plain; text", "Smith"],
                       "n": [1, 2, 3, 4, 5, 6]})
    data = export.csv_bytes(df)
    for sep in (",", ";", "\t", "|"):
        bad = [c for c in _cells(data, sep) if c.lstrip(' "').startswith(("=", "+", "-", "@"))]
        assert not bad, (sep, bad)
    # read back with the separator it was written with, every text is still there to read
    back = pd.read_csv(io.BytesIO(data))
    assert back["owner"].tolist()[4:] == ["plain; text", "Smith"] and back["n"].tolist() == [1, 2, 3, 4, 5, 6]
    assert "cmd|' /C calc'!A0" in back["owner"][0]


def test_exports_survive_control_characters_in_names():
    """A BEL or NUL in a campaign or owner name (openpyxl refuses them in a cell) is written as a
    visible escape, in the xlsx and the csv exports."""
    df = pd.DataFrame({"campaign": ["Camp\x07aign", "nul\x00name", "ok"], "owner": ["Ann\x07e", None, "Bo"]})
    buf = io.BytesIO()
    export.frames_xlsx({"Sheet \x07": df}, buf)
    ws = load_workbook(io.BytesIO(buf.getvalue())).worksheets[0]
    assert [c.value for c in ws["A"]] == ["campaign", "Camp\\x07aign", "nul\\x00name", "ok"]
    assert ws["B2"].value == "Ann\\x07e"
    assert "Camp\\x07aign" in export.csv_bytes(df).decode()

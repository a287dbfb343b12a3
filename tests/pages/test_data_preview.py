"""Data page: what the load will do is shown before it commits (each sheet's rows read = loaded +
merged + dropped, beside its mapping; the headline figures; the plausibility questions with a control),
and two files of one name are two sheets, not a crash."""

from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

from .hostile import plain

ROOT = Path(__file__).resolve().parents[2]
DATA = str(ROOT / "views" / "data.py")


def run():
    at = AppTest.from_file(DATA, default_timeout=90)
    at.run()
    assert not at.exception, at.exception
    return at


def frames(at):
    return [el.value for el in at.dataframe]


def test_two_files_of_one_name_are_two_sheets(db_path):
    """Two 'leads.csv' exports from different folders: the page crashed (StreamlitDuplicateElementKey)
    and the rows were taken as one sheet's."""
    hdr = "Lead ID,Create Date,Lead Source,Lead Status,Campaign\n"
    at = run()
    at.file_uploader(key="upload_files").set_value([
        ("leads.csv", (hdr + "A1,2026-10-01,Webinar,MQL,C1\n").encode(), "text/csv"),
        ("leads.csv", (hdr + "B1,2026-10-02,Events,MQL,C2\n").encode(), "text/csv")]).run()
    assert not at.exception, at.exception
    staged = at.session_state["staged"]
    assert [s.label for s in staged.sheets] == ["leads.csv", "leads (2).csv"]
    assert [s.reconciliation["loaded"] for s in staged.sheets] == [1, 1]
    at.button(key="load_button").click().run()
    assert not at.exception, at.exception
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert sorted(r[0] for r in con.execute("select lead_id from leads").fetchall()) == ["A1", "B1"]


def test_preview_shows_rows_and_figures_before_the_load(db_path):
    data = (b"Opportunity ID,Opportunity Name,Stage,Amount,Currency,Close Date\n"
            b"006000000000001,Alpha,Closed Won,1000,USD,2026-01-10\n"
            b"006000000000002,Beta,Closed Lost,500,USD,2026-01-12\n"
            b"006000000000003,Gamma,Prospecting,700,EUR,2026-03-01\n"
            b"Total,,,2200,,\n")
    at = run()
    at.file_uploader(key="upload_files").upload("opportunities.csv", data, "text/csv").run()
    assert not at.exception, at.exception
    assert "What the load will produce" in [h.value for h in at.subheader]
    head = next(f for f in frames(at) if list(f.columns) == ["Figure", "Value"])
    figures = dict(zip(head["Figure"], head["Value"], strict=True))
    assert figures["Deals won / lost / open"] == "1 / 1 / 1"
    assert figures["Won revenue (USD)"] == "USD 1,000.00"
    assert figures["Open pipeline (EUR)"] == "EUR 700.00"
    captions = [plain(c.value) for c in at.caption]
    assert "1 dropped: a totals or subtotals line (row 5)" in captions
    assert any("4 rows read = 3 loaded + 0 merged + 1 dropped" in plain(c.value) for c in at.caption)
    # nothing written yet
    assert not db_path.exists() or duckdb.connect(str(db_path), read_only=True).execute(
        "select count(*) from deals").fetchall()[0][0] == 0


def test_a_question_stops_the_load_until_it_is_answered(db_path):
    """An ad report with no money column is a question, not a silent load with no cost."""
    data = b"Day,Campaign,Impressions,Clicks\n2026-01-01,Brand,1000,20\n2026-01-02,Brand,900,15\n"
    at = run()
    at.file_uploader(key="upload_files").upload("ads report.csv", data, "text/csv").run()
    assert not at.exception, at.exception
    assert any("no cost column" in w.value for w in at.warning)
    assert at.button(key="load_button").disabled
    at.checkbox(key="accept::ads report.csv::no_money").check().run()
    assert not at.exception, at.exception
    assert not at.button(key="load_button").disabled
    at.button(key="load_button").click().run()
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("select count(*), sum(cost) from ad_spend").fetchall()[0] == (2, None)

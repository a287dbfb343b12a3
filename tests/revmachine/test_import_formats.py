"""File-reading problems found from outside (each was a reproduction in shared/repro/ that failed on the
code before this test), and the range lines that name their range instead of giving dates.

Every expected figure is worked out here from the rows the test writes."""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook

from revmachine.cli import answers, build_parser
from revmachine.ingest import readers, stage


def prep(name: str, data: bytes, **kw) -> stage.Staged:
    return stage.prepare([stage.UploadFile(name, data)], **kw)


# --- German-style amounts: the decimal mark is decided per column ------------------------------------

GERMAN = ("Opportunity ID;Stage;Amount;Close Date;Created Date\r\n"
          "V1;Closed Won;1.500;03.08.2026;01.07.2026\r\nV2;Closed Won;12.000;14.08.2026;01.07.2026\r\n"
          "V3;Closed Won;2.250;21.08.2026;02.07.2026\r\nV4;Closed Won;750;25.08.2026;02.07.2026\r\n"
          "V5;Closed Lost;3.000;26.08.2026;02.07.2026\r\n").encode("cp1252")


def test_german_amounts_with_thousands_dots_are_not_1000_times_too_small():
    s = prep("chancen.csv", GERMAN)
    assert s.ok, [f.message for f in s.errors]
    got = {r["deal_id"]: r["amount"] for r in s.tables["deals"].to_pylist()}
    assert got == {"V1": Decimal("1500.00"), "V2": Decimal("12000.00"), "V3": Decimal("2250.00"),
                   "V4": Decimal("750.00"), "V5": Decimal("3000.00")}


def test_english_thousands_and_a_column_that_shows_its_own_mark():
    us = b'Opportunity ID,Stage,Amount,Close Date\nO1,Closed Won,"1,500",2026-08-03\nO2,Closed Won,"12,000",2026-08-14\n'
    assert [float(r["amount"]) for r in prep("us.csv", us).tables["deals"].to_pylist()] == [1500.0, 12000.0]
    # '1.234,56' in the column says the comma is the decimal: its '1.500' is fifteen hundred
    mixed = b"Opportunity ID,Stage,Amount,Close Date\nO1,Closed Won,1.500,2026-08-03\nO2,Closed Won,\"1.234,56\",2026-08-14\n"
    assert [float(r["amount"]) for r in prep("m.csv", mixed).tables["deals"].to_pylist()] == [1500.0, 1234.56]


def test_amounts_that_cannot_tell_are_asked_then_read_as_answered():
    data = b"Opportunity ID,Stage,Amount,Close Date\nO1,Closed Won,1.500,2026-08-03\nO2,Closed Won,750,2026-08-14\n"
    s = prep("x.csv", data)
    err = [f for f in s.errors if f.code == "ambiguous_decimal"]
    assert err and err[0].column == "Amount" and "'1.500'" in err[0].message and "--decimal-mark" in err[0].message
    assert s.sheets[0].ambiguous_decimals == ["Amount"]
    args = build_parser().parse_args(["load", "x.csv", "--decimal-mark", "comma"])
    s = prep("x.csv", data, date_orders=answers(args))
    assert s.ok and [float(r["amount"]) for r in s.tables["deals"].to_pylist()] == [1500.0, 750.0]
    s = prep("x.csv", data, date_orders={"*decimal": "."})
    assert [float(r["amount"]) for r in s.tables["deals"].to_pylist()] == [1.5, 750.0]


# --- one notion of a line, the CSV reader's ------------------------------------------------------------

HDR = "Lead ID,Create Date,Lead Source,Lead Status,Campaign,Lead Owner,Region\n"
ROWS = "".join(f"L{i},2026-01-0{i},Webinar,Marketing Qualified Lead,Camp,Ann,EMEA\n" for i in range(1, 6))


@pytest.mark.parametrize("text, header_line", [
    ("Leads report\x0cpage 1\n" + HDR + ROWS, 2),
    ("Leads report\u2028generated today\n" + HDR + ROWS, 2),
    ("Leads report\rgenerated today\n" + HDR + ROWS, 3),
    ('"Leads report\ngenerated today"\n' + HDR + ROWS, 3),
    ('Lead ID,"Create\nDate",Lead Source,Lead Status,Campaign,Lead Owner,Region\n' + ROWS, 2),
    ("Filter: Region = EMEA\u2029\n\n" + HDR + ROWS, 3),
])
def test_title_lines_and_quoted_breaks_never_shift_the_first_row(text, header_line):
    s = prep("leads.csv", text.encode())
    assert s.ok, [f.message for f in s.errors]
    rows = s.tables["leads"].to_pylist()
    assert [r["lead_id"] for r in rows] == ["L1", "L2", "L3", "L4", "L5"]
    assert rows[0]["source_row"] == header_line + 1
    assert rows[0]["created_at"] == dt.datetime(2026, 1, 1)


@pytest.mark.parametrize("data", [
    ("\r".join([HDR.strip(), *ROWS.strip().split("\n")]) + "\r").encode(),  # CR-only
    (HDR.strip() + "\r\n" + ROWS.replace("\n", "\r", 1).replace("L3", "L3", 1)).encode(),  # mixed
    ("Report\r\r\n" + HDR.replace("\n", "\r\n") + ROWS.replace("\n", "\r\n")).encode(),
])
def test_cr_only_and_mixed_line_ends(data):
    s = prep("leads.csv", data)
    assert s.ok, [f.message for f in s.errors]
    assert sorted(r["lead_id"] for r in s.tables["leads"].to_pylist()) == ["L1", "L2", "L3", "L4", "L5"]


def test_a_header_over_64_kb():
    n = 12_000  # 'x1234' cells: a header line of about 80 KB
    header = ["Lead ID", "Create Date", "Lead Source", "Lead Status"] + [f"x{i}" for i in range(n)]
    rows = [[f"W{r}", "2026-10-01", "Webinar", "MQL"] + ["1"] * n for r in range(3)]
    data = "\n".join(",".join(r) for r in [header, *rows]).encode() + b"\n"
    assert len(data.split(b"\n")[0]) > 65536
    s = prep("wide.csv", data)
    assert [r["lead_id"] for r in s.tables["leads"].to_pylist()] == ["W0", "W1", "W2"]
    assert any(f.code == "too_many_columns" for f in s.findings)


# --- a blank line keeps DuckDB's reader and the exact row numbers ---------------------------------------

def test_blank_lines_keep_the_duckdb_reader_and_exact_rows():
    data = (HDR + "L1,2026-01-01,Web,MQL,C,Ann,EMEA\n\n" + 'L2,2026-01-02,Web,MQL,"a\n\nb",Ann,EMEA\n'
            + "\n\nL3,2026-01-03,Web,MQL,C,Ann,EMEA\n").encode()
    sheet = readers.read_upload("leads.csv", data)[0]
    assert sheet.csv is not None and sheet.table is None  # no Python copy of the rows
    s = prep("leads.csv", data)
    rows = {r["lead_id"]: (r["source_row"], r["campaign"]) for r in s.tables["leads"].to_pylist()}
    # the file's lines: L1 on 2, a blank 3, L2 on 4 (its quoted cell spans 4-6), blanks 7-8, L3 on 9;
    # rows count records, so L3 is the record after two blank lines past L2
    assert rows["L1"][0] == 2 and rows["L2"] == (4, "a b") and rows["L3"][0] > rows["L2"][0]


def test_blank_line_reading_takes_no_copy_per_cell():
    line = "L{},2026-01-05,Webinar,MQL,C1,Ann,EMEA," + ",".join("ab" for _ in range(40)) + "\n"
    body = "".join(line.format(i) for i in range(40_000))
    data = (HDR.strip() + "," + ",".join(f"x{i}" for i in range(40)) + "\n" + body[:5000] + "\n" + body[5000:]).encode()
    tracemalloc.start()
    try:
        sheet = readers.read_upload("big.csv", data)[0]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    sheet.csv.release()
    assert peak < 2 * len(data), (peak, len(data))  # the Python reader took ~32x the file's size


# --- very wide sheets do not hang the load --------------------------------------------------------------

def _wide_ods(cols: int, rows: int = 30) -> bytes:
    cell = (f'<table:table-cell table:number-columns-repeated="{cols}" office:value-type="string">'
            '<text:p>Webinar lead</text:p></table:table-cell>')
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="Leads">'
               + "".join(f"<table:table-row>{cell}</table:table-row>" for _ in range(rows))
               + "</table:table></office:spreadsheet></office:body></office:document-content>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:'
                   'names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" '
                   'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>')
    return buf.getvalue()


def test_a_tiny_ods_of_16384_columns_is_refused_quickly_with_a_reason():
    data = _wide_ods(200_000)
    assert len(data) < 2000
    s = prep("wide.ods", data)  # took over 5 minutes of CPU; a few seconds now (no wall-time assert)
    codes = {f.code for f in s.findings}
    assert "too_many_columns" in codes and not s.ok


def test_header_search_weighs_each_distinct_text_once(monkeypatch):
    calls = []
    real = readers.is_known_header
    monkeypatch.setattr(readers, "is_known_header", lambda t: calls.append(t) or real(t))
    rows = [["Webinar lead"] * 16_384 for _ in range(30)]
    readers.find_header_row(rows)
    assert len(calls) == 1


# --- amounts too large for the money type ----------------------------------------------------------------

def test_an_amount_of_1e17_is_a_warning_naming_row_and_column():
    wb = Workbook()
    ws = wb.active
    ws.title = "Opportunities"
    ws.append(["Opportunity ID", "Stage", "Amount", "Close Date"])
    ws.append(["006A", "Closed Won", 1500, "2026-08-03"])
    ws.append(["006B", "Closed Won", 1e17, "2026-08-04"])
    buf = io.BytesIO()
    wb.save(buf)
    csv = b"Opportunity ID,Stage,Amount,Close Date\n006A,Closed Won,1500,2026-08-03\n006B,Closed Won,99999999999999999,2026-08-04\n"
    for name, data, sheet in (("big.xlsx", buf.getvalue(), "Opportunities"), ("big.csv", csv, None)):
        s = prep(name, data)
        bad = [f for f in s.findings if f.code == "unparsed" and f.column == "Amount"]
        assert bad and bad[0].row == 3 and bad[0].file == name and bad[0].sheet == sheet, s.findings
        assert [r["amount"] for r in s.tables["deals"].to_pylist()] == [Decimal("1500.00"), None]


# --- the date-order question cites a value of the column ------------------------------------------------

def test_the_date_order_question_cites_the_columns_own_value():
    data = b"Opportunity ID,Stage,Amount,Close Date\nO1,Closed Won,100,04.08.2026\nO2,Closed Won,200,05.09.2026\n"
    s = prep("d.csv", data)
    err = next(f for f in s.errors if f.code == "ambiguous_dates")
    assert "04.08.2026" in err.message and "03/04/2025" not in err.message


# --- named ranges above the header -----------------------------------------------------------------------

ALL_TIME = ("Campaign report\nAll time\nCampaign,Currency code,Cost,Impr.,Clicks,Conversions\n"
            'Brand,USD,"1,200.00",10000,300,12\nGeneric,USD,800.50,8000,200,4\nTotal: Account,USD,"2,000.50",18000,500,16\n')


def test_all_time_is_asked_then_loaded_with_the_dates_given():
    s = prep("all_time.csv", ALL_TIME.encode())
    err = next(f for f in s.errors if f.code == "named_range_unresolved")
    assert "All time" in err.message and "--range 'all_time.csv=" in err.message
    args = build_parser().parse_args(["load", "all_time.csv", "--range", "all_time.csv=2024-01-01..2024-10-31"])
    s = prep("all_time.csv", ALL_TIME.encode(), date_orders=answers(args))
    assert s.ok, [f.message for f in s.errors]
    rows = s.tables["ad_spend"].to_pylist()
    assert [float(r["cost"]) for r in rows] == [1200.0, 800.5]
    assert {(r["period_start"], r["period_end"]) for r in rows} == {(dt.date(2024, 1, 1), dt.date(2024, 10, 31))}


def test_last_30_days_counts_back_from_the_day_the_report_was_made():
    text = ("Campaign performance\nDate range: Last 30 days\nDate Generated: Nov 1, 2024, 9:14 AM\n"
            "Campaign Name,Total Spent,Impressions,Clicks\nSpring,100.00,1000,10\n")
    s = prep("li.csv", text.encode())
    assert s.ok, [f.message for f in s.errors]
    r = s.tables["ad_spend"].to_pylist()[0]
    assert (r["period_start"], r["period_end"]) == (dt.date(2024, 10, 2), dt.date(2024, 10, 31))
    note = next(f for f in s.findings if f.code == "named_range")
    assert "2024-11-01" in note.message

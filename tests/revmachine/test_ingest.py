"""Readers, mapping, parsing, validation and loading, including every bad input of issue 2."""

import csv
import io
import json
import zipfile
from decimal import Decimal

import duckdb
import pytest
from openpyxl import Workbook

from revmachine import db, uploads
from revmachine.cli import main
from revmachine.ingest import load, stage

from ..conftest import file_hash


def xlsx(rows, title_rows=(), merge=None, sheet="Leads") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for r in title_rows:
        ws.append(r)
    for r in rows:
        ws.append(r)
    if merge:
        ws.merge_cells(merge)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


LEAD_ROWS = [["Lead ID", "Create Date", "Lead Source", "Region", "Lead Status", "Amount"],
             ["A1", "2026-01-05", "Paid Search", "East", "Marketing Qualified Lead", "$1,200.50"],
             ["A2", "2026-01-06", "Outbound", "West", "Closed Won", "1.200,50 €"],
             ["A3", "2026-01-07", "Webinar", "East", "Disqualified", "(300)"]]


def prep(*files):
    return stage.prepare([stage.UploadFile(n, d) for n, d in files])


def test_csv_amounts_stages_and_inference():
    data = "\n".join(",".join(f'"{c}"' for c in r) for r in LEAD_ROWS).encode()
    s = prep(("leads.csv", data))
    assert s.ok, s.findings
    t = s.tables["leads"].to_pylist()
    assert [r["amount"] for r in t] == [Decimal("1200.50"), Decimal("1200.50"), Decimal("-300.00")]
    assert [r["stage"] for r in t] == ["mql", "won", None]
    assert t[2]["exit_reason"] == "disqualified"
    assert any(f.code == "negative_amount" and f.row == 4 for f in s.findings)
    con = db.memory()
    load.write_tables(con, s, 1, {})
    from revmachine import marts

    marts.rebuild(con)
    # A2 has only its current stage (won): it passed every stage before it
    got = con.execute("select stage from stage_events where record_id = 'L:A2' order by position").fetchall()
    assert [g[0] for g in got] == ["lead", "mql", "sal", "opportunity", "proposal", "won"]
    assert con.execute("select count(*) from stage_events where record_id = 'L:A1'").fetchall()[0][0] == 2


def test_headers_on_row_4_under_title_block_and_merged_cells():
    data = xlsx(LEAD_ROWS, title_rows=[["Lead export - ACME"], ["Generated 2026-02-01"], []], merge="A1:D1")
    s = prep(("export.xlsx", data))
    assert s.ok, [f.message for f in s.findings]
    res = s.sheets[0]
    assert res.raw.header_row == 4 and res.kind == "leads" and res.rows_out == 3
    neg = next(f for f in s.findings if f.code == "negative_amount")
    assert (neg.file, neg.sheet, neg.row, neg.column) == ("export.xlsx", "Leads", 7, "Amount")


def test_merged_header_cells():
    rows = [["Lead ID", "Create Date", "Lead Source", None], ["A1", "2026-01-05", "Paid Search", "x"]]
    s = prep(("m.xlsx", xlsx(rows, merge="C1:D1")))
    assert s.ok and s.sheets[0].rows_out == 1
    assert s.tables["leads"].to_pylist()[0]["channel"] == "Paid Search"


def test_formulas_read_their_cached_values():
    data = xlsx([["Deal ID", "Stage", "Close Date", "Amount"], ["D1", "Closed Won", "2026-03-01", 100]],
                sheet="Deals")
    # put a formula with a cached value (as Excel saves it) into D2
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = body.decode()
                start = text.index('<c r="D2"')
                end = text.index("</c>", start) + 4
                text = text[:start] + '<c r="D2"><f>50*3</f><v>150</v></c>' + text[end:]
                body = text.encode()
            zout.writestr(item, body)
    s = prep(("formula.xlsx", out.getvalue()))
    assert s.ok
    assert s.tables["deals"].to_pylist()[0]["amount"] == Decimal("150.00")


def test_fifty_columns_of_which_five_matter():
    header = [f"Custom Field {i}" for i in range(45)] + ["Lead ID", "Created Date", "Lead Source", "Status", "Owner"]
    rows = [header] + [[f"v{i}" for i in range(45)] + [f"L{k}", f"2026-01-0{k + 1}", "Email", "New", "Ann"]
                       for k in range(3)]
    s = prep(("wide.xlsx", xlsx(rows)))
    assert s.ok
    assert s.sheets[0].rows_out == 3 and len(s.sheets[0].mapping) == 5
    assert len(s.sheets[0].ignored_columns) == 45


def test_csv_reads_only_the_mapped_columns_and_keeps_row_numbers():
    """Only mapped columns are read from a CSV; the others (here around and between them, one with
    a quoted line break) change nothing, and rows are numbered as a spreadsheet shows them (the
    line break stays inside its cell)."""
    header = ["Notes", "Lead ID", "Extra 1", "Create Date", "Extra 2", "Lead Source"]
    rows = [["a", "L1", "x", "2026-01-05", "y", "Email"],
            ['"two\nlines"', "L2", "x", "not a date", "y", "Webinar"],
            ["c", "L3", "x", "2026-01-07", "y", "Email"]]
    data = ("\n".join(",".join(r) for r in [header, *rows]) + "\n").encode()
    s = prep(("wide.csv", data))
    t = s.tables["leads"].to_pylist()
    assert [(r["lead_id"], r["channel"], r["source_row"]) for r in t] == [
        ("L1", "Email", 2), ("L2", "Webinar", 3), ("L3", "Email", 4)]
    assert s.sheets[0].ignored_columns == ["Notes", "Extra 1", "Extra 2"]
    unparsed = next(f for f in s.findings if f.code == "unparsed")
    assert unparsed.row == 3 and unparsed.column == "Create Date"


def test_date_column_mixing_serials_and_text():
    rows = [["Lead ID", "Create Date"], ["A", 46027], ["B", "2026-01-06"], ["C", "7 Jan 2026"]]
    s = prep(("mixed.xlsx", xlsx(rows)))
    assert s.ok, [f.message for f in s.findings]
    got = [str(r["created_at"].date()) for r in s.tables["leads"].to_pylist()]
    assert got == ["2026-01-05", "2026-01-06", "2026-01-07"]


def test_two_digit_year_dates_are_not_read_as_iso():
    """DuckDB's ISO cast reads '01-02-26' as the year 1: such text goes to the detected d/m order."""
    s = prep(("yy.csv", b"Lead ID,Create Date\nA,01-02-26\nB,25-12-26\n"))
    assert s.ok, [f.message for f in s.findings]
    got = [str(r["created_at"].date()) for r in s.tables["leads"].to_pylist()]
    assert got == ["2026-02-01", "2026-12-25"]


def test_iso_dates_with_an_offset_are_converted_not_truncated(monkeypatch):
    """The ISO first pass must not let a '+02:00' through the plain cast (which drops the offset)."""
    monkeypatch.setenv("REVMACHINE_TZ", "UTC")
    s = prep(("tz.csv", b"Lead ID,Create Date\nA,2026-01-02T10:00:00+02:00\nB,2026-01-02 09:00:00\n"))
    assert s.ok, [f.message for f in s.findings]
    got = [r["created_at"].isoformat() for r in s.tables["leads"].to_pylist()]
    assert got == ["2026-01-02T08:00:00", "2026-01-02T09:00:00"]


@pytest.mark.parametrize("tz, raw, expected", [
    ("UTC", "2026-01-02T10:00:00+02:00", "2026-01-02T08:00:00"),
    ("UTC", "2026-01-02 10:00+02", "2026-01-02T08:00:00"),  # hour-only offset
    ("UTC", "2026-01-02T10:00:00-05", "2026-01-02T15:00:00"),
    ("UTC", "2026-01-02T10:00:00-0500", "2026-01-02T15:00:00"),
    ("UTC", "2026-01-02 10:00:00 +02:00", "2026-01-02T08:00:00"),  # a space before the offset
    ("UTC", "2026-01-02 10:00:00.250+01:00", "2026-01-02T09:00:00.250000"),
    ("UTC", "2026-01-02 10:00 UTC", "2026-01-02T10:00:00"),
    ("Europe/Berlin", "2026-01-02T10:00:00Z", "2026-01-02T11:00:00"),  # shown in the configured zone
    ("Europe/Berlin", "2026-07-02 10:00-04", "2026-07-02T16:00:00"),  # summer time
    ("Europe/Berlin", "2026-01-02", "2026-01-02T00:00:00"),  # a date's own -02 is no offset
    ("Europe/Berlin", "2026-01-02 10:00:00", "2026-01-02T10:00:00"),  # naive: read as local
])
def test_offsets_are_converted_to_the_configured_timezone(monkeypatch, tz, raw, expected):
    monkeypatch.setenv("REVMACHINE_TZ", tz)
    s = prep(("tz.csv", f"Lead ID,Create Date\nA,{raw}\nB,2026-01-03\n".encode()))
    assert s.ok, [f.message for f in s.findings]
    assert s.tables["leads"].to_pylist()[0]["created_at"].isoformat() == expected


@pytest.mark.parametrize("raw, expected", [
    (" Acme", "Acme"), ("Acme ", "Acme"), ("\u00a0Acme\u00a0", "Acme"), ("Acme  Corp ", "Acme Corp"),
    ("Acme\tCorp", "Acme Corp"), ("Ünïcode ", "Ünïcode"), ("  ", None), ("", None), (None, None),
])
def test_text_is_trimmed_and_folded(raw, expected):
    from revmachine.ingest import parsing

    con = duckdb.connect()
    got = con.execute(f"select {parsing.text_expr('c0')} from (select cast(? as varchar) as c0)", [raw]).fetchall()
    assert got == [(expected,)]


def test_iso_and_day_first_dates_in_one_column():
    """ISO text is typed first; the rest of the column is detected on its own values (31/01 makes it
    day-first) and typed by that, with unreadable values still reported by row."""
    data = b"Lead ID,Create Date\nA,2026-01-05\nB,31/01/2026\nC,02/03/2026\nD,soon\n"
    s = prep(("mix.csv", data))
    got = [r["created_at"] for r in s.tables["leads"].to_pylist()]
    assert [d and str(d.date()) for d in got] == ["2026-01-05", "2026-01-31", "2026-03-02", None]
    unparsed = [f for f in s.findings if f.code == "unparsed"]
    assert len(unparsed) == 1 and unparsed[0].row == 5 and "'soon'" in unparsed[0].message


@pytest.mark.parametrize("eol", [b"\n", b"\r\n"])
def test_csv_blank_lines_are_skipped_and_row_numbers_stay_exact(eol):
    lines = [b"Lead ID,Create Date", b"A,2026-01-05", b"", b"B,2026-01-06", b"", b"", b"C,not a date"]
    s = prep(("gaps.csv", eol.join(lines) + eol))
    assert [r["lead_id"] for r in s.tables["leads"].to_pylist()] == ["A", "B", "C"]
    assert [r["source_row"] for r in s.tables["leads"].to_pylist()] == [2, 4, 7]
    unparsed = next(f for f in s.findings if f.code == "unparsed")
    assert unparsed.row == 7


@pytest.mark.parametrize("raw, expected", [
    ("1200.5", "1200.50"), ("-45", "-45.00"), ("1e6", "1000000.00"), ("1.255", "1.25"), (" 12 ", "12.00"),
    ("$1,200.50", "1200.50"), ("1.200,50 €", "1200.50"), ("(300)", "-300.00"), ("45-", "-45.00"),
    ("\u22125", "-5.00"), ("1.200.300", "1200300.00"), ("12,5", "12.50"), ("USD 99", "99.00"),
    ("nan", None), ("inf", None), ("n/a", None), ("", None),
])
def test_amounts(raw, expected):
    """Plain numbers take the fast cast, the rest the rules; both give these values (U+2212 is a minus)."""
    from revmachine.ingest import parsing

    got = duckdb.connect().execute(f"select {parsing.amount_expr('c0')} from (select cast(? as varchar) as c0)",
                                   [raw]).fetchall()[0][0]
    assert got == (None if expected is None else Decimal(expected))


def test_ambiguous_day_month_is_asked_not_guessed():
    data = b"Lead ID,Create Date\nA,03/04/2026\nB,05/06/2026\n"
    s = prep(("amb.csv", data))
    assert not s.ok and s.errors[0].code == "ambiguous_dates" and s.errors[0].column == "Create Date"
    # the rest of the sheet is still typed and previewed, without the column asked about
    assert s.sheets[0].preview.lead_id.tolist() == ["A", "B"] and s.sheets[0].preview.created_at.isna().all()
    s2 = stage.prepare([stage.UploadFile("amb.csv", data)], date_orders={"amb.csv::Create Date": "dmy"})
    assert s2.ok and str(s2.tables["leads"].to_pylist()[0]["created_at"].date()) == "2026-04-03"
    # one unambiguous value decides the column
    s3 = prep(("us.csv", b"Lead ID,Create Date\nA,03/04/2026\nB,12/31/2026\n"))
    assert s3.ok and str(s3.tables["leads"].to_pylist()[0]["created_at"].date()) == "2026-03-04"


def test_duplicate_ids_and_out_of_order_dates_warn():
    data = (b"Lead ID,Create Date,MQL Date\nA,2026-01-05,2026-01-01\nA,2026-01-06,2026-01-07\n"
            b"B,2026-01-05,\n")
    s = prep(("d.csv", data))
    # two rows of lead A whose values differ: merging them is a question, answered with --accept
    assert [f.code for f in s.errors] == ["question:merge_differs"]
    from revmachine.ingest import detect

    s = stage.prepare([stage.UploadFile("d.csv", data)], choices=detect.Choices.parse(accepts=["d.csv:merge_differs"]))
    assert s.ok
    codes = {f.code for f in s.findings}
    assert {"duplicate_id", "dates_out_of_order"} <= codes
    assert [r["lead_id"] for r in s.tables["leads"].to_pylist()] == ["A", "B"]
    assert str(s.tables["leads"].to_pylist()[0]["created_at"].date()) == "2026-01-06"  # last kept


def test_deals_without_matching_lead_and_unknown_channel():
    files = [("leads.csv", b"Lead ID,Create Date,Lead Source\nA,2026-01-05,Carrier Pigeon\n"),
             ("deals.csv", b"Deal ID,Lead ID,Stage,Amount\nD1,A,Closed Won,10\nD2,ZZ,Closed Won,5\n")]
    s = prep(*files)
    codes = {f.code: f for f in s.findings}
    assert "unmatched_lead" in codes and codes["unmatched_lead"].row == 3
    assert "unknown_channel" in codes and "Carrier Pigeon" in codes["unknown_channel"].message


def test_maven_deals_only_export(maven, db_path):
    rc = main(["load", str(maven / "sales_pipeline.csv"), str(maven / "sales_teams.csv"), "--db", str(db_path)])
    assert rc == 0
    with open(maven / "sales_pipeline.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    won_sum = sum(Decimal(r["close_value"]) for r in rows if r["deal_stage"] == "Won")
    n_won = sum(r["deal_stage"] == "Won" for r in rows)
    with db.read(db_path) as con:
        assert con.execute("select count(*) from deals").fetchall()[0][0] == 8800
        got = con.execute("select count(*), sum(amount) from won_deals").fetchall()[0]
        assert got == (n_won, won_sum)
        # territories come from the sales team sheet's regional office
        assert {r[0] for r in con.execute("select distinct territory from won_deals").fetchall()} == {
            "Central", "East", "West"}


def test_maven_xlsx_serials_and_mdy_variant(maven):
    s = prep(("p.xlsx", (maven / "xlsx" / "sales_pipeline.xlsx").read_bytes()))
    s2 = prep(("p.csv", (maven / "variants" / "kisaraF_excel_resaved_sales_pipeline_mdy_dates.csv").read_bytes()))
    a = {r["deal_id"]: (r["created_at"], r["closed_at"], r["amount"]) for r in s.tables["deals"].to_pylist()}
    b = {r["deal_id"]: (r["created_at"], r["closed_at"], r["amount"]) for r in s2.tables["deals"].to_pylist()}
    assert len(a) == 8800 and a == b


def test_load_append_replace_undo_roundtrip(db_path):
    v1 = tmp_csv = b"Lead ID,Create Date\nA,2026-01-05\nB,2026-01-06\n"
    r1 = load.load(prep(("a.csv", v1)), db_path)
    r2 = load.load(prep(("b.csv", b"Lead ID,Create Date\nB,2026-02-01\nC,2026-02-02\n")), db_path)
    assert r2.rows_superseded["leads"] == 1
    with db.read(db_path) as con:
        got = dict(con.execute("select lead_id, cast(created_at as date)::varchar from leads").fetchall())
    assert got == {"A": "2026-01-05", "B": "2026-02-01", "C": "2026-02-02"}
    assert load.undo_last(db_path) == r2.batch_id
    with db.read(db_path) as con:
        got = dict(con.execute("select lead_id, cast(created_at as date)::varchar from leads").fetchall())
        hist = con.execute("select status from batches order by batch_id").fetchall()
    assert got == {"A": "2026-01-05", "B": "2026-01-06"} and hist == [("active",), ("undone",)]
    load.load(prep(("c.csv", b"Lead ID,Create Date\nZ,2026-03-01\n")), db_path, modes={"*": "replace"})
    with db.read(db_path) as con:
        assert con.execute("select list(lead_id) from leads").fetchall()[0][0] == ["Z"]
        assert len(list(load.uploads_dir(db_path).iterdir())) == 3  # raw files kept
    assert r1.batch_id == 1 and tmp_csv


def test_load_that_fails_late_keeps_nothing(db_path, monkeypatch):
    """A failure after the rows are written (here: building the marts) rolls the whole load back:
    the database is byte for byte what it was and the raw file kept for the batch is removed."""
    load.load(prep(("a.csv", b"Lead ID,Create Date\nA,2026-01-05\n")), db_path)
    before = file_hash(db_path)
    kept_before = sorted(p.name for p in load.uploads_dir(db_path).iterdir())

    def boom(con, *args, **kwargs):
        raise RuntimeError("disk full")

    # an append refreshes the marts in place (marts.refresh), a replace rebuilds them on a copy
    monkeypatch.setattr(load.marts, "rebuild", boom)
    monkeypatch.setattr(load.marts, "refresh", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        load.load(prep(("b.csv", b"Lead ID,Create Date\nB,2026-02-01\n")), db_path)
    assert file_hash(db_path) == before
    with pytest.raises(RuntimeError, match="disk full"):
        load.load(prep(("b.csv", b"Lead ID,Create Date\nB,2026-02-01\n")), db_path, modes={"*": "replace"})
    assert file_hash(db_path) == before
    assert sorted(p.name for p in load.uploads_dir(db_path).iterdir()) == kept_before


def test_same_file_twice_is_detected(db_path):
    data = b"Lead ID,Create Date\nA,2026-01-05\n"
    load.load(prep(("a.csv", data)), db_path)
    with db.read(db_path) as con:
        ctx = stage.Context.from_db(con)
    s = stage.prepare([stage.UploadFile("again.csv", data)], ctx)
    assert any(f.code == "already_loaded" and "batch 1" in f.message for f in s.findings)


def test_remembered_mapping_correction(db_path):
    data = b"Ref,When\nA,2026-01-05\n"
    s = stage.prepare([stage.UploadFile("odd.csv", data)])
    assert s.sheets[0].kind is None
    s = stage.prepare([stage.UploadFile("odd.csv", data)],
                      overrides={"odd.csv": ("leads", {0: "lead_id", 1: "created_at"})})
    assert s.ok
    load.load(s, db_path)
    ctx = uploads.context(db_path)  # the data file and its app-state file (the mapping memory)
    s2 = stage.prepare([stage.UploadFile("odd_next_week.csv", b"Ref,When\nB,2026-01-09\n")], ctx)
    assert s2.ok and s2.sheets[0].source == "remembered" and s2.tables["leads"].num_rows == 1


def test_cli_json_output(db_path, capsys):
    p = db_path.parent / "l.csv"
    p.write_bytes(b"Lead ID,Create Date\nA,2026-01-05\n")
    assert main(["load", str(p), "--db", str(db_path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["batch_id"] == 1 and out["rows_written"] == {"leads": 1}


# --- bad input: a clear message naming the file, and the database byte for byte unchanged ------

def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * (60 * 1024 * 1024) + b">")
    return buf.getvalue()


def _damaged_part() -> bytes:
    """A workbook whose zip directory is intact but whose sheet data fails its checksum."""
    data = xlsx([LEAD_ROWS[0]] + LEAD_ROWS[1:] * 200)
    info = next(i for i in zipfile.ZipFile(io.BytesIO(data)).infolist() if "sheet1" in i.filename)
    at = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]


BAD = {
    "damaged_part": ("damaged.xlsx", None, "could not be read"),
    "not_a_spreadsheet": ("report.xlsx", b"this is a plain text file, renamed", "not a valid Excel workbook"),
    "truncated": ("cut.xlsx", xlsx(LEAD_ROWS)[:1500], "not a valid Excel workbook"),
    "empty": ("empty.csv", b"", "empty"),
    "only_headers": ("headers.csv", b"Lead ID,Create Date,Lead Source\n", "no data rows"),
    "zip_bomb": ("bomb.xlsx", None, "zip bomb"),
    "sql_header": ("evil.csv", b'"""; DROP TABLE leads; --",Create Date\nA,2026-01-05\n', "not recognised"),
    "oversize": ("big.csv", b"Lead ID,Create Date\n" + b"A,2026-01-05\n" * 20000, "over the upload limit"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_changes_nothing(case, db_path, monkeypatch, capsys):
    load.load(prep(("seed.csv", b"Lead ID,Create Date\nS1,2026-01-05\n")), db_path)
    before = file_hash(db_path)
    name, data, expected = BAD[case]
    if case == "zip_bomb":
        data = _zip_bomb()
    if case == "damaged_part":
        data = _damaged_part()
        monkeypatch.setenv("REVMACHINE_MAX_UNZIPPED_MB", "50")
    if case == "oversize":
        monkeypatch.setenv("REVMACHINE_MAX_UPLOAD_MB", "0.1")
    p = db_path.parent / name
    p.write_bytes(data)
    rc = main(["load", str(p), "--db", str(db_path)])
    out = capsys.readouterr()
    text = out.out + out.err
    assert rc == 2
    assert name in text and expected in text, text
    assert file_hash(db_path) == before
    with db.read(db_path) as con:
        assert con.execute("select list(lead_id) from leads").fetchall()[0][0] == ["S1"]


def test_sql_looking_header_is_just_text(db_path):
    data = b'Lead ID,"""; DROP TABLE leads; --",Create Date\nA,x,2026-01-05\n'
    s = prep(("evil.csv", data))
    assert s.ok and s.sheets[0].ignored_columns == ['"; DROP TABLE leads; --']
    load.load(s, db_path)
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("select count(*) from leads").fetchall()[0][0] == 1


def test_leads_only_wins_without_amounts_load(db_path):
    """Won leads with no amount anywhere: revenue is unknown, and the load (and its meeting snapshot)
    still succeeds."""
    data = b"Lead ID,Create Date,Lead Status,Region\nA,2026-07-01,Closed Won,East\nB,2026-07-02,New,East\n"
    r = load.load(prep(("won.csv", data)), db_path)
    with db.read(db_path) as con:
        assert con.execute("select count(*), count(amount) from won_deals").fetchall()[0] == (1, 0)
        assert con.execute("select count(*) from scorecard_snapshots where batch_id = ?", [r.batch_id]
                           ).fetchall()[0][0] > 0


def test_stale_marts_are_rebuilt_before_reading(db_path, capsys):
    """A database built by older mart definitions is upgraded (one write) before a command reads it."""
    load.load(prep(("l.csv", b"Lead ID,Create Date\nA,2026-07-05\n")), db_path)
    with duckdb.connect(str(db_path)) as con:
        con.execute("update config_settings set value = 'old' where key = 'marts_signature'")
        # as an older version left it: funnel_steps a table (now a view), with other columns
        con.execute("drop view funnel_steps")
        con.execute("create table funnel_steps as select 1 as step_index")
    assert main(["report", "--db", str(db_path), "--period", "2026-Q3"]) == 0
    rows = {r["metric"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["leads_created"]["value"] == 1
    with db.read(db_path) as con:
        assert con.execute("select count(*) from lead_touches").fetchall()[0][0] == 1
        # the view's columns, and no step: a lead with only a create date has no later stage (issue 13)
        assert con.execute("select count(from_at) from funnel_steps").fetchall()[0][0] == 0
        assert con.execute("select table_type from information_schema.tables "
                           "where table_name = 'funnel_steps'").fetchall() == [("VIEW",)]


def test_won_or_lost_deals_without_a_close_date_are_reported():
    # Dynamics 365's shape: Status says Lost, Actual Close Date is blank on two rows (rows 3 and 4)
    text = ("Topic,Status,Created On,Actual Close Date,Est. revenue\n"
            "A,Won,2026-07-01,2026-08-01,100\n"
            "B,Lost,2026-07-02,,200\n"
            "C,Lost,2026-07-03,,300\n"
            "D,Open,2026-07-04,,400\n")
    s = prep(("Opportunity.csv", text.encode()))
    f = next(f for f in s.findings if f.code == "closed_without_date")
    assert f.count == 2 and f.row == 3 and f.column == "Actual Close Date"
    assert "in no period's won revenue or win rate" in f.message

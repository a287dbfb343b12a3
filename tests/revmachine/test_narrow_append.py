"""An export with fewer columns appended over rows already loaded (a status-only export of the same
leads) updates the columns it has and keeps the others; the load says which columns it updated;
undo restores the rows exactly."""

from __future__ import annotations

import datetime as dt

import duckdb

from revmachine.cli import main
from revmachine.ingest import load, stage

FULL = (b"Lead ID,Create Date,Lead Source,Lead Status,Campaign,MQL Date\n"
        b"A1,2026-09-01,Webinar,Marketing Qualified Lead,Spring,2026-09-03\n"
        b"A2,2026-09-02,Events,Marketing Qualified Lead,Autumn,2026-09-04\n")
STATUS = b"Lead ID,Lead Status,Lead Owner\nA1,Sales Accepted Lead,Bob\nA3,Marketing Qualified Lead,Eve\n"
COLS = "lead_id, created_at, channel, campaign, mql_at, current_stage, stage, owner"


def _rows(db_path) -> dict:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return {r[0]: r for r in con.execute(f"select {COLS} from leads order by 1").fetchall()}


def test_a_narrower_append_keeps_the_columns_the_file_does_not_have(db_path, capsys):
    load.load(stage.prepare([stage.UploadFile("full.csv", FULL)]), db_path)
    before = _rows(db_path)
    assert main(["load", str(_file(db_path, "status.csv", STATUS)), "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    after = _rows(db_path)
    # A1: the status and the owner from the new file, everything else as it was
    assert after["A1"] == ("A1", dt.datetime(2026, 9, 1), "Webinar", "Spring", dt.datetime(2026, 9, 3),
                           "Sales Accepted Lead", "sal", "Bob")
    assert after["A2"] == before["A2"]  # not in the file: untouched
    assert after["A3"][:5] == ("A3", None, None, None, None)  # a new lead: what the file says
    # the report names the columns it updated on the leads already loaded, and those it kept
    assert "leads: 1 row already loaded, updated in owner, current_stage, stage," in out
    assert "kept (not in this upload): created_at, channel, campaign, mql_at\n" in out
    assert main(["undo", "--db", str(db_path)]) == 0
    assert _rows(db_path) == before


def test_a_column_only_one_of_two_sheets_has_is_kept_where_the_other_is_blank(db_path):
    load.load(stage.prepare([stage.UploadFile("full.csv", FULL)]), db_path)
    with_owner = b"Lead ID,Lead Status,Lead Owner\nA1,Sales Accepted Lead,Bob\n"
    without = b"Lead ID,Lead Status,Campaign\nA2,Sales Accepted Lead,Winter\n"
    staged = stage.prepare([stage.UploadFile("a.csv", with_owner), stage.UploadFile("b.csv", without)])
    assert staged.ok, [f.message for f in staged.findings]
    result = load.load(staged, db_path)
    after = _rows(db_path)
    assert after["A1"][3] == "Spring" and after["A1"][7] == "Bob"  # b.csv's campaign column is not a.csv's
    assert after["A2"][3] == "Winter" and after["A2"][1] == dt.datetime(2026, 9, 2)
    assert set(result.columns_updated["leads"]) >= {"current_stage", "owner", "campaign"}


def test_replace_still_makes_the_table_exactly_the_upload(db_path):
    load.load(stage.prepare([stage.UploadFile("full.csv", FULL)]), db_path)
    load.load(stage.prepare([stage.UploadFile("status.csv", STATUS)]), db_path, modes={"*": "replace"})
    after = _rows(db_path)
    assert set(after) == {"A1", "A3"} and after["A1"][1] is None and after["A1"][2] is None


def _file(db_path, name: str, body: bytes):
    p = db_path.parent / name
    p.write_bytes(body)
    return p


def test_every_column_is_read_from_a_field_of_its_name_or_listed_as_derived():
    """A column computed from other fields must be listed in merge.DERIVED, or an append would never
    update it on rows already loaded."""
    from revmachine.ingest import merge
    from revmachine.ingest.fields import KINDS
    from revmachine.schema import BUSINESS_TABLES, columns

    # deal_field_history is built whole from a stage-history sheet (ingest/history.py): no sheet kind maps
    # to it, so an upload supplies every one of its columns (merge.supplied)
    fields_of: dict[str, set[str]] = {"lead_stage_dates": set(), "deal_field_history": {"old_value"}}
    for k in KINDS.values():
        fields_of.setdefault(k.table, set()).update(f.name for f in k.fields)
    for table, (_ddl, key) in BUSINESS_TABLES.items():
        for col in columns(table):
            assert (col in merge.ALWAYS or col in key or col in merge.DERIVED.get(table, {})
                    or col in fields_of[table]), f"{table}.{col}"


def test_a_status_only_deals_export_keeps_amounts_and_dates(db_path):
    full = (b"Opportunity ID,Opportunity Name,Stage,Amount,Created Date,Close Date,Lead Source\n"
            b"D1,Acme,Proposal,5000,2026-08-01,2026-10-30,Webinar\n")
    load.load(stage.prepare([stage.UploadFile("deals.csv", full)]), db_path)
    staged = stage.prepare([stage.UploadFile("won.csv", b"Opportunity ID,Stage\nD1,Closed Won\n")])
    assert staged.ok and staged.sheets[0].kind == "deals", [f.message for f in staged.findings]
    load.load(staged, db_path)
    with duckdb.connect(str(db_path), read_only=True) as con:
        row = con.execute("select deal_name, amount, created_at, channel, is_won, stage from deals").fetchall()[0]
    assert row == ("Acme", 5000, dt.datetime(2026, 8, 1), "Webinar", True, "won")

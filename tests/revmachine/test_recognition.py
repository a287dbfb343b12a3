"""Recognition of real exports (issue 12): header folding, the token scorer, content, sheet kinds with a
confidence, values as exported, the CLI's inspect / --kind / --map / --stage / --profile, and one test
per wrong guess the import used to make."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from revmachine import db, state
from revmachine.cli import main
from revmachine.ingest import headers, load, parsing, recognise, stage
from revmachine.ingest.fields import KINDS

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def prep(*files, **kw):
    return stage.prepare([stage.UploadFile(n, d) for n, d in files], **kw)


def csv_bytes(rows) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode()


# --- header folding ------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, words", [
    ("StageName", "stage name"), ("CloseDate", "close date"), ("IsWon", "is won"), ("LeadSource", "lead source"),
    ("OwnerID", "owner id"), ("MQLDate", "mql date"), ("ConvertedOpportunityId", "converted opportunity id"),
    ("Region__c", "region"), ("Account__r.Name", "account name"), ("Owner.Name", "owner name"),
    ("Account.External_Id__c", "account external id"), ("user_id/id", "user id"), ("Deal - Value", "value"),
    ("Person - Name", "name"), ("Est. Revenue", "estimated revenue"), ("Impr.", "impressions"),
    ("Conv.", "conversions"), ("Qty", "quantity"), ("Amount (USD)", "amount"), ("Probability (%)", "probability"),
    ("  Lead   Source ", "lead source"), ("CLOSEDATE", "close date"), ("LEADSOURCE", "lead source"),
    ("Associated Company IDs", "associated company id"), ("Geocode Status", "geocode status"),
    ("Start Date (in UTC)", "start date"), ("\ufeffCreated On", "created on"),
])
def test_headers_fold_to_the_words_they_mean(raw, words):
    from revmachine.ingest import fields  # noqa: F401  (fills the vocabulary run-together words split into)

    assert headers.parse(raw).text == words


def test_header_markers_object_unit_and_converted():
    assert headers.parse("Deal - Value").obj == "deal" and headers.parse("Person - Name").obj == "person"
    assert headers.parse("Amount (USD)").unit == "USD" and headers.parse("Probability (%)").unit == "%"
    assert headers.parse("Region__c").custom and headers.parse("user_id/id").is_relation_id
    assert headers.parse("Amount (converted)").converted and headers.parse("Est. Revenue (Base)").converted


# --- the token scorer: headers never seen still map ---------------------------------------------

@pytest.mark.parametrize("kind, header, field", [
    ("deals", "Opportunity Creation Timestamp", "created_at"),   # created/creation + date word
    ("deals", "Date Closed (Actual)", "closed_at"),              # close + date
    ("deals", "Closing Date", "closed_at"),
    ("deals", "Projected Closing Date", "expected_close_at"),    # expected words + close
    ("deals", "Potential ID", "deal_id"),                        # <object> id
    ("deals", "Reason for Loss", "lost_reason"),
    ("leads", "Lead Creation Date", "created_at"),
    ("leads", "Date of First Outreach Call", "first_response_at"),
    ("leads", "Prospect Number", "lead_id"),
    ("leads", "Marketing Qualified On", "mql_at"),
])
def test_token_rules_map_unseen_headers(kind, header, field):
    k = KINDS[kind]
    h = headers.parse(header)
    best = max(k.fields, key=lambda f: recognise.name_score(f, h, k))
    assert best.name == field and recognise.name_score(best, h, k) >= 0.6


def test_values_refuse_a_wrong_name():
    """Dynamics 365's 'Revenue' column holds 'System Calculated' / 'User Provided': not an amount."""
    data = csv_bytes([["Topic", "Status", "Revenue", "Est. revenue"],
                      ["A", "Won", "System Calculated", "100"], ["B", "Open", "User Provided", "200"],
                      ["C", "Lost", "System Calculated", "300"]])
    res = prep(("Opportunity.csv", data)).sheets[0]
    assert res.kind == "deals"
    got = {res.raw.headers[i]: f for i, f in res.mapping.items()}
    assert got["Est. revenue"] == "amount" and "Revenue" not in got


def test_a_stage_column_is_recognised_by_its_values():
    data = csv_bytes([["Opportunity ID", "Phase Label", "Amount"], ["1", "Closed Won", "10"],
                      ["2", "Prospecting", "20"], ["3", "Closed Lost", "30"], ["4", "Negotiation/Review", "5"]])
    res = prep(("deals.csv", data)).sheets[0]
    d = next(d for d in res.decisions if d.header == "Phase Label")
    assert d.field == "current_stage" and d.how in {"content", "name"}


def test_a_link_is_found_by_its_values():
    """A column whose values are another sheet's ids links to it, whatever its name."""
    leads = csv_bytes([["Lead ID", "Create Date"]] + [[f"L{i:03d}", "2026-01-05"] for i in range(20)])
    deals = csv_bytes([["Deal ID", "Ref", "Stage", "Amount"]] + [[f"D{i}", f"L{i:03d}", "Closed Won", "10"]
                                                                 for i in range(5)])
    s = prep(("leads.csv", leads), ("deals.csv", deals))
    res = next(r for r in s.sheets if r.kind == "deals")
    d = next(d for d in res.decisions if d.header == "Ref")
    assert d.field == "lead_id" and d.how == "link" and "ids of leads.csv" in d.evidence


# --- sheet kinds with a confidence; a wrong guess each ---------------------------------------------

def test_an_opportunities_export_is_not_taken_for_campaigns():
    """A Salesforce opportunities report naming its campaign used to land in `campaigns`."""
    data = csv_bytes([["Opportunity Name", "Primary Campaign Source", "Stage", "Amount", "Close Date", "Type"],
                      ["Acme - Expansion", "Spring Webinar", "Closed Won", "$12,000.00", "2/13/2026", "New"],
                      ["Beta - New", "Trade Show", "Prospecting", "$8,000.00", "3/31/2026", "New"],
                      ["Gamma - Renewal", "", "Closed Lost", "$3,000.00", "1/15/2026", "Existing"]])
    s = prep(("report1772443497123.csv", data))
    assert s.ok and s.sheets[0].kind == "deals" and "campaigns" not in s.tables
    assert s.tables["deals"].num_rows == 3


def test_totals_rows_of_an_ad_report_are_not_counted_twice():
    data = (b"Campaign report\nJanuary 1, 2026 - January 31, 2026\n"
            b"Campaign,Campaign type,Impr.,Clicks,Cost,Conv.,Currency code\n"
            b"Brand,Search,1000,100,250.50,5,USD\nGeneric,Search,2000,50,100.00,2,USD\n"
            b"Total: Search,,3000,150,350.50,7,\nTotal: Account,,3000,150,350.50,7,\n")
    s = prep(("Campaign report.csv", data))
    assert s.ok and s.sheets[0].kind == "ads"
    rows = s.tables["ad_spend"].to_pylist()
    assert len(rows) == 2 and sum(r["cost"] for r in rows) == Decimal("350.50")
    assert {(str(r["period_start"]), str(r["period_end"])) for r in rows} == {("2026-01-01", "2026-01-31")}
    assert any(f.code == "total_rows" and f.count == 2 for f in s.findings)


def test_money_in_several_currencies_is_never_added(db_path):
    data = csv_bytes([["Opportunity ID", "Stage", "Amount"], ["1", "Closed Won", "USD 1,000.00"],
                      ["2", "Closed Won", "EUR 2,000.00"], ["3", "Closed Won", "EUR 500.00"]])
    s = prep(("opps.csv", data))
    assert any(f.code == "currencies" for f in s.findings)
    load.load(s, db_path)
    with db.read(db_path) as con:
        got = dict(con.execute("select currency, sum(amount) from deals group by 1").fetchall())
    assert got == {"USD": Decimal("1000.00"), "EUR": Decimal("2500.00")}


def test_a_sheet_whose_kind_is_unclear_is_asked_about(tmp_path, capsys):
    """A program-membership export (people repeat) fits no kind clearly: asked, not guessed."""
    rows = [["leadId", "email", "program", "statusName", "membershipDate"]]
    rows += [[str(100 + i % 6), f"p{i % 6}@x.com", f"Program {i % 3}", "Attended", "2026-01-05"] for i in range(18)]
    p = tmp_path / "members.csv"
    p.write_bytes(csv_bytes(rows))
    rc = main(["inspect", str(p), "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 2 and out["sheets"][0]["ambiguous"]
    err = next(f for f in out["findings"] if f["code"] == "ambiguous_kind")
    assert "--kind 'members.csv=" in err["message"]
    db_file = tmp_path / "rm.duckdb"
    kind = out["sheets"][0]["candidates"][0]["kind"]
    assert main(["load", str(p), "--db", str(db_file), "--kind", f"members.csv={kind}"]) == 0


# --- require only what a figure needs -------------------------------------------------------------

def test_leads_without_a_created_date_and_deals_without_an_id_still_load(db_path):
    leads = csv_bytes([["Prospect ID", "Lead Source", "Converted"], ["p1", "Google", "1"], ["p2", "Direct", "0"]])
    deals = csv_bytes([["Topic", "Status", "Est. revenue", "Actual Close Date"],
                       ["A", "Won", "100", "1/25/2026"], ["B", "Open", "200", ""]])
    s = prep(("Leads.csv", leads), ("Opportunity.csv", deals))
    assert s.ok, [f.message for f in s.errors]
    assert any(f.code == "generated_ids" and f.file == "Opportunity.csv" for f in s.findings)
    load.load(s, db_path)
    with db.read(db_path) as con:
        assert con.execute("select count(*), count(created_at), count(*) filter (where is_converted) "
                           "from leads").fetchall()[0] == (2, 0, 1)
        ids = [r[0] for r in con.execute("select deal_id from deals order by source_row").fetchall()]
    assert len(set(ids)) == 2 and all(i.startswith("deal-") for i in ids)
    # the same file again replaces those rows (same made-up ids), it does not add them twice
    load.load(prep(("Opportunity.csv", deals)), db_path)
    with db.read(db_path) as con:
        assert con.execute("select count(*) from deals").fetchall()[0][0] == 2


# --- outcomes mean what the vendor means ------------------------------------------------------------

def test_open_is_not_lost_when_won_and_closed_flags_say_so():
    data = csv_bytes([["Id", "StageName", "IsWon", "IsClosed", "CloseDate", "Amount"],
                      ["006A", "Closed Won", "true", "true", "2026-01-10", "100"],
                      ["006B", "Negotiation/Review", "false", "false", "2025-12-01", "200"],  # past date, open
                      ["006C", "Closed Lost", "false", "true", "2026-01-12", "300"],
                      ["006D", "Custom Closed", "false", "true", "2026-01-12", "400"]])
    rows = {r["deal_id"]: r for r in prep(("Opportunity.csv", data)).tables["deals"].to_pylist()}
    assert (rows["006A"]["is_won"], rows["006A"]["is_lost"]) == (True, False)
    assert (rows["006B"]["is_won"], rows["006B"]["is_lost"], rows["006B"]["closed_at"]) == (False, False, None)
    assert str(rows["006B"]["expected_close_at"].date()) == "2025-12-01"  # an open deal's close date
    assert rows["006C"]["is_lost"] and rows["006D"]["is_lost"]


def test_a_won_flag_alone_never_makes_a_deal_lost():
    data = csv_bytes([["Deal ID", "Won", "Amount"], ["1", "1", "10"], ["2", "", "20"], ["3", "0", "30"]])
    rows = prep(("deals.csv", data)).tables["deals"].to_pylist()
    assert [(r["is_won"], r["is_lost"]) for r in rows] == [(True, False), (False, False), (False, False)]


def test_pipedrive_status_and_won_and_lost_times():
    data = csv_bytes([["Deal - ID", "Deal - Title", "Deal - Value", "Deal - Currency", "Deal - Status",
                       "Deal - Stage", "Deal - Won time", "Deal - Lost time", "Deal - Expected close date"],
                      ["1", "A", "1000", "EUR", "won", "Negotiations Started", "2026-01-05 10:00:00", "", ""],
                      ["2", "B", "500", "USD", "lost", "Contact Made", "", "2026-01-07 09:00:00", ""],
                      ["3", "C", "700", "USD", "open", "Proposal Made", "", "", "2026-03-01"]])
    rows = {r["deal_id"]: r for r in prep(("deals-1234-5.csv", data)).tables["deals"].to_pylist()}
    assert rows["1"]["is_won"] and str(rows["1"]["closed_at"].date()) == "2026-01-05" and rows["1"]["currency"] == "EUR"
    assert rows["2"]["is_lost"] and str(rows["2"]["closed_at"].date()) == "2026-01-07"
    assert not rows["3"]["is_won"] and not rows["3"]["is_lost"] and rows["3"]["closed_at"] is None


def test_converted_on_a_lead_is_a_conversion_not_a_win():
    data = csv_bytes([["Lead ID", "Lead Status", "IsConverted"], ["00Q1", "Closed - Converted", "true"],
                      ["00Q2", "Open - Not Contacted", "false"]])
    rows = {r["lead_id"]: r for r in prep(("Lead.csv", data)).tables["leads"].to_pylist()}
    assert rows["00Q1"]["is_converted"] and rows["00Q1"]["stage"] == "opportunity"
    assert rows["00Q2"]["stage"] == "lead" and not rows["00Q2"]["is_converted"]


# --- values as exported ------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("$1.2M", "1200000.00"), ("12K", "12000.00"), ("3.4 bn", "3400000000.00"), ("USD 1,200.00", "1200.00"),
    ("1,200.00 EUR ", "1200.00"), ("(1,500)", "-1500.00"), ("--", None), ("< 10%", None), ("N/A", None),
    ("€1,299 monthly", "1299.00"), ("A$ 20", "20.00"),
])
def test_amounts_as_exported(raw, expected):
    got = duckdb.connect().execute(f"select {parsing.amount_expr('c0')} from (select cast(? as varchar) as c0)",
                                   [raw]).fetchall()[0][0]
    assert got == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize("raw, code", [("USD 1,200.00", "USD"), ("3.400,00 EUR", "EUR"), ("£300", "GBP"),
                                       ("A$ 20", "AUD"), ("1,200", None)])
def test_currency_of_an_amount(raw, code):
    got = duckdb.connect().execute(f"select {parsing.currency_mark_expr('c0')} from (select cast(? as varchar) c0)",
                                   [raw]).fetchall()[0][0]
    assert got == code


def test_dates_booleans_and_null_sentinels_as_exported():
    data = csv_bytes([["Opportunity ID", "Created Date", "Close Date", "Won", "Account ID", "Amount"],
                      ["1", "Jan 15, 2026 10:30 AM", "2026-01-31T14:05:00.000+0000", "Y", "000000000000000AAA", "10"],
                      ["2", "15.01.2026", "2026-02-01T09:00:00.000Z", "N", "001A", "--"],
                      ["3", "January 16, 2026", "3/1/2026", "", "N/A", "20"]])
    s = prep(("Opportunity.csv", data))
    rows = {r["deal_id"]: r for r in s.tables["deals"].to_pylist()}
    assert [str(rows[k]["created_at"].date()) for k in "123"] == ["2026-01-15", "2026-01-15", "2026-01-16"]
    assert rows["1"]["closed_at"].isoformat() == "2026-01-31T14:05:00"
    assert (rows["1"]["is_won"], rows["2"]["is_won"]) == (True, False)
    assert rows["1"]["account_id"] is None and rows["3"]["account_id"] is None and rows["2"]["account_id"] == "001A"
    assert rows["2"]["amount"] is None  # a placeholder is blank, not 0
    assert not any(f.code == "unparsed" for f in s.findings)


def test_probability_in_percent_or_fraction():
    a = prep(("a.csv", csv_bytes([["Deal ID", "Probability (%)"], ["1", "10"], ["2", "75"]]))).tables["deals"]
    b = prep(("b.csv", csv_bytes([["Deal ID", "Deal probability"], ["1", "0.1"], ["2", "0.75"]]))).tables["deals"]
    assert a.column("probability").to_pylist() == b.column("probability").to_pylist() == [0.1, 0.75]


# --- the command line can do what the Data page does -------------------------------------------------

def test_inspect_says_how_each_column_was_decided(tmp_path, capsys):
    p = tmp_path / "deals.csv"
    p.write_bytes(csv_bytes([["Opportunity ID", "Stage", "Close Date", "Whatever"],
                             ["1", "Closed Won", "2026-01-05", "x"], ["2", "Prospecting", "", "y"]]))
    assert main(["inspect", str(p), "--format", "json"]) == 0
    sheet = json.loads(capsys.readouterr().out)["sheets"][0]
    assert sheet["kind"] == "deals" and 0 < sheet["confidence"] <= 1
    cols = {c["header"]: c for c in sheet["columns"]}
    assert cols["Stage"]["field"] == "current_stage" and cols["Stage"]["how"] == "name"
    assert cols["Whatever"]["field"] is None
    assert main(["inspect", str(p), "--map", "deals.csv:Whatever=deal_name", "--format", "json"]) == 0
    cols = {c["header"]: c for c in json.loads(capsys.readouterr().out)["sheets"][0]["columns"]}
    assert cols["Whatever"]["field"] == "deal_name" and cols["Whatever"]["how"] == "yours"


def test_map_kind_stage_and_profile_round_trip(tmp_path, capsys):
    data = csv_bytes([["Ref", "When", "Phase"], ["A", "2026-01-05", "Gewonnen!"], ["B", "2026-01-06", "Offen"]])
    p = tmp_path / "odd.csv"
    p.write_bytes(data)
    dbf = tmp_path / "rm.duckdb"
    prof = tmp_path / "profile.json"
    args = ["--kind", "odd.csv=deals", "--map", "odd.csv:Ref=deal_id", "--map", "odd.csv:When=created_at",
            "--map", "odd.csv:Phase=current_stage", "--stage", "Gewonnen!=won", "--stage", "Offen=opportunity"]
    assert main(["inspect", str(p), *args, "--save-profile", str(prof)]) == 0
    capsys.readouterr()
    doc = json.loads(prof.read_text())
    assert doc["sheets"][0]["kind"] == "deals" and doc["stages"] == {"Gewonnen!": "won", "Offen": "opportunity"}
    # the profile alone does what the flags did
    assert main(["load", str(p), "--db", str(dbf), "--profile", str(prof)]) == 0
    with db.read(dbf) as con:
        assert con.execute("select deal_id, is_won, stage from deals order by 1").fetchall() == [
            ("A", True, "won"), ("B", False, "opportunity")]
    with state.read(dbf) as con:
        # the stage names are remembered for the next upload (and the Data page), in the app-state file
        assert dict(con.execute("select alias, stage from config_stage_aliases").fetchall()) == {
            "gewonnen": "won", "offen": "opportunity"}
    capsys.readouterr()
    # and so is the corrected mapping: the same headers load with no flag next time
    p2 = tmp_path / "odd_next.csv"
    p2.write_bytes(csv_bytes([["Ref", "When", "Phase"], ["C", "2026-02-01", "Gewonnen!"]]))
    assert main(["load", str(p2), "--db", str(dbf), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rows_written"] == {"deals": 1}
    with db.read(dbf) as con:
        assert con.execute("select is_won from deals where deal_id = 'C'").fetchall() == [(True,)]


def test_bad_choices_are_user_errors(tmp_path, capsys):
    p = tmp_path / "x.csv"
    p.write_bytes(b"Lead ID,Create Date\nA,2026-01-05\n")
    assert main(["inspect", str(p), "--kind", "x.csv=nonsense"]) == 2
    assert main(["inspect", str(p), "--map", "x.csv:Nope=lead_id"]) == 2
    assert main(["inspect", str(p), "--stage", "Foo=bar"]) == 2
    err = capsys.readouterr().err
    assert "no kind 'nonsense'" in err and "has no column 'Nope'" in err and "'bar' is not a configured stage" in err


# --- the real data sets in ../shared/data, loaded with no flags ---------------------------------------

def _shared(name: str) -> Path:
    p = SHARED / name
    if not p.exists():
        pytest.skip(f"shared/data/{name} is absent (a user's own clone)")
    return p


def test_maven_loads_with_no_flags(db_path):
    d = _shared("maven_crm")
    files = [stage.UploadFile(p.name, p.read_bytes()) for p in sorted(d.glob("*.csv"))]
    s = stage.prepare(files)
    assert s.ok
    kinds = {r.raw.file_name: r.kind for r in s.sheets}
    assert kinds == {"accounts.csv": "accounts", "products.csv": None, "sales_pipeline.csv": "deals",
                     "sales_teams.csv": "owners"}
    load.load(s, db_path)
    with open(d / "sales_pipeline.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with open(d / "accounts.csv", newline="") as fh:
        n_accounts = sum(1 for _ in csv.DictReader(fh))
    won = [r for r in rows if r["deal_stage"] == "Won"]
    lost = [r for r in rows if r["deal_stage"] == "Lost"]
    with db.read(db_path) as con:
        got = con.execute("select count(*), count(*) filter (where is_won), sum(amount) filter (where is_won), "
                          "count(*) filter (where is_lost), count(*) filter (where not is_won and not is_lost) "
                          "from deals").fetchall()[0]
        assert got == (len(rows), len(won), sum(Decimal(r["close_value"]) for r in won), len(lost),
                       len(rows) - len(won) - len(lost))
        assert con.execute("select count(*) from accounts").fetchall()[0][0] == n_accounts
        # an open deal has no close date: it is open, not lost, and its amount is blank, not 0
        assert con.execute("select count(*) from deals where not is_won and not is_lost and "
                           "(closed_at is not null or amount = 0)").fetchall()[0][0] == 0


def test_dynamics_365_loads_with_no_flags(db_path):
    d = _shared("d365_contoso_coffee")
    files = [stage.UploadFile(p.name, p.read_bytes()) for p in sorted(d.glob("*.csv"))]
    s = stage.prepare(files)
    assert s.ok, [f.message for f in s.errors]
    assert {r.raw.file_name: r.kind for r in s.sheets} == {
        "Account.csv": "accounts", "Appointments.csv": "activities", "Campaign.csv": "campaigns",
        "Goal.csv": "targets", "Opportunity.csv": "deals", "User.csv": "owners"}
    load.load(s, db_path)

    def raw(name):
        with open(d / name, newline="", encoding="utf-8-sig") as fh:
            return list(csv.DictReader(fh))

    opp, goals, users = raw("Opportunity.csv"), raw("Goal.csv"), raw("User.csv")
    won = [r for r in opp if r["Status"] == "Won"]
    team = [r for r in goals if not r["Parent Goal"] and r["Target"].strip()]
    personal = [r for r in goals if r["Parent Goal"] and r["Target"].strip()]

    def money(t):
        return Decimal(t.replace("$", "").replace(",", "").strip())

    with db.read(db_path) as con:
        got = con.execute("select count(*), count(*) filter (where is_won), sum(amount) filter (where is_won), "
                          "count(*) filter (where is_lost), count(*) filter (where not is_won and not is_lost), "
                          "list(distinct currency) from deals").fetchall()[0]
        assert got == (len(opp), len(won), sum(money(r["Actual Revenue"]) for r in won),
                       sum(r["Status"] == "Lost" for r in opp), sum(r["Status"] == "Open" for r in opp), ["USD"])
        t = dict(con.execute("select scope, sum(revenue_target) from targets group by 1").fetchall())
        assert t == {"team": sum(money(r["Target"]) for r in team),
                     "personal": sum(money(r["Target"]) for r in personal)}
        names = {r[0] for r in con.execute("select owner from owners").fetchall()}
        assert names == {f"{u['First Name']} {u['Last Name']}" for u in users}
        # open deals keep their estimated close date apart: it is no close
        assert con.execute("select count(*) from deals where not is_won and not is_lost "
                           "and closed_at is not null").fetchall()[0][0] == 0


def test_a_generic_change_log_gives_stage_history():
    """A long change log (record, field, old value, new value, when): only the stage changes are kept."""
    deals = csv_bytes([["Deal ID", "Deal Stage", "Amount"], ["101", "Closed Won", "10"], ["102", "Qualification", "5"],
                       ["103", "Closed Lost", "7"]])
    log = csv_bytes([["Deal ID", "Field", "Old value", "New value", "Change time"],
                     ["101", "Deal Stage", "Qualification", "Proposal/Price Quote", "2026-01-05 10:00"],
                     ["101", "Deal Stage", "Proposal/Price Quote", "Closed Won", "2026-02-01 09:00"],
                     ["101", "Amount", "8", "10", "2026-01-20 09:00"],
                     ["102", "Deal Stage", "", "Qualification", "2026-01-07 11:00"],
                     ["103", "Owner", "Ann", "Bob", "2026-01-09 11:00"]])
    s = prep(("deals.csv", deals), ("deal_changes.csv", log))
    assert s.ok, [f.message for f in s.errors]
    kinds = {r.raw.file_name: r.kind for r in s.sheets}
    assert kinds == {"deals.csv": "deals", "deal_changes.csv": "stage_history"}
    rows = sorted((r["record_id"], r["stage"], str(r["entered_at"].date())) for r in s.tables["stage_history"].to_pylist())
    assert rows == [("101", "proposal", "2026-01-05"), ("101", "won", "2026-02-01"), ("102", "opportunity", "2026-01-07")]

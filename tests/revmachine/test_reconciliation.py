"""Every row read is loaded, merged or dropped under a named rule, named by its row number (rows read =
loaded + merged + dropped, per sheet); a result that cannot be right is a question, never a silent load;
and a sheet's kind and rows never depend on an unrelated file in the same upload."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from revmachine.ingest import detect, stage


def _prepare(*files: tuple[str, str], accept: list[str] = ()) -> stage.Staged:
    choices = detect.Choices.parse(accepts=list(accept))
    return stage.prepare([stage.UploadFile(n, t.encode()) for n, t in files], choices=choices)


def _rec(staged: stage.Staged, label: str) -> dict:
    res = next(s for s in staged.sheets if s.label == label)
    rec = res.reconciliation
    assert rec is not None, f"{label}: no reconciliation"
    assert rec["read"] == rec["loaded"] + rec["merged"] + rec["dropped"], rec
    return rec


def _rule(rec: dict, rule: str) -> dict:
    found = [r for r in rec["rules"] if r["rule"] == rule]
    assert found, f"no {rule} in {rec['rules']}"
    return found[0]


DEALS = "Deal Name,Stage,Amount,Close Date\n"
ADS = "Day,Campaign,Impressions,Clicks,Cost\n"

CASES = {
    # rule: (file name, text, rows it takes, loaded)
    "total_rows": ("deals.csv", DEALS + "Alpha,Closed Won,100,2026-01-05\nBeta,Closed Lost,50,2026-01-06\n"
                   "Total:,,150,\n", [4], 2),
    "footer_rows": ("deals.csv", DEALS + "Alpha,Closed Won,100,2026-01-05\nBeta,Closed Lost,50,2026-01-06\n"
                    "Copyright (c) 2026 Example Inc. All rights reserved.,,,\n", [4], 2),
    "summary_rows": ("ads.csv", ADS + "2026-01-01,Brand,100,5,10\n2026-01-02,Brand,120,6,12\n,,220,11,22\n", [4], 2),
    "group_rows": ("deals.csv", DEALS + "New (2),,,\nAlpha,Prospecting,100,2026-01-05\nBeta,Prospecting,50,2026-01-06\n",
                   [2], 2),
    "header_rows": ("deals.csv", DEALS + "Alpha,Closed Won,100,2026-01-05\nDeal Name,Stage,Amount,Close Date\n"
                    "Beta,Closed Lost,50,2026-01-06\n", [3], 2),
    "section_rows": ("deals.csv", DEALS + "Alpha,Closed Won,100,2026-01-05\nEurope,,,\nBeta,Closed Lost,50,2026-01-06\n",
                     [3], 2),
    "trailer_rows": ("deals.csv", "Deal ID," + DEALS + "D1,Alpha,Closed Won,100,2026-01-05\n"
                     "D2,Beta,Closed Lost,50,2026-01-06\nNorthwind Analytics Inc.,,,,\n", [4], 2),
    "missing_id": ("ads.csv", ADS + "2026-01-01,Brand,100,5,10\n,Brand,120,6,12\n", [3], 1),
    "no_target": ("targets.csv", "Territory,Quarter,Revenue Target\nEMEA,2026-Q1,1000\nAPAC,2026-Q1,\n"
                  "AMER,2026-Q1,3000\n", [3], 2),
    "duplicate_id": ("deals.csv", "Deal ID," + DEALS + "D1,Alpha,Closed Won,100,2026-01-05\n"
                     "D1,Alpha,Closed Won,100,2026-01-05\nD2,Beta,Closed Lost,50,2026-01-06\n", [2], 2),
    "segments_added": ("ads.csv", "Day,Campaign,Device,Impressions,Clicks,Cost\n2026-01-01,Brand,Mobile,100,5,10\n"
                       "2026-01-01,Brand,Desktop,50,2,6\n2026-01-02,Brand,Mobile,80,4,8\n", [3], 2),
    "not_built": ("history.csv", "Opportunity ID,Field,Old Value,New Value,Edit Date\n"
                  "006A,Stage,Prospecting,Qualification,2026-01-02\n006A,Amount,100,200,2026-01-03\n"
                  "006A,Stage,Qualification,Closed Won,2026-01-05\n006B,Stage,Prospecting,Closed Lost,2026-01-04\n"
                  "006B,Close Date,2026-02-01,2026-01-04,2026-01-04\n", [3, 6], 3),
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_each_drop_and_merge_rule_reconciles(rule):
    name, text, rows, loaded = CASES[rule]
    staged = _prepare((name, text))
    rec = _rec(staged, name)
    r = _rule(rec, rule)
    assert r["rows"] == rows and r["count"] == len(rows)
    assert rec["loaded"] == loaded
    assert r["how"] == ("merged" if rule in {"duplicate_id", "segments_added"} else "dropped")


def test_the_cli_prints_the_reconciliation_and_the_figures(tmp_path, capsys):
    from revmachine.cli import main

    p = tmp_path / "deals.csv"
    p.write_text("Deal ID,Deal Name,Stage,Amount,Currency,Close Date\nD1,Alpha,Closed Won,100,USD,2026-01-05\n"
                 "D2,Beta,Closed Lost,50,USD,2026-01-06\nD3,Gamma,Prospecting,70,EUR,2026-03-01\nTotal,,,220,,\n")
    assert main(["inspect", str(p), "--db", str(tmp_path / "x.duckdb")]) == 0
    out = capsys.readouterr().out
    assert "deals.csv: 4 rows read = 3 loaded + 0 merged + 1 dropped" in out
    assert "dropped 1: a totals or subtotals line (total_rows; rows 5)" in out
    assert "Deals: 1 won, 1 lost, 1 open; won revenue USD 100.00; open pipeline EUR 70.00" in out
    assert not (tmp_path / "x.duckdb").exists()  # inspect loads nothing


def test_a_sheet_that_yields_no_record_is_a_question():
    text = "Stage Name,Created Date\nStage Name,Created Date\n"  # only a repeated header row
    staged = _prepare(("stages.csv", "Opportunity Name,Stage,Amount\nOpportunity Name,Stage,Amount\n"
                       "Opportunity Name,Stage,Amount\n"))
    assert text
    qs = [f for f in staged.errors if f.code == "question:no_records"]
    assert qs and "--accept 'stages.csv:no_records'" in qs[0].message


def test_an_ad_report_without_money_is_a_question_until_accepted():
    text = "Day,Campaign,Impressions,Clicks\n2026-01-01,Brand,100,5\n"
    staged = _prepare(("ads.csv", text))
    assert [f.code for f in staged.errors] == ["question:no_money"]
    staged = _prepare(("ads.csv", text), accept=["ads.csv:no_money"])
    assert staged.ok and staged.tables["ad_spend"].num_rows == 1


def test_outcome_words_with_no_won_or_lost_is_a_question():
    """The won / closed flags say 'no' on every row while the stage says Closed Won or Closed Lost (a flag column
    exported blank-as-false): 0 won and 0 lost would be a silent result."""
    text = ("Opportunity ID,Stage,Won,Closed,Amount\nD1,Closed Won,false,false,100\nD2,Closed Lost,false,false,50\n"
            "D3,Closed Won,false,false,70\nD4,Prospecting,false,false,20\n")
    staged = _prepare(("deals.csv", text))
    q = [f for f in staged.errors if f.code == "question:no_outcomes"]
    assert q and "'Closed Won'" in q[0].message and "--accept 'deals.csv:no_outcomes'" in q[0].message
    assert _prepare(("deals.csv", text), accept=["deals.csv:no_outcomes"]).ok


def test_rows_sharing_an_id_whose_values_differ_is_a_question():
    text = "Deal ID,Deal Name,Stage,Amount\nA1,Spring,Closed Won,100\nA1,Autumn,Prospecting,70\nA2,Beta,Closed Lost,50\n"
    staged = _prepare(("deals.csv", text))
    q = [f for f in staged.errors if f.code == "question:merge_differs"]
    assert q and "rows 2, 3" in q[0].message and "--accept 'deals.csv:merge_differs'" in q[0].message
    staged = _prepare(("deals.csv", text), accept=["deals.csv:merge_differs"])
    assert staged.ok and staged.tables["deals"].num_rows == 2
    assert _rule(_rec(staged, "deals.csv"), "duplicate_id")["rows"] == [2]


def test_a_row_with_its_own_id_is_never_dropped_as_a_header_row():
    text = ("Lead ID,Lead Source,Lead Status,Create Date\n00Q000000000001,Web,Working,2026-01-02\n"
            "00Q000000000002,Website,MQL,2026-01-03\nLead ID,Lead Source,Lead Status,Create Date\n")
    staged = _prepare(("leads.csv", text))
    rec = _rec(staged, "leads.csv")
    assert rec["loaded"] == 2 and _rule(rec, "header_rows")["rows"] == [4]


# --- stable decisions: an unrelated file changes no other sheet's kind or rows ----------------------

BASE = [("Opportunity.csv", "Id,Name,StageName,Amount,CloseDate,IsWon,IsClosed\n"
         "0065g00000A1,Alpha,Closed Won,100,2026-01-05,true,true\n0065g00000A2,Beta,Closed Lost,50,2026-01-06,false,true\n"
         "0065g00000A3,Gamma,Prospecting,70,2026-03-01,false,false\n0065g00000A4,Delta,Qualification,20,2026-03-02,"
         "false,false\n"),
        ("Lead.csv", "Lead ID,Lead Source,Lead Status,Create Date,Email\nL1,Web,Working,2026-01-02,a@x.com\n"
         "L2,Events,MQL,2026-01-03,b@x.com\nL3,Web,Open,2026-01-04,c@x.com\n")]
WORDS = ["Region", "Notes", "Color", "Size", "Score", "Value", "Name", "Date", "Count", "Code", "Weight", "City"]


@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(headers=hs.lists(hs.sampled_from(WORDS), min_size=2, max_size=5, unique=True),
       rows=hs.lists(hs.lists(hs.one_of(hs.integers(0, 999).map(str), hs.sampled_from(["x", "y", "2026-01-01", ""])),
                              min_size=5, max_size=5), min_size=1, max_size=6))
def test_an_unrelated_file_never_changes_another_sheets_kind_or_rows(headers, rows):
    before = {s.label: (s.kind, s.ambiguous, s.rows_out) for s in _prepare(*BASE).sheets}
    extra = ",".join(headers) + "\n" + "".join(",".join(r[: len(headers)]) + "\n" for r in rows)
    after = {s.label: (s.kind, s.ambiguous, s.rows_out) for s in _prepare(*BASE, ("unrelated.csv", extra)).sheets}
    for label, got in before.items():
        assert after[label] == got, f"{label}: {got} alone, {after[label]} beside unrelated.csv"

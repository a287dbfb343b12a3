"""The Pipeline page's figures on small hand-made data, each computed by hand here: the movement
(every bar), coverage, forecast accuracy and bias, slippage, quota equity and reps on quota; the deal
history from a history export and from successive uploads; the JSON the CLI prints."""

import datetime as dt
import json

import pytest

from revmachine import db, forecast, pipeline
from revmachine.cli import main
from revmachine.ingest import load
from revmachine.ingest.stage import Staged

from .helpers import frame

D = dt.date
A, B = D(2026, 11, 10), D(2026, 11, 17)


def deal(i, owner, created, amount, close=None, won=False, lost=False, closed=None):
    return dict(deal_id=f"D{i}", deal_name=f"Deal {i}", company=f"Co {i}", owner=owner, territory="East",
                channel="Webinar" if i % 2 else "Outbound", created_at=created, amount=amount,
                expected_close_at=None if (won or lost) else close, closed_at=closed, is_won=won, is_lost=lost,
                is_closed=won or lost, stage="won" if won else (None if lost else "opportunity"),
                current_stage="Closed Won" if won else "Closed Lost" if lost else "Qualification")


DEALS = [
    deal(1, "Ann", "2026-09-01", 100, "2026-12-15"),                                  # start 100, end 100
    deal(2, "Ann", "2026-09-01", 250, "2026-12-10"),                                  # 200 -> 250: increased 50
    deal(3, "Ann", "2026-09-01", 240, "2026-12-01"),                                  # 300 -> 240: decreased 60
    deal(4, "Ann", "2026-09-01", 400, won=True, closed="2026-11-14"),                 # won 400
    deal(5, "Ann", "2026-09-01", 150, lost=True, closed="2026-11-15"),                # lost 150
    deal(6, "Ann", "2026-09-01", 500, "2027-01-15"),                                  # pushed out 500
    deal(7, "Bob", "2026-09-01", 350, "2026-12-01"),                                  # pulled in 350
    deal(8, "Ann", "2026-11-12", 120, "2026-12-30"),                                  # created 120
    deal(9, "Bob", "2026-11-13", 80, won=True, closed="2026-11-16"),                  # created 80, won 80
    deal(10, "Bob", "2026-09-01", 1000, "2027-03-01"),                                # never in the period
    deal(11, "Bob", "2026-10-01", 90, won=True, closed="2026-10-20"),                 # won before the week
    deal(12, "Bob", "2026-09-01", 90, "2027-01-10"),                                  # 60 -> 90, then pushed
    deal(13, "Bob", "2026-04-01", 100, won=True, closed="2026-05-01"),                # the trailing year
    deal(14, "Bob", "2026-05-01", 300, lost=True, closed="2026-06-01"),
    deal(15, "Ann", "2026-08-01", 70, "2026-10-15"),                                  # open past its close date
]
HISTORY = [  # as an OpportunityFieldHistory export gives it
    dict(deal_id="D2", field="amount", changed_at="2026-11-12 10:00", old_value="200.00", new_value="250.00"),
    dict(deal_id="D3", field="amount", changed_at="2026-11-13 10:00", old_value="300.00", new_value="240.00"),
    dict(deal_id="D4", field="close_date", changed_at="2026-11-14 10:00", old_value="2026-12-20",
         new_value="2026-11-14"),
    dict(deal_id="D6", field="close_date", changed_at="2026-11-12 10:00", old_value="2026-12-20",
         new_value="2027-01-15"),
    dict(deal_id="D7", field="close_date", changed_at="2026-11-16 10:00", old_value="2027-02-01",
         new_value="2026-12-01"),
    dict(deal_id="D12", field="amount", changed_at="2026-11-14 10:00", old_value="60.00", new_value="90.00"),
    dict(deal_id="D12", field="close_date", changed_at="2026-11-15 10:00", old_value="2026-12-10",
         new_value="2027-01-10"),
]
TARGETS = [
    dict(period_start="2026-10-01", period_end="2026-12-31", territory="East", revenue_target=2000, scope="team"),
    dict(period_start="2026-10-01", period_end="2026-12-31", territory="East", owner="Ann", revenue_target=1200,
         scope="personal"),
    dict(period_start="2026-10-01", period_end="2026-12-31", territory="East", owner="Bob", revenue_target=150,
         scope="personal"),
]
OWNERS = [dict(owner="Ann", territory="East", manager="Meg"), dict(owner="Bob", territory="East", manager="Meg")]


@pytest.fixture(scope="module")
def sales_db(tmp_path_factory):
    p = tmp_path_factory.mktemp("pipeline") / "p.duckdb"
    load.load(Staged([], [], [], {"deals": frame("deals", DEALS), "deal_field_history": frame("deal_field_history", HISTORY),
                                  "targets": frame("targets", TARGETS), "owners": frame("owners", OWNERS)}), p)
    return p


def test_movement_every_bar_by_hand(sales_db):
    with db.read(sales_db) as con:
        m = pipeline.movement(con, "2026-Q4", start=A, end=B)
    bars = {b["bar"]: b["amount"] for b in m["bars"]}
    assert m["start"]["amount"] == 100 + 200 + 300 + 400 + 150 + 500 + 60 + 70  # D1-D6, D12, D15 = 1780
    assert bars == {"created": 120 + 80, "pulled_in": 350, "increased": 50 + 30, "decreased": -60,
                    "won": -(400 + 80), "lost": -150, "pushed_out": -(500 + 90)}
    assert m["end"]["amount"] == 100 + 250 + 240 + 350 + 120 + 70  # D1, D2, D3, D7, D8, D15 = 1130
    assert m["identity_holds"] and m["start"]["amount"] + sum(bars.values()) == m["end"]["amount"]
    deals = {b["bar"]: {d["deal_id"]: d for d in b["deals"]} for b in m["bars"]}
    assert set(deals["pushed_out"]) == {"D6", "D12"} and deals["pushed_out"]["D6"]["to"] == "2027-01-15"
    assert deals["pushed_out"]["D6"]["from"] == "2026-12-20" and deals["pushed_out"]["D6"]["owner"] == "Ann"
    assert deals["pulled_in"]["D7"]["from"] == "2027-02-01" and deals["pulled_in"]["D7"]["to"] == "2026-12-01"
    assert deals["increased"]["D2"]["from"] == 200 and deals["increased"]["D2"]["to"] == 250
    assert set(deals["created"]) == {"D8", "D9"} and set(deals["won"]) == {"D4", "D9"}
    assert "D10" not in {d for b in deals.values() for d in b} and "D11" not in {d for b in deals.values() for d in b}


def test_movement_filtered_to_an_owner_still_adds_up(sales_db):
    with db.read(sales_db) as con:
        m = pipeline.movement(con, "2026-Q4", pipeline.Filters(owner=("Bob",)), A, B)
    bars = {b["bar"]: b["amount"] for b in m["bars"]}
    assert m["start"]["amount"] == 60 and m["end"]["amount"] == 350  # D12 starts; D7 ends
    assert bars["pulled_in"] == 350 and bars["pushed_out"] == -90 and bars["increased"] == 30
    assert bars["created"] == 80 and bars["won"] == -80 and m["identity_holds"]


def test_coverage_and_required_coverage_by_hand(sales_db):
    with db.read(sales_db) as con:
        c = pipeline.coverage(con, "2026-Q4", by="territory", earlier=0, day=B)
    east = c["rows"][0]
    won = 400 + 80 + 90  # D4, D9, D11 won in the quarter by the day
    assert east["segment"] == "East" and east["won_amount"] == won and east["target"] == 2000
    assert east["open_amount"] == 1130
    assert east["coverage"] == pytest.approx(1130 / (2000 - won))
    # trailing year before 2026-Q4: D13 won 100, D14 lost 300 (too few closed deals of its own: the company's)
    assert east["win_rate"] == pytest.approx(100 / 400) and east["required"] == pytest.approx(4.0)
    assert east["short"] is True and c["company"]["coverage"] == pytest.approx(1130 / 1430)


def test_reps_on_quota_and_quota_equity_by_hand(sales_db):
    with db.read(sales_db) as con:
        r = pipeline.reps(con, "2026-Q4", n_previous=0)
        e = pipeline.quota_equity(con, "2026-Q4")
    cur = r["current"].set_index("owner")
    assert cur.loc["Ann", "won_amount"] == 400 and cur.loc["Ann", "quota"] == 1200
    assert cur.loc["Bob", "won_amount"] == 80 + 90 and cur.loc["Bob", "attainment"] == pytest.approx(170 / 150)
    assert r["share"] == 0.5 and r["with_quota"] == 2 and r["on_quota"] == 1  # Bob on quota, Ann not
    assert cur.loc["Ann", "win_rate"] == pytest.approx(1 / 2) and cur.loc["Ann", "manager"] == "Meg"
    rows = e["rows"].set_index("name")
    ann_pipe = 100 + 250 + 240 + 400 + 150 + 500 + 70  # Ann's deals created 2025-10-01 .. 2026-09-30
    bob_pipe = 350 + 1000 + 90 + 100 + 300
    assert rows.loc["Ann", "pipeline_created"] == ann_pipe and rows.loc["Bob", "pipeline_created"] == bob_pipe
    assert rows.loc["Ann", "index_pipeline_created"] == pytest.approx((1200 / ann_pipe) / (150 / bob_pipe))
    assert rows.loc["Ann", "flag"] and not rows.loc["Bob", "flag"]
    assert any(s.startswith("Ann carries 8.") and "much heavier" in s for s in e["flags"])


def test_slippage_by_hand(sales_db):
    with db.read(sales_db) as con:
        s = pipeline.slippage(con, "2026-Q4")
    deals = s["deals"].set_index("deal_id")
    # D6 pushed 26 days out of the quarter, D12 31 days out of it; D7 pulled in; D4's close date set
    # when it was won is no slip
    assert set(deals.index) == {"D6", "D12", "D7"} - {"D7"}
    assert deals.loc["D6", "days_pushed"] == 26 and deals.loc["D12", "days_pushed"] == 31
    assert s["pushes"] == 2 and s["days_pushed"] == 57 and s["pushed_out"] == 2
    assert list(s["overdue"].deal_id) == ["D15"]
    owners = s["owners"].set_index("owner")
    assert owners.loc["Ann", "pushes"] == 1 and owners.loc["Bob", "days_pushed"] == 31


def test_forecast_accuracy_and_bias(sales_db, tmp_path):
    assert forecast.accuracy(900, 1000) == pytest.approx(0.9) and forecast.bias(900, 1000) == pytest.approx(-0.1)
    assert forecast.accuracy(100, 0) is None  # nothing won: no actual to be near ("—")
    p = tmp_path / "calls.duckdb"
    p.write_bytes(sales_db.read_bytes())
    forecast.save_call("2026-Q2", "territory", "East", 120, 150, "Meg", path=p)  # won in Q2: D13, 100
    forecast.save_call("2026-Q4", "owner", "Ann", 500, None, "Ann", path=p)  # still open: not judged
    with pytest.raises(pipeline.UserError, match="best case cannot be below"):
        forecast.save_call("2026-Q4", "owner", "Ann", 500, 100, "Ann", path=p)
    from revmachine import state

    with state.read(p) as scon:  # the calls are app state: in the state file, the data file untouched
        calls = forecast.calls(scon)
    with db.read(p) as con:
        a = pipeline.forecast_accuracy(con, calls)
    j = a["judged"].iloc[0]
    assert (j.period, j.scope, j.won_amount) == ("2026-Q2", "East", 100)
    assert j.accuracy == pytest.approx(0.8) and j.bias == pytest.approx(0.2)
    assert a["bias"].iloc[0].tendency == "over-calls" and list(a["open"].scope) == ["Ann"]
    assert calls.called_by.tolist() == ["Ann", "Meg"] and calls.recorded_at.notna().all()


def test_deal_history_from_successive_uploads(tmp_path):
    """Without a history export, two uploads of the same deal: the change is dated the later load
    and marked inferred, and the movement between the two loads' days shows it."""
    p = tmp_path / "u.duckdb"
    week1 = [deal(1, "Ann", "2026-09-01", 100, "2026-12-15"), deal(2, "Ann", "2026-11-10", 10, "2027-06-01")]
    week2 = [deal(1, "Ann", "2026-09-01", 150, "2027-01-20"), deal(2, "Ann", "2026-11-10", 10, "2027-06-01"),
             deal(3, "Ann", "2026-11-17", 10, "2027-06-01")]
    load.load(Staged([], [], [], {"deals": frame("deals", week1)}), p)
    load.load(Staged([], [], [], {"deals": frame("deals", week2)}), p)
    with db.read(p) as con:
        ch = con.execute("select field, changed_on, old_value, new_value, is_inferred from deal_changes "
                         "where deal_id = 'D1' and not is_initial order by field").fetchall()
        m = pipeline.movement(con, "2026-Q4", start=A, end=B)
    assert ch == [("amount", B, "100.00", "150.00", True), ("close_date", B, "2026-12-15", "2027-01-20", True)]
    bars = {b["bar"]: b["amount"] for b in m["bars"]}
    assert m["start"]["amount"] == 100 and bars["increased"] == 50 and bars["pushed_out"] == -150
    assert m["end"]["amount"] == 0 and m["identity_holds"]


def test_probability_on_either_scale(tmp_path):
    """A load with 0-100 probabilities and one with 0-1 both weigh the pipeline right."""
    p = tmp_path / "w.duckdb"
    rows = [dict(deal(1, "Ann", "2026-09-01", 1000, "2026-12-15"), probability=40.0),
            dict(deal(2, "Ann", "2026-09-01", 1000, "2026-12-15"), probability=75.0)]
    load.load(Staged([], [], [], {"deals": frame("deals", rows)}), p)
    with db.read(p) as con:
        w100 = pipeline.forecast_categories(con, "2026-Q4", day=B)["weighted"]
    rows = [dict(r, probability=r["probability"] / 100) for r in rows]
    p2 = tmp_path / "w2.duckdb"
    load.load(Staged([], [], [], {"deals": frame("deals", rows)}), p2)
    with db.read(p2) as con:
        w1 = pipeline.forecast_categories(con, "2026-Q4", day=B)["weighted"]
    assert w100["amount"] == pytest.approx(400 + 750) == w1["amount"]


def test_cli_json_has_the_stable_ids(sales_db, capsys):
    rc = main(["pipeline", "--db", str(sales_db), "--period", "2026-Q4", "--from", "2026-11-10", "--to", "2026-11-17",
               "--format", "json"])
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    for key in ("movement", "coverage", "forecast_categories", "weighted_pipeline", "reps", "reps_on_quota_share",
                "quota_equity", "slipped_deals"):
        assert key in doc, key
    mv = doc["movement"]
    assert mv["start"]["amount"] == 1780 and mv["end"]["amount"] == 1130 and mv["identity_holds"]
    assert [b["bar"] for b in mv["bars"]] == ["created", "pulled_in", "increased", "decreased", "won", "lost",
                                              "pushed_out"]
    assert next(b for b in mv["bars"] if b["bar"] == "won")["amount"] == -480
    assert {d["deal_id"] for d in next(b for b in mv["bars"] if b["bar"] == "won")["deals"]} == {"D4", "D9"}
    ann = next(r for r in doc["reps"] if r["owner"] == "Ann" and r["period"] == "2026-Q4")
    assert ann["attainment"] == pytest.approx(400 / 1200) and doc["reps_on_quota_share"] == 0.5
    assert {d["deal_id"] for d in doc["slipped_deals"]} == {"D6", "D12"}
    assert main(["pipeline", "--db", str(sales_db), "--period", "2026-Q4", "--from", "2026-11-10",
                 "--to", "2026-11-17"]) == 0
    text = capsys.readouterr().out
    assert "Pushed out" in text and "D6" in text and "holds" in text

"""Scorecard metrics against a hand-built fixture; every expected number is worked out by hand."""

import pytest

from revmachine import metrics
from revmachine.filters import Filters

from .helpers import memory_db

LEADS = [
    # L1: Q3, Paid Search (marketing), handed off 07-06 09:00, first touch 13:00 (4 h), won via D1
    dict(lead_id="L1", created_at="2026-07-05 10:00", channel="Paid Search", territory="East", owner="Ann",
         stage="won", mql_at="2026-07-06 09:00", sal_at="2026-07-07 09:00", opportunity_at="2026-07-10 09:00",
         proposal_at="2026-07-20 09:00", won_at="2026-08-15 09:00", first_response_at="2026-07-06 13:00"),
    # L2: Q3, handed off 07-11 10:00, first touch 30 h later, then rejected
    dict(lead_id="L2", created_at="2026-07-10 10:00", channel="Paid Search", territory="East", owner="Ann",
         stage="mql", mql_at="2026-07-11 10:00", first_response_at="2026-07-12 16:00",
         exit_at="2026-07-20 00:00", exit_reason="rejected: not ICP"),
    # L3: Q3, Outbound (sales), 2 h response, open opportunity D2
    dict(lead_id="L3", created_at="2026-08-01 08:00", channel="Outbound", territory="West", owner="Bob",
         stage="opportunity", mql_at="2026-08-02 08:00", sal_at="2026-08-03 08:00",
         opportunity_at="2026-08-05 08:00", first_response_at="2026-08-02 10:00"),
    # L4: Q3, never qualified
    dict(lead_id="L4", created_at="2026-08-20 08:00", channel="Paid Search", territory="West", owner="Bob",
         stage="lead"),
    # L5: Q2, won via D4
    dict(lead_id="L5", created_at="2026-04-10 08:00", channel="Paid Search", territory="East", owner="Ann",
         stage="won", mql_at="2026-04-11 00:00", sal_at="2026-04-12 00:00", opportunity_at="2026-04-15 00:00",
         proposal_at="2026-04-20 00:00", won_at="2026-05-01 00:00", first_response_at="2026-04-11 06:00"),
]
DEALS = [
    dict(deal_id="D1", lead_id="L1", territory="East", owner="Ann", channel="Paid Search", stage="won",
         created_at="2026-07-10 00:00", closed_at="2026-08-15 00:00", amount=10000, is_won=True, is_lost=False),
    dict(deal_id="D2", lead_id="L3", territory="West", owner="Bob", channel="Outbound", stage="opportunity",
         created_at="2026-08-05 00:00", is_won=False, is_lost=False),
    # D3: no lead; sales-sourced referral; 71-day cycle
    dict(deal_id="D3", territory="West", owner="Bob", channel="Referral", stage="won",
         created_at="2026-07-01 00:00", closed_at="2026-09-10 00:00", amount=30000, is_won=True, is_lost=False),
    dict(deal_id="D4", lead_id="L5", territory="East", owner="Ann", channel="Paid Search", stage="won",
         created_at="2026-04-15 00:00", closed_at="2026-05-01 00:00", amount=20000, is_won=True, is_lost=False),
]
TARGETS = [
    dict(period_start="2026-07-01", period_end="2026-09-30", territory="East", revenue_target=20000, mql_quota=2),
    dict(period_start="2026-07-01", period_end="2026-09-30", territory="West", revenue_target=40000, mql_quota=1),
    dict(period_start="2026-04-01", period_end="2026-06-30", territory="East", revenue_target=25000, mql_quota=1),
]
SPEND = [dict(period_start=f"2026-0{m}-01", period_end=f"2026-0{m}-{d}", function="marketing",
              channel="Paid Search", amount=3000) for m, d in ((7, 31), (8, 31), (9, 30))] + [
    dict(period_start=f"2026-0{m}-01", period_end=f"2026-0{m}-{d}", function="sales", amount=2000)
    for m, d in ((7, 31), (8, 31), (9, 30))]
ACTIVITIES = [
    dict(activity_id="A1", lead_id="L1", occurred_at="2026-07-06 13:00"),
    dict(activity_id="A2", lead_id="L1", occurred_at="2026-07-08 10:00"),
    dict(activity_id="A3", lead_id="L1", occurred_at="2026-07-12 10:00"),
    dict(activity_id="A4", lead_id="L3", occurred_at="2026-08-02 10:00"),
]


@pytest.fixture(scope="module")
def con():
    c = memory_db(leads=LEADS, deals=DEALS, targets=TARGETS, spend=SPEND, activities=ACTIVITIES)
    yield c
    c.close()


def values(card, segment=False):
    return {(r.metric, r.segment) if segment else r.metric: r for r in card["rows"]}


def test_q3_scorecard_by_hand(con):
    v = values(metrics.scorecard(con, "2026-Q3"))
    assert v["won_revenue"].value == 40000          # D1 10,000 + D3 30,000
    assert v["won_deals"].value == 2
    assert v["attainment"].value == pytest.approx(40000 / 60000)  # targets East 20k + West 40k
    assert v["attainment"].previous == pytest.approx(20000 / 25000)  # Q2: D4 vs East 25k
    assert v["attainment"].change == pytest.approx(40000 / 60000 - 0.8)  # points
    assert v["attainment"].on_target is False
    assert v["leads_created"].value == 4             # L1-L4
    assert v["sql_growth_mom"].value == pytest.approx(-1.0)  # Sep 0 vs Aug 1 (L3)
    # Q3: L1, L3, D3 = 3 in 92 days vs Q2: L5 = 1 in 91 days: the daily pace, like with like
    assert v["sql_growth_qoq"].value == pytest.approx((3 / 92) / (1 / 91) - 1)
    # marketing-sourced handoffs only: L1 4 h, L2 30 h (L3 is Outbound, a rep's own lead)
    assert v["lead_response_hours"].value == pytest.approx(17.0)
    assert "50% of 2" in v["lead_response_hours"].note            # 1 of 2 within 24 h
    assert v["lead_response_hours"].on_target is True  # 17 h within the MQL stage's 24 h
    assert v["exit_rate"].value == pytest.approx(1 / 5)  # L2 of L1-L4 + D3
    assert v["followups_per_sql"].value == pytest.approx(2.0)  # L1 3 touches, L3 1 (D3 has no data)
    assert v["avg_sales_deal"].value == pytest.approx(30000)   # D3 referral
    assert v["avg_marketing_deal"].value == pytest.approx(10000)  # D1 paid search
    assert v["sales_cycle_days"].value == pytest.approx((36 + 71) / 2)
    assert v["cost_to_revenue"].value == pytest.approx(15000 / 40000)  # 3x3,000 + 3x2,000
    assert v["lead_to_customer"].value == pytest.approx(1 / 4)  # L1 won of 4 leads
    # of the marketing-sourced MQLs (L1, L2): L1 accepted; L3 (Outbound) is beside it, not in it
    assert v["lead_acceptance"].value == pytest.approx(1 / 2)
    assert v["lead_acceptance"].detail["sales_sourced_mqls"] == 1
    assert v["marketing_revenue_share"].value == pytest.approx(0.25)
    assert v["won_revenue"].change == pytest.approx((40000 - 20000) / 20000)  # relative
    assert v["won_revenue"].yoy is None  # no 2025-Q3 data... but a zero base
    shares = values(metrics.scorecard(con, "2026-Q3"), segment=True)
    assert shares[("lead_share", "Paid Search")].value == pytest.approx(0.75)
    assert shares[("lead_share", "Outbound")].value == pytest.approx(0.25)


def test_territory_filter(con):
    v = values(metrics.scorecard(con, "2026-Q3", Filters(territory=("East",))))
    assert v["won_revenue"].value == 10000
    assert v["attainment"].value == pytest.approx(0.5)
    assert v["cost_to_revenue"].value is None  # spend is not split by territory


def test_channel_filter_blanks_attainment(con):
    v = values(metrics.scorecard(con, "2026-Q3", Filters(channel=("Referral",))))
    assert v["won_revenue"].value == 30000
    assert v["attainment"].value is None and "per territory" in v["attainment"].note


def test_filter_matching_nothing(con):
    v = values(metrics.scorecard(con, "2026-Q3", Filters(territory=("Nowhere",))))
    assert v["won_revenue"].value == 0
    assert v["leads_created"].value == 0
    assert v["attainment"].value is None     # no target: "—", not 0%
    assert v["lead_acceptance"].value is None  # 0 / 0
    assert v["exit_rate"].value is None


def test_empty_period_and_no_previous(con):
    v = values(metrics.scorecard(con, "2020-Q1"))
    assert v["won_revenue"].value == 0 and v["won_revenue"].previous == 0
    assert v["won_revenue"].change is None   # 0 -> 0: no relative change
    for m in ("attainment", "lead_acceptance", "sales_cycle_days", "avg_sales_deal", "lead_to_customer"):
        assert v[m].value is None, m


def test_month_period(con):
    v = values(metrics.scorecard(con, "2026-08"))
    assert v["won_revenue"].value == 10000  # D1 closed 08-15
    assert v["attainment"].value == pytest.approx(10000 / (60000 * 31 / 92))  # target prorated by days


def test_missing_inputs_name_the_sheet():
    from .helpers import memory_db as mk

    c = mk(deals=DEALS)
    v = values(metrics.scorecard(c, "2026-Q3"))
    assert v["won_revenue"].value == 40000
    assert v["attainment"].value is None and "targets sheet" in v["attainment"].note
    assert v["leads_created"].value is None and "leads sheet" in v["leads_created"].note
    assert v["cost_to_revenue"].value is None and "spend sheet" in v["cost_to_revenue"].note


def test_sla_breaches_and_scoreboard(con):
    sla = metrics.sla_by_territory(con, "2026-Q3").set_index("territory")
    assert sla.loc["East", "mqls"] == 2 and sla.loc["East", "within_sla"] == 1  # L1 4 h, L2 30 h
    assert sla.loc["East", "mql_quota"] == pytest.approx(2)
    # West's only MQL (L3) is sales-sourced: beside marketing's count, not in it
    assert sla.loc["West", "mqls"] == 0 and sla.loc["West", "sales_sourced_mqls"] == 1
    b = metrics.sla_breaches(con, "2026-Q3")
    assert "L2" in set(b.lead_id) and "late first touch" in b.set_index("lead_id").loc["L2", "breach"]
    assert "L1" not in set(b.lead_id)  # touched in 4 h, 3 attempts, accepted


def test_report_json_keys(con):
    rows = metrics.report_rows(metrics.scorecard(con, "2026-Q3"))
    assert {"metric", "value", "previous", "change", "yoy", "owner", "unit"} <= set(rows[0])
    ids = {r["metric"] for r in rows}
    assert {"attainment", "sql_growth_mom", "sql_growth_qoq", "lead_share", "lead_response_hours",
            "exit_rate", "followups_per_sql", "avg_sales_deal", "avg_marketing_deal", "sales_cycle_days",
            "cost_to_revenue", "lead_to_customer", "lead_acceptance", "marketing_revenue_share",
            "sales_cycle_yoy", "attainment_yoy", "won_revenue", "won_deals", "leads_created"} <= ids
    assert all("segment" in r for r in rows if r["metric"] == "lead_share")

"""Marketer matrix: every quadrant from a hand-built fixture, with scores worked out by hand."""

import json
import math

import pytest

from revmachine import matrix
from revmachine.cli import main

from .helpers import memory_db


def lead(lid, campaign, channel="Paid Search", handed=True, accepted=True):
    return dict(lead_id=lid, created_at="2026-07-01", channel=channel, campaign=campaign,
                stage="sal" if accepted else ("mql" if handed else "lead"),
                mql_at="2026-07-02" if handed else None, sal_at="2026-07-03" if accepted else None)


LEADS = [
    lead("A1", "CA"), lead("A2", "CA"),                        # aligned: accepted, won, attributed
    lead("B1", "CB"), lead("B2", "CB", accepted=False),       # spin doctor: no revenue
    lead("C1", "CC"), lead("C2", "CC"),                        # silent operative: won, deal unattributed
    lead("D1", "CD", accepted=False), lead("D2", "CD", accepted=False),  # mis-aligned
    lead("S1", None, channel="Outbound"), lead("S2", None, channel="Outbound"),  # the sales baseline
]
DEALS = [
    dict(deal_id="WA", lead_id="A1", campaign="CA", is_won=True, is_lost=False, stage="won",
         created_at="2026-07-05", closed_at="2026-08-01", amount=1000),
    dict(deal_id="WC", lead_id="C1", campaign=None, is_won=True, is_lost=False, stage="won",
         created_at="2026-07-05", closed_at="2026-08-01", amount=3000),
    dict(deal_id="WS", lead_id="S1", is_won=True, is_lost=False, stage="won",
         created_at="2026-07-05", closed_at="2026-08-01", amount=2000),
]
FULL = dict(channel="Paid Search", content="Ebook", targeting="CFOs", start_date="2026-06-01", end_date="2026-09-30")
BARE = dict(channel="Paid Search", start_date="2026-06-01")  # 2 of 5 fields
CAMPAIGNS = [
    dict(campaign_id="CA", campaign_name="Alpha", owner="Ana", spend=100, **FULL),
    dict(campaign_id="CB", campaign_name="Bravo", owner="Ben", spend=100, **FULL),
    dict(campaign_id="CC", campaign_name="Charlie", owner="Ana", spend=100, **BARE),
    dict(campaign_id="CD", campaign_name="Delta", owner="Ben", spend=100, **BARE),
    dict(campaign_id="CE", campaign_name="Echo", owner="Ben", spend=50, **FULL),  # spend, no leads
]


@pytest.fixture(scope="module")
def con():
    c = memory_db(leads=LEADS, deals=DEALS, campaigns=CAMPAIGNS)
    yield c
    c.close()


def points(m):
    return m.points.set_index("entity")


def test_every_quadrant_by_hand(con):
    m = matrix.build(con, "all", entity="campaign", baseline="median", min_leads=2)
    p = points(m)
    # median baseline over A-D: revenue/lead 250, acceptance 0.75, revenue/spend 5
    assert m.baseline.revenue_per_lead == pytest.approx(250)
    assert m.baseline.acceptance == pytest.approx(0.75)
    assert m.baseline.revenue_per_spend == pytest.approx(5)
    assert p.loc["Alpha", "delivers"] == pytest.approx((2 * (1 / 0.75) * 2) ** (1 / 3))
    assert p.loc["Charlie", "delivers"] == pytest.approx((6 * (1 / 0.75) * 6) ** (1 / 3))
    assert p.loc["Bravo", "delivers"] == 0 and p.loc["Delta", "delivers"] == 0
    assert p.loc["Alpha", "demonstrates"] == pytest.approx(1.0)
    assert p.loc["Bravo", "demonstrates"] == pytest.approx(1.0)  # no revenue: that share does not apply
    assert p.loc["Charlie", "demonstrates"] == pytest.approx((1 + 0 + 0.4) / 3)
    assert p.loc["Delta", "demonstrates"] == pytest.approx((1 + 0.4) / 2)
    assert m.x_threshold == pytest.approx((0 + p.loc["Alpha", "delivers"]) / 2)
    assert m.y_threshold == pytest.approx((0.7 + 1.0) / 2)
    assert p.loc["Alpha", "quadrant"] == "aligned marketer"
    assert p.loc["Bravo", "quadrant"] == "spin doctor"
    assert p.loc["Charlie", "quadrant"] == "silent operative"
    assert p.loc["Delta", "quadrant"] == "mis-aligned marketer"
    # a campaign with spend and no leads is shown, but too little data to judge
    assert p.loc["Echo", "leads"] == 0 and p.loc["Echo", "quadrant"] == "too little data"


def test_baseline_choices(con):
    sales = points(matrix.build(con, "all", baseline="sales", min_leads=2))
    # sales-sourced leads: 2,000 / 2 = 1,000 per lead, both accepted; no spend to compare
    assert sales.loc["Alpha", "delivers"] == pytest.approx(math.sqrt(0.5 * 1.0))
    assert sales.loc["Charlie", "delivers"] == pytest.approx(math.sqrt(1.5 * 1.0))
    ch = matrix.build(con, "all", baseline="channel:Paid Search", min_leads=2)
    assert ch.baseline.revenue_per_lead == pytest.approx(4000 / 8)
    assert ch.baseline.acceptance == pytest.approx(5 / 8)


def test_ties_at_the_threshold_count_as_meeting_it():
    assert matrix.classify(1.0, 0.5, 1.0, 0.5) == "aligned marketer"
    assert matrix.classify(0.99, 0.5, 1.0, 0.5) == "spin doctor"
    assert matrix.classify(None, 0.5, 1.0, 0.5) == "too little data"


def test_fixed_thresholds_and_min_leads(con):
    m = matrix.build(con, "all", min_leads=3, x_threshold=1.0, y_threshold=0.9)
    assert set(m.points.quadrant) == {"too little data"}  # every campaign has 2 leads
    m = matrix.build(con, "all", min_leads=2, x_threshold=4.0, y_threshold=0.9)
    assert points(m).loc["Charlie", "quadrant"] == "mis-aligned marketer"  # 3.63 < 4


def test_channel_and_marketer_entities(con):
    ch = points(matrix.build(con, "all", entity="channel", min_leads=2))
    assert ch.loc["Paid Search", "leads"] == 8 and ch.loc["Outbound", "leads"] == 2
    assert ch.loc["Outbound", "leads_traceable"] == 0  # sales' own leads name no campaign
    mk = points(matrix.build(con, "all", entity="marketer", min_leads=2))
    assert mk.loc["Ana", "leads"] == 4 and mk.loc["Ana", "spend"] == pytest.approx(200)
    assert mk.loc["Ben", "spend"] == pytest.approx(250)


def test_prescriptions_name_the_evidence(con):
    m = matrix.build(con, "all", min_leads=2)
    silent = matrix.prescription(m, "Charlie")
    assert any("comes from deals that name no campaign" in f for f in silent["facts"])
    assert any("40% complete" in f for f in silent["facts"])
    spin = matrix.prescription(m, "Bravo")
    assert spin["quadrant"] == "spin doctor" and any("Revenue per lead $0 vs $250" in f for f in spin["facts"])
    assert not any("nan" in f for p in (silent, spin) for f in p["facts"])


def test_demo_planted_campaigns_land_in_their_quadrants(demo_db, capsys):
    assert main(["matrix", "--db", str(demo_db), "--period", "all", "--entity", "campaign", "--format", "json"]) == 0
    rows = {r["entity"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["Brand Awareness Blitz"]["quadrant"] == "spin doctor"
    assert rows["Partner Dinner Series"]["quadrant"] == "silent operative"
    assert {"entity", "delivers", "demonstrates", "quadrant", "spend", "leads"} <= set(rows["Brand Awareness Blitz"])


def test_campaign_without_spend_is_judged_on_what_it_has():
    leads = [lead("N1", "CN"), lead("N2", "CN"), lead("P1", "CP"), lead("P2", "CP", accepted=False)]
    deals = [dict(deal_id="WN", lead_id="N1", campaign="CN", is_won=True, is_lost=False, stage="won",
                  created_at="2026-07-05", closed_at="2026-08-01", amount=600)]
    campaigns = [dict(campaign_id="CN", campaign_name="No spend", owner="Ana", spend=None, **FULL),
                 dict(campaign_id="CP", campaign_name="Paid", owner="Ben", spend=100, **FULL)]
    c = memory_db(leads=leads, deals=deals, campaigns=campaigns)
    m = matrix.build(c, "all", min_leads=2, baseline="median")
    p = points(m)
    assert pd_isna(p.loc["No spend", "revenue_per_spend"]) and pd_isna(p.loc["No spend", "lift_revenue_per_spend"])
    # median baseline: revenue per lead (300 + 0) / 2 = 150, acceptance (1 + 0.5) / 2 = 0.75
    assert p.loc["No spend", "delivers"] == pytest.approx(math.sqrt((300 / 150) * (1 / 0.75)))


def pd_isna(x):
    return x is None or (isinstance(x, float) and math.isnan(x))


def test_thresholds_split_the_points_when_they_tie_on_the_median():
    # 33 points at 100% and 7 below: the median is 1.0, so half the points would sit on the line;
    # the threshold goes to the middle of the gap just below it instead
    ys = [1.0] * 33 + [0.4667, 0.8, 0.8, 0.8667, 0.8667, 0.9, 0.9333]
    thr = matrix.split_threshold(ys)
    assert thr == pytest.approx((0.9333 + 1.0) / 2)
    assert not any(y == thr for y in ys) and any(y < thr for y in ys) and any(y > thr for y in ys)
    # a tie in the middle: the gap that splits most evenly (3 below / 4 above beats 5 / 2)
    assert matrix.split_threshold([1, 2, 3, 3, 3, 4, 5]) == pytest.approx(2.5)
    assert matrix.split_threshold([1.0, 2.0, 4.0, 5.0]) == pytest.approx(3.0)  # the median sits in a gap
    assert matrix.split_threshold([0.5, 0.5]) == 0.5 and matrix.split_threshold([]) is None

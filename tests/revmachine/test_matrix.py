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


def test_median_split_by_hand_when_no_baseline_is_named(con):
    m = matrix.build(con, "all", entity="campaign", baseline="median", min_leads=2)
    p = points(m)
    assert m.why_median and "median" in m.why_median and not m.with_interval
    # median of A-D revenue per lead: (500 + 0 + 1500 + 0) / ... = median(500, 0, 1500, 0) = 250
    assert m.baseline.revenue_per_lead == pytest.approx(250)
    assert p.loc["Alpha", "lift"] == pytest.approx(500 / 250) and p.loc["Charlie", "lift"] == pytest.approx(6)
    assert p.loc["Bravo", "lift"] == 0 and p.loc["Delta", "lift"] == 0
    assert pd_isna(p.loc["Alpha", "lift_low"])  # no interval around a median
    assert p.loc["Alpha", "demonstrates"] == pytest.approx(1.0)
    assert p.loc["Bravo", "demonstrates"] == pytest.approx(1.0)  # no revenue: that share does not apply
    assert p.loc["Charlie", "demonstrates"] == pytest.approx((1 + 0 + 0.4) / 3)
    assert p.loc["Delta", "demonstrates"] == pytest.approx((1 + 0.4) / 2)
    assert m.x_threshold == 1.0 and m.y_threshold == pytest.approx((0.7 + 1.0) / 2)
    assert p.loc["Alpha", "quadrant"] == "aligned marketer"
    assert p.loc["Bravo", "quadrant"] == "spin doctor"
    assert p.loc["Charlie", "quadrant"] == "silent operative"
    assert p.loc["Delta", "quadrant"] == "mis-aligned marketer"
    # a campaign with spend and no leads is shown, but too few leads to judge
    assert p.loc["Echo", "leads"] == 0 and p.loc["Echo", "quadrant"] == "too few leads to judge"


def test_against_a_baseline_two_leads_are_too_few_to_judge(con):
    # sales-sourced leads: 1 of 2 won ($2,000); Alpha: 1 of 2 won ($1,000): lift 0.5, but two leads a
    # side cannot tell it from 1
    m = matrix.build(con, "all", baseline="sales", min_leads=2)
    p = points(m)
    assert m.with_interval and m.measure == "revenue per lead" and m.baseline.name == "sales-sourced leads"
    assert p.loc["Alpha", "lift"] == pytest.approx(0.5)
    assert p.loc["Alpha", "lift_low"] < 1 < p.loc["Alpha", "lift_high"]
    assert set(m.points.quadrant) == {"too few leads to judge"}
    ch = matrix.build(con, "all", baseline="channel:Paid Search", min_leads=2)
    assert ch.baseline.revenue_per_lead == pytest.approx(4000 / 8)
    assert ch.baseline.acceptance == pytest.approx(5 / 8)


def test_wilson_and_ratio_intervals_by_hand():
    # Wilson 0 of 10: (0, z^2 / (n + z^2))
    z = matrix.Z95
    lo, hi = matrix.wilson(0, 10)
    assert lo == 0 and hi == pytest.approx(z * z / (10 + z * z))
    # 30/1000 against 15/1000: the log-scale MOVER agrees with Katz's log interval to 1%
    rr, lo, hi = matrix.ratio_interval(30, 1000, 15, 1000)
    katz = math.sqrt(1 / 30 - 1 / 1000 + 1 / 15 - 1 / 1000)
    assert rr == pytest.approx(2.0)
    assert lo == pytest.approx(2 * math.exp(-z * katz), rel=0.01)
    assert hi == pytest.approx(2 * math.exp(z * katz), rel=0.01)
    # no won lead: the lift is 0, its upper limit the largest rate its sample allows over the
    # smallest the baseline's allows
    rr, lo, hi = matrix.ratio_interval(0, 1000, 20, 1000)
    assert rr == 0 and lo == 0 and hi == pytest.approx(matrix.wilson(0, 1000)[1] / matrix.wilson(20, 1000)[0])


def test_a_point_at_twice_the_baseline_is_never_a_spin_doctor():
    # whatever the sample: 2x the baseline's revenue per lead is inside its own interval, so it is
    # never reliably below 1
    for n in (10, 40, 200, 1000, 10000):
        k = max(1, n // 50)
        lift, lo, hi = matrix.lift_interval(2 * k, n, k, n, 2 * k * 1000.0, k * 1000.0,
                                            2 * k * 1000.0 ** 2 * 1.1, k * 1000.0 ** 2 * 1.1)
        assert lift == pytest.approx(2.0) and lo <= 2.0 <= hi
        verdict = matrix.delivery(lift, lo, hi, 1.0)
        assert verdict in ("above", "unclear")
        assert matrix.classify(verdict, 1.0, 1.0, 0.5) != "spin doctor"
    # with enough leads it delivers
    assert matrix.delivery(*matrix.lift_interval(200, 1000, 100, 1000), 1.0) == "above"


def test_reliably_below_is_a_spin_doctor_and_straddling_is_too_few_to_judge():
    # 2 of 1000 against 40 of 1000 (same deal size): 0.05x, interval well below 1
    verdict = matrix.delivery(*matrix.lift_interval(2, 1000, 40, 1000), 1.0)
    assert verdict == "below" and matrix.classify(verdict, 0.9, 1.0, 0.5) == "spin doctor"
    assert matrix.classify(verdict, 0.2, 1.0, 0.5) == "mis-aligned marketer"
    # 1 of 50 against 2 of 50: 0.5x, but the interval straddles 1
    verdict = matrix.delivery(*matrix.lift_interval(1, 50, 2, 50), 1.0)
    assert verdict == "unclear" and matrix.classify(verdict, 0.9, 1.0, 0.5) == "too few leads to judge"


def test_ties_at_the_threshold_count_as_meeting_it():
    assert matrix.classify(1.0, 0.5, 1.0, 0.5) == "aligned marketer"
    assert matrix.classify(0.99, 0.5, 1.0, 0.5) == "spin doctor"
    assert matrix.classify(None, 0.5, 1.0, 0.5) == "too few leads to judge"


def test_fixed_thresholds_and_min_leads(con):
    m = matrix.build(con, "all", baseline="median", min_leads=3, x_threshold=1.0, y_threshold=0.9)
    assert set(m.points.quadrant) == {"too few leads to judge"}  # every campaign has 2 leads
    m = matrix.build(con, "all", baseline="median", min_leads=2, x_threshold=7.0, y_threshold=0.9)
    assert points(m).loc["Charlie", "quadrant"] == "mis-aligned marketer"  # 6 < 7


def test_channel_and_marketer_entities(con):
    ch = points(matrix.build(con, "all", entity="channel", min_leads=2))
    assert ch.loc["Paid Search", "leads"] == 8 and ch.loc["Outbound", "leads"] == 2
    assert ch.loc["Outbound", "leads_traceable"] == 0  # sales' own leads name no campaign
    mk = points(matrix.build(con, "all", entity="marketer", min_leads=2))
    assert mk.loc["Ana", "leads"] == 4 and mk.loc["Ana", "spend"] == pytest.approx(200)
    assert mk.loc["Ben", "spend"] == pytest.approx(250)


def test_prescriptions_name_the_evidence(con):
    m = matrix.build(con, "all", baseline="median", min_leads=2)
    silent = matrix.prescription(m, "Charlie")
    assert any("comes from deals that name no campaign" in f for f in silent["facts"])
    assert any("40% complete" in f for f in silent["facts"])
    spin = matrix.prescription(m, "Bravo")
    assert spin["quadrant"] == "spin doctor" and any("Revenue per lead $0 vs $250" in f for f in spin["facts"])
    assert not any("nan" in f for p in (silent, spin) for f in p["facts"])


def test_demo_planted_campaigns_land_in_their_quadrants(demo_full_db, capsys):
    # the CLI's default: the page's window (the last four complete quarters) and the team's baseline
    assert main(["matrix", "--db", str(demo_full_db), "--entity", "campaign", "--format", "json"]) == 0
    rows = {r["entity"]: r for r in json.loads(capsys.readouterr().out)}
    blitz = rows["Brand Awareness Blitz"]
    assert blitz["quadrant"] == "spin doctor" and blitz["baseline"] == "Purchased List"
    assert blitz["lift_high"] < 1  # reliably below the list
    assert rows["Partner Dinner Series"]["quadrant"] == "silent operative"
    assert {"entity", "lift", "lift_low", "lift_high", "baseline", "delivers", "demonstrates", "quadrant",
            "spend", "leads"} <= set(blitz)
    # no point at twice the baseline or more is a spin doctor
    assert not [r for r in rows.values() if r["lift"] is not None and r["lift"] >= 2
                and r["quadrant"] == "spin doctor"]


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
    # median baseline: revenue per lead (300 + 0) / 2 = 150: the lift is on revenue per lead alone
    assert p.loc["No spend", "delivers"] == pytest.approx(300 / 150)


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

"""Fair to both sides: each figure counts what its side owns and compares like with like. Every
expected number is worked out by hand from the rows below."""

import datetime as dt

import pytest

from revmachine import compare, configure, metrics, periods, sla
from revmachine.filters import Filters

from .helpers import memory_db


def card(con, period):
    return {r.metric: r for r in metrics.scorecard(con, period)["rows"] if r.segment is None}


def mql(lid, day, channel="Paid Search", territory="East", touch_h=None, sal=None, **kw):
    at = dt.datetime.fromisoformat(day)
    return dict(lead_id=lid, created_at=day, channel=channel, territory=territory, owner=kw.pop("owner", "Ann"),
                stage="sal" if sal else "mql", mql_at=day, sal_at=sal,
                first_response_at=(at + dt.timedelta(hours=touch_h)).isoformat() if touch_h is not None else None,
                **kw)


# Q3 2026: three marketing-sourced MQLs and two sales-sourced (Outbound, Referral); a quota of 4
LEADS = [
    mql("M1", "2026-07-06 09:00", touch_h=2, sal="2026-07-07 09:00"),
    mql("M2", "2026-07-10 09:00", touch_h=30),
    mql("M3", "2026-08-03 09:00"),  # never touched
    mql("S1", "2026-07-08 09:00", channel="Outbound", touch_h=1, sal="2026-07-09 09:00"),
    mql("S2", "2026-08-08 09:00", channel="Referral", touch_h=1, sal="2026-08-09 09:00"),
    # the data runs to 2026-09-30
    dict(lead_id="LAST", created_at="2026-09-30 12:00", channel="Paid Search", territory="East"),
]
TARGETS = [dict(period_start="2026-07-01", period_end="2026-09-30", territory="East", revenue_target=1000,
                mql_quota=4)]


@pytest.fixture(scope="module")
def con():
    c = memory_db(leads=LEADS, targets=TARGETS)
    yield c
    c.close()


def test_a_sales_sourced_mql_does_not_count_toward_marketings_quota(con):
    v = card(con, "2026-Q3")
    q = v["mql_quota_attainment"]
    assert q.owner == "marketing"
    assert q.value == pytest.approx(3 / 4)  # M1-M3 of a quota of 4; S1, S2 are sales'
    assert q.detail == {"marketing_mqls": 3, "sales_sourced_mqls": 2, "unmapped_mqls": 0, "quota": 4.0}
    assert "2 sales-sourced MQLs beside it, not in it" in q.note
    # acceptance "sales from marketing": M1 of M1-M3
    assert v["lead_acceptance"].value == pytest.approx(1 / 3)
    # the per-territory scoreboard and the funnel page's handoff count the same way
    s = metrics.sla_by_territory(con, "2026-Q3").set_index("territory")
    assert s.loc["East", "mqls"] == 3 and s.loc["East", "sales_sourced_mqls"] == 2
    from revmachine import funnel

    h = funnel.handoff(con, "2026-Q3")
    assert h["handed_off"] == 3 and h["acceptance_rate"] == pytest.approx(1 / 3)


def test_never_touched_counts_marketing_leads_with_no_sales_touch(con):
    v = card(con, "2026-Q3")
    # M3 has no touch by 2026-09-30; S1/S2 are sales' own leads and not handoffs
    assert v["never_touched"].value == pytest.approx(1 / 3)
    assert v["never_touched"].detail["never_touched"] == 1 and v["never_touched"].owner == "sales"
    b = metrics.sla_breaches(con, "2026-Q3").set_index("lead_id")
    assert "never touched" in b.loc["M3", "breach"] and "S1" not in b.index
    # response time: marketing-sourced only (2 h and 30 h), 1 of 3 within 24 h
    assert v["lead_response_hours"].value == pytest.approx(16.0)


def test_the_mql_stages_sla_hours_are_the_first_touch_sla(db_path):
    from revmachine import db
    from revmachine.ingest import load, stage

    rows = ("Lead ID,Create Date,Lead Source,MQL Date,First Response,Region\n"
            "A,2026-07-01 09:00,Paid Search,2026-07-01 09:00,2026-07-01 09:30,East\n"
            "B,2026-07-02 09:00,Paid Search,2026-07-02 09:00,2026-07-02 14:00,East\n"
            "C,2026-09-30 09:00,Paid Search,,,East\n")
    load.load(stage.prepare([stage.UploadFile("l.csv", rows.encode())]), db_path)
    with db.read(db_path) as c:
        assert card(c, "2026-Q3")["lead_response_hours"].detail["within_sla"] == 2  # both within 24 h
        stages = configure.stages(c)
    stages.loc[stages.stage == "mql", "sla_hours"] = 1.0
    configure.save_stages(stages, db_path)
    with db.read(db_path) as c:
        v = card(c, "2026-Q3")["lead_response_hours"]
        assert v.detail["within_sla"] == 1 and v.detail["sla_hours"] == 1.0  # 30 min yes, 5 h no
        assert "within 1 h" in v.note and v.on_target is False  # median 2.75 h > 1 h
        late = metrics.sla_breaches(c, "2026-Q3").set_index("lead_id").breach
        assert "late first touch" in late["B"] and "late first touch" not in late["A"]
        clocks = {h["stage"]: h for h in sla.handoffs(c, "2026-Q3")}
        assert clocks["mql"]["sla_hours"] == 1.0 and clocks["mql"]["breaches"] == 1


def test_the_last_stage_cannot_have_sla_hours(db_path):
    import pandas as pd

    from revmachine.errors import UserError
    from revmachine.schema import DEFAULT_STAGES

    df = pd.DataFrame([dict(zip(["position", *configure.STAGE_COLUMNS], r, strict=True)) for r in DEFAULT_STAGES])
    df.loc[df.stage == "won", "sla_hours"] = 24.0
    with pytest.raises(UserError, match="last stage"):
        configure.validate_stages(df.drop(columns="position"))


def test_each_handoff_with_an_sla_has_its_own_clock():
    # SAL -> opportunity within 48 h: P1 moves on in 24 h, P2 in 72 h, P3 never (as-of 2026-09-30)
    leads = [
        dict(lead_id="P1", created_at="2026-07-01", channel="Paid Search", territory="East", owner="Ann",
             mql_at="2026-07-01", sal_at="2026-07-02", opportunity_at="2026-07-03", stage="opportunity"),
        dict(lead_id="P2", created_at="2026-07-01", channel="Outbound", territory="West", owner="Bob",
             mql_at="2026-07-01", sal_at="2026-07-02", opportunity_at="2026-07-05", stage="opportunity"),
        dict(lead_id="P3", created_at="2026-07-01", channel="Paid Search", territory="West", owner="Bob",
             mql_at="2026-07-01", sal_at="2026-07-02", stage="sal"),
        dict(lead_id="Z", created_at="2026-09-30", channel="Paid Search", territory="East"),
    ]
    c = memory_db(leads=leads)
    c.execute("update config_stages set sla_hours = 48 where stage = 'sal'")
    from revmachine import marts

    marts.rebuild(c)
    clocks = {h["stage"]: h for h in sla.handoffs(c, "2026-Q3")}
    sal = clocks["sal"]
    assert sal["handoff"] == "SAL → Opportunity" and sal["sla_hours"] == 48
    # every record at a sales stage counts, whoever sourced it (P2 is Outbound)
    assert (sal["entered"], sal["within_sla"], sal["breaches"]) == (3, 1, 2)
    assert sal["worst_territory"]["name"] == "West" and sal["worst_territory"]["within"] == 0
    assert sal["worst_owner"]["name"] == "Bob"
    assert sal["median_hours"] == pytest.approx(48.0)  # 24 h and 72 h
    # the MQL clock (24 h by default) counts marketing's handoffs only: P1 and P3 (no touch: breach)
    assert clocks["mql"]["entered"] == 2


def test_growth_compares_19_days_with_19_days():
    # SQLs (opportunity dates): 1-19 Oct: 4; 20-31 Oct: 6 more; 1-19 Nov: 4 -> flat pace, 0% growth
    days = ["2026-10-02", "2026-10-05", "2026-10-10", "2026-10-19", *[f"2026-10-{d}" for d in (20, 22, 24, 26, 28, 30)],
            "2026-11-03", "2026-11-08", "2026-11-12", "2026-11-19"]
    leads = [dict(lead_id=f"L{i}", created_at=d, channel="Paid Search", stage="opportunity", opportunity_at=d)
             for i, d in enumerate(days)]
    c = memory_db(leads=leads)
    v = card(c, "2026-Q4 to 2026-11-19")
    mom = v["sql_growth_mom"]
    assert mom.value == pytest.approx(0.0)  # 4 in 1-19 Nov against 4 in 1-19 Oct (before: 4 vs 10, -60%)
    assert mom.detail["current"]["start"] == "2026-11-01" and mom.detail["current"]["end"] == "2026-11-19"
    assert mom.detail["previous"]["start"] == "2026-10-01" and mom.detail["previous"]["end"] == "2026-10-19"
    assert mom.detail["current"]["days"] == mom.detail["previous"]["days"] == 19
    assert mom.detail["basis"] == "same days"
    # QoQ: 1 Oct - 19 Nov (50 days, 14 SQLs) against 1 Jul - 19 Aug (none): no growth from zero
    qoq = v["sql_growth_qoq"]
    assert qoq.detail["current"]["days"] == qoq.detail["previous"]["days"] == 50 and qoq.value is None
    # complete months of different lengths compare by the daily pace: Oct (31 days, 10) vs Sep (30, 0)
    w = compare.growth_windows(periods.parse("2026-10"), "month")
    assert (w.current.days, w.previous.days, w.basis) == (31, 30, "daily pace")
    assert compare.pace_growth(31, 31, 30, 30) == pytest.approx(0.0)


def test_every_comparison_of_a_period_to_date_has_the_same_days():
    p = periods.parse("2026-Q4 to 2026-11-19")
    prev, ly = p.shift(-1), p.year_ago()
    assert p.days == prev.days == ly.days == 50
    assert [t.days for t in compare.trend_periods(p, 4)] == [50, 50, 50, 50]  # the trend line too
    assert compare.shift_days(p, prev) == 92 and compare.shift_days(p, p) == 0


def test_cohorts_are_compared_at_the_same_age():
    # Q3 cohort: 2 leads, both disqualified 60 days after creation; Q4 cohort to 19 Nov: 2 leads,
    # one disqualified 10 days in. Seen at the same age (the as-of date moved back 92 days to 19
    # Aug), none of the Q3 leads had exited yet: 0% then, not 100%
    leads = [
        dict(lead_id="A", created_at="2026-07-01", exit_at="2026-08-30", exit_reason="disqualified"),
        dict(lead_id="B", created_at="2026-07-02", exit_at="2026-08-31", exit_reason="disqualified"),
        dict(lead_id="C", created_at="2026-10-01", exit_at="2026-10-11", exit_reason="disqualified"),
        dict(lead_id="D", created_at="2026-11-19"),
    ]
    c = memory_db(leads=leads)
    v = card(c, "2026-Q4 to 2026-11-19")["exit_rate"]
    assert v.value == pytest.approx(1 / 2)
    assert v.previous == pytest.approx(0.0)  # A, B exited after the same age (19 Aug)
    assert card(c, "2026-Q3")["exit_rate"].value == pytest.approx(1.0)  # looked at itself: both


def test_a_re_engaged_lead_comes_back_at_the_stage_its_new_dates_show():
    leads = [
        # quiet from 2025-01-10 to a new MQL date on 2025-10-01 (264 days > 180): came back at MQL
        dict(lead_id="BACK", created_at="2025-01-10", channel="Paid Search", mql_at="2025-10-01", stage="mql"),
        # quiet since creation: recycled (a state), not an exit
        dict(lead_id="QUIET", created_at="2025-01-10", channel="Paid Search"),
        # a touch 200 days after its handoff: came back at MQL (its latest stage), not quiet now
        dict(lead_id="TOUCH", created_at="2025-01-10", channel="Paid Search", mql_at="2025-01-11", stage="mql"),
        dict(lead_id="NOW", created_at="2026-01-15", channel="Paid Search"),  # the data's as-of date
    ]
    acts = [dict(activity_id="T1", lead_id="TOUCH", occurred_at="2025-07-30")]
    c = memory_db(leads=leads, activities=acts)
    r = {x[0]: x[1:] for x in c.execute(
        "select lead_id, is_recycled, exit_kind, came_back_at, reentry_index, recycled_at from funnel_records"
    ).fetchall()}
    assert r["BACK"][:4] == (False, None, dt.datetime(2025, 10, 1), 2)  # re-entered at MQL (stage 2)
    assert r["BACK"][4] == dt.datetime(2025, 7, 9)  # its quiet spell began 180 days after creation
    assert r["QUIET"][:2] == (True, None)  # recycled, not an exit
    assert r["TOUCH"][:4] == (False, None, dt.datetime(2025, 7, 30), 2)
    v = card(c, "2025-Q3")
    assert v["recycled_leads"].detail["came_back"] == 1  # TOUCH came back on 30 Jul
    # BACK's and QUIET's spells began on 9 Jul (2025-01-10 + 180 days): both went quiet in Q3, one is
    # still quiet
    assert v["recycled_leads"].value == 3 and v["recycled_leads"].detail["still_quiet"] == 1
    from revmachine import funnel

    back = funnel.came_back(c, "2025-Q4").set_index("label")
    assert back.loc["MQL", "came_back"] == 1  # BACK, on 1 Oct
    # the quiet months are not days in stage: lead -> MQL has no measured days for BACK
    steps = funnel.build(c, "2025-Q1").steps.set_index("step")
    assert steps.loc["Lead → MQL", "median_days"] is None or steps.loc["Lead → MQL", "median_days"] != 264


def test_filters_never_mix_sides_in_the_quota(con):
    v = card_filtered = {r.metric: r for r in metrics.scorecard(con, "2026-Q3", Filters(channel=("Paid Search",)))["rows"]}
    assert card_filtered["mql_quota_attainment"].value is None and "per territory" in v["mql_quota_attainment"].note

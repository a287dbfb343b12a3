"""Configuration edits: one write each, and every mart follows them."""

import pandas as pd
import pytest

from revmachine import configure, db, metrics
from revmachine.errors import UserError
from revmachine.ingest import load, stage


@pytest.fixture
def loaded(db_path):
    data = (b"Lead ID,Create Date,Lead Source,Lead Status,Won Date,Amount\n"
            b"A,2026-07-01,Carrier Pigeon,Closed Won,2026-08-01,100\n"
            b"B,2026-07-02,Paid Search,Closed Won,2026-08-02,300\n")
    load.load(stage.prepare([stage.UploadFile("l.csv", data)]), db_path)
    return db_path


def share(path):
    with db.read(path) as con:
        rows = {r.metric: r for r in metrics.scorecard(con, "2026-Q3")["rows"]}
    return rows["marketing_revenue_share"].value


def test_unmapped_channel_listed_then_mapped(loaded):
    with db.read(loaded) as con:
        chan = configure.channels(con)
    pigeon = chan[chan.channel == "Carrier Pigeon"]
    assert len(pigeon) == 1 and pd.isna(pigeon.sourced_by.iloc[0]) and pigeon.records.iloc[0] == 1
    # Paid Search is marketing's; Carrier Pigeon's $100 is mapped to neither side: counted for neither
    # (not as sales' by default), so marketing has all of the revenue whose source is known
    assert share(loaded) == pytest.approx(300 / 300)
    chan.loc[chan.channel == "Carrier Pigeon", "sourced_by"] = "marketing"
    configure.save_channels(chan, loaded)
    assert share(loaded) == pytest.approx(1.0)
    chan.loc[chan.channel == "Paid Search", "sourced_by"] = "sales"
    configure.save_channels(chan, loaded)
    assert share(loaded) == pytest.approx(100 / 400)


def test_bad_channel_value_changes_nothing(loaded):
    from ..conftest import file_hash

    before = file_hash(loaded)
    with pytest.raises(UserError, match="marketing' or 'sales"):
        configure.save_channels(pd.DataFrame({"channel": ["X"], "sourced_by": ["partners"]}), loaded)
    assert file_hash(loaded) == before


def test_settings_validated_and_saved(loaded):
    with pytest.raises(UserError, match=r"outside 1\.\.12"):
        configure.save_settings({"fiscal_year_start_month": 13}, loaded)
    # the first-touch SLA is the MQL stage's SLA hours, not a setting of its own: not offered here
    with pytest.raises(UserError, match="unknown setting"):
        configure.save_settings({"sla_first_touch_hours": 8}, loaded)
    configure.save_settings({"fiscal_year_start_month": 7, "matrix_baseline": "channel: Purchased List"}, loaded)
    with db.read(loaded) as con:
        s = configure.settings(con)
        assert s["fiscal_year_start_month"] == "7" and s["matrix_baseline"] == "channel:Purchased List"
        # with a July fiscal year, FY2027 runs 2026-07-01 .. 2027-06-30
        card = metrics.scorecard(con, "2027")
    assert card["period_start"].isoformat() == "2026-07-01"
    assert {r.metric: r.value for r in card["rows"]}["won_revenue"] == 400


# --- money: reporting currency and exchange rates (issue 13: money is never added across currencies)

@pytest.fixture
def two_currencies(db_path):
    from revmachine.ingest.stage import Staged

    from .helpers import frame

    deals = [dict(deal_id="U1", created_at="2026-07-01", closed_at="2026-08-01", amount=1000, currency="USD",
                  is_won=True, is_lost=False, channel="Referral"),
             dict(deal_id="U2", created_at="2026-07-01", closed_at="2026-08-02", amount=3000, currency="usd ",
                  is_won=True, is_lost=False, channel="Paid Search"),
             dict(deal_id="E1", created_at="2026-07-01", closed_at="2026-08-03", amount=2000, currency="EUR",
                  is_won=True, is_lost=False, channel="Paid Search"),
             dict(deal_id="E2", created_at="2026-07-01", amount=500, currency="EUR", probability=0.5,
                  is_won=False, is_lost=False)]
    targets = [dict(period_start="2026-07-01", period_end="2026-09-30", territory="East", revenue_target=10000,
                    currency="USD")]
    load.load(Staged([], [], [], {"deals": frame("deals", deals), "targets": frame("targets", targets)}), db_path)
    return db_path


def rows_of(path, metric):
    with db.read(path) as con:
        return [r for r in metrics.scorecard(con, "2026-Q3")["rows"] if r.metric == metric]


def test_money_per_currency_until_rates_exist(two_currencies):
    won = {r.segment: r for r in rows_of(two_currencies, "won_revenue")}
    # USD 1,000 + 3,000 and EUR 2,000: never 6,000 of nothing
    assert {k: r.value for k, r in won.items()} == {"EUR": 2000, "USD": 4000}
    assert won["EUR"].currency == "EUR" and "several currencies (EUR, USD)" in won["EUR"].note
    assert {r.segment: r.value for r in rows_of(two_currencies, "avg_deal_size")} == {"EUR": 2000, "USD": 2000}
    assert {r.segment: r.value for r in rows_of(two_currencies, "open_pipeline")} == {"EUR": 500, "USD": 0}
    att = rows_of(two_currencies, "attainment")
    assert len(att) == 1 and att[0].value is None and "exchange rate" in att[0].note
    # counts are not money: one row
    assert [r.value for r in rows_of(two_currencies, "won_deals")] == [3]
    assert [r.value for r in rows_of(two_currencies, "win_rate")] == [1.0]
    with db.read(two_currencies) as con:
        assert configure.reporting_currency(con) is None
        rates = configure.fx_rates(con).set_index("currency")
        assert rates.loc["USD", "rows"] == 3 and pd.isna(rates.loc["EUR", "rate"])  # U1, U2, the target
        from revmachine import funnel
        f = funnel.build(con, "2026-Q3")
        assert f.avg_deal is None and any("several currencies" in n for n in f.notes)


def test_rates_convert_money_into_the_reporting_currency(two_currencies):
    configure.save_reporting_currency("usd", two_currencies)
    # a reporting currency alone converts nothing while EUR has no rate
    assert len(rows_of(two_currencies, "won_revenue")) == 2
    n = configure.save_fx_rates({"EUR": 1.1}, two_currencies)
    assert n == 1
    (won,) = rows_of(two_currencies, "won_revenue")
    assert won.value == pytest.approx(4000 + 2000 * 1.1) and won.currency == "USD" and won.segment is None
    (att,) = rows_of(two_currencies, "attainment")
    assert att.value == pytest.approx(6200 / 10000)
    (weighted,) = rows_of(two_currencies, "open_pipeline_weighted")
    assert weighted.value == pytest.approx(500 * 1.1 * 0.5)
    with db.read(two_currencies) as con:
        assert configure.reporting_currency(con) == "USD"
        assert metrics.money_basis(con)["is_converted"] is True
        assert con.execute("select deal_amount, deal_currency, amount, currency from won_deals where deal_id = 'E1'"
                           ).fetchall() == [(2000, "EUR", 2200, "USD")]
    # removing the rate goes back to one figure per currency
    configure.save_fx_rates({"EUR": None}, two_currencies)
    assert len(rows_of(two_currencies, "won_revenue")) == 2


@pytest.mark.parametrize("call, words", [
    (lambda p: configure.save_reporting_currency("dollars", p), "three-letter ISO"),
    (lambda p: configure.save_fx_rates({"EUR": 0}, p), "above 0"),
    (lambda p: configure.save_fx_rates({"EUR": "abc"}, p), "not a number"),
    (lambda p: configure.save_fx_rates({"EURO": 1.1}, p), "three-letter ISO"),
])
def test_bad_currency_settings_change_nothing(two_currencies, call, words):
    from ..conftest import file_hash

    before = file_hash(two_currencies)
    with pytest.raises(UserError, match=words):
        call(two_currencies)
    assert file_hash(two_currencies) == before


def test_one_stated_currency_is_the_default_for_blank_ones(db_path):
    from revmachine.ingest.stage import Staged

    from .helpers import frame

    deals = [dict(deal_id="A", created_at="2026-07-01", closed_at="2026-08-01", amount=100, currency="GBP",
                  is_won=True, is_lost=False),
             dict(deal_id="B", created_at="2026-07-01", closed_at="2026-08-01", amount=50, is_won=True, is_lost=False)]
    load.load(Staged([], [], [], {"deals": frame("deals", deals)}), db_path)
    (won,) = rows_of(db_path, "won_revenue")
    assert won.value == 150 and won.currency == "GBP"

"""Customers after the first deal: each definition against numbers worked out by hand.

Two small books of deals. The first has no type column, only company names (the account's history
decides new vs expansion; a deal named a renewal is one); the second has Salesforce-style types,
account ids and an accounts sheet with a potential and a churn status.
"""

import pytest

from revmachine import accounts, metrics
from revmachine.filters import Filters

from .helpers import memory_db


def won(deal_id, company, closed, amount, **kw):
    return dict(deal_id=deal_id, company=company, is_won=True, is_lost=False, stage="won",
                created_at=kw.pop("created", closed), closed_at=closed, amount=amount, **kw)


def lost(deal_id, company, closed, amount=None, **kw):
    return dict(deal_id=deal_id, company=company, is_won=False, is_lost=True, stage=None,
                created_at=kw.pop("created", closed), closed_at=closed, amount=amount, **kw)


def card_rows(con, period, filt=Filters()):
    return {r.metric: r for r in metrics.scorecard(con, period, filt)["rows"] if r.segment is None}


# Book 1 (no Type column). As of 2026-03-31 (the last close).
#   Acme:    won 2025-02-10 $100 (its first: new), 2025-06-01 $40 and 2026-02-05 $110 (expansion)
#   Globex:  won 2025-03-15 $200, nothing since: twelve months on, 2026-03-15, it has churned
#   Hooli:   won 2025-03-01 $80; 'Hooli - Renewal 2026' lost 2026-02-28: churned then (a renewal lost)
#   Initech: won 2026-01-20 $50: a new account in 2026-Q1
#   a won deal naming no company, 2026-02-10 $30: revenue, but no account and no kind
#   Umbrella: a lost deal on 2026-03-31 (sets the as-of date)
BOOK1 = [
    won("A1", "Acme", "2025-02-10", 100, channel="Webinar"), won("A2", "Acme ", "2025-06-01", 40),
    won("A3", "ACME", "2026-02-05", 110), won("G1", "Globex", "2025-03-15", 200),
    won("H1", "Hooli", "2025-03-01", 80), lost("H2", "Hooli", "2026-02-28", 85, deal_name="Hooli - Renewal 2026"),
    won("I1", "Initech", "2026-01-20", 50, channel="Outbound"), won("X1", None, "2026-02-10", 30),
    lost("U1", "Umbrella", "2026-03-31", 10),
]


@pytest.fixture(scope="module")
def book1():
    return memory_db(deals=BOOK1)


def test_first_won_deal_is_a_new_account_later_ones_expansion(book1):
    kinds = dict(book1.execute("select deal_id, deal_kind from account_deals").fetchall())
    assert kinds["A1"] == "new" and kinds["A2"] == "expansion" and kinds["A3"] == "expansion"
    assert kinds["I1"] == "new" and kinds["G1"] == "new" and kinds["H1"] == "new"
    assert kinds["H2"] == "renewal"  # no type: its name says renewal
    assert kinds["X1"] is None  # no account, no type: unclassified
    rules = dict(book1.execute("select deal_id, kind_rule from account_deals").fetchall())
    assert rules["A2"] == "account" and rules["H2"] == "name"
    # 'Acme', 'Acme ' and 'ACME' are one account (case and spacing aside)
    assert book1.execute("select count(distinct account_key) from account_deals where deal_id like 'A%'"
                         ).fetchall()[0][0] == 1


def test_book1_quarter(book1):
    r = card_rows(book1, "2026-Q1")
    assert r["new_accounts"].value == 1  # Initech
    assert r["won_revenue_new"].value == 50
    assert r["won_revenue_expansion"].value == 110
    assert r["won_revenue_renewal"].value == 0  # renewals exist in the data (Hooli's): a known $0 this quarter
    assert "in no part" in r["won_revenue_new"].note  # the $30 deal with no account
    # trailing year 2025-04-01 .. 2026-03-31: Acme $40 + $110, Initech $50 -> $200 over 2 accounts
    assert r["account_billing_size"].value == pytest.approx(100)
    # base year 2024-04-01 .. 2025-03-31: Acme, Globex, Hooli; only Acme bought again
    assert r["customer_retention"].value == pytest.approx(1 / 3)
    assert r["customer_retention"].detail["base_accounts"] == 3
    # Globex bought last year and not this year (churned 2026-03-15); Hooli lost its renewal (2026-02-28)
    assert r["churned_accounts"].value == 2
    assert r["churned_accounts"].detail["renewal_lost"] == 1
    assert r["churned_accounts"].detail["no_purchase_for_twelve_months"] == 1
    assert r["renewal_rate"].value == 0  # one renewal due (Hooli's), lost
    # NRR: the base accounts paid $100 + $200 + $80 = $380 in the base year and $150 (Acme) since
    assert r["net_revenue_retention"].value == pytest.approx(150 / 380)
    assert r["wallet_share"].value is None and "Account Potential" in r["wallet_share"].note


def test_book1_first_year_is_flagged_as_the_start_of_the_data(book1):
    r = card_rows(book1, "2025-Q1")
    assert r["new_accounts"].value == 3  # Acme, Hooli, Globex: their first purchases in the data
    assert "first won deal is on 10 Feb 2025" in r["new_accounts"].note
    # nobody can have gone twelve months without buying before 2026-02-10, and no renewal was lost yet
    assert r["churned_accounts"].value == 0  # renewals exist (Hooli's), so churn can be seen: none
    assert r["customer_retention"].value is None  # nobody bought in the base year 2024
    assert "Needs won deals from 1 Apr 2023" in r["customer_retention"].note


def test_filters_choose_the_customers(book1):
    # sourced-by marketing (Webinar): Acme's first deal; channel filter keeps deals with that channel
    r = card_rows(book1, "2025-Q1", Filters(channel=("Webinar",)))
    assert r["new_accounts"].value == 1
    r = card_rows(book1, "2026-Q1", Filters(channel=("Outbound",)))
    assert r["new_accounts"].value == 1 and r["won_revenue_new"].value == 50


# Book 2: Salesforce-style Type, account ids, an accounts sheet. As of 2026-06-30.
#   A1 Alpha: New Business 2025-05-01 $1000; Add-On Business 2026-02-01 $300; Renewal 2026-05-10 $1100
#   A2 Beta: Existing Business 2025-06-01 $500 (a customer from before the data: no new account);
#            the accounts sheet says Churned on 2026-04-20
#   A3 Gamma: 'New Business / Add-on' 2026-04-15 $700: unclear, so its history decides: first purchase, new
#   Potentials: Alpha $10,000, Beta $5,000
BOOK2_DEALS = [
    won("S1", "Alpha", "2025-05-01", 1000, account_id="A1", deal_type="New Business"),
    won("S2", "Alpha", "2026-02-01", 300, account_id="A1", deal_type="Add-On Business"),
    won("S3", "Alpha", "2026-05-10", 1100, account_id="A1", deal_type="Renewal"),
    won("S4", "Beta", "2025-06-01", 500, account_id="A2", deal_type="Existing Business"),
    won("S5", "Gamma", "2026-04-15", 700, account_id="A3", deal_type="New Business / Add-on"),
    lost("S6", "Delta", "2026-06-30", 10, account_id="A4", deal_type="New Business"),
]
BOOK2_ACCOUNTS = [
    dict(company="Alpha", account_id="A1", potential=10000, status="Customer - Direct"),
    dict(company="Beta", account_id="A2", potential=5000, status="Churned", churned_at="2026-04-20"),
    dict(company="Gamma", account_id="A3"),
]


@pytest.fixture(scope="module")
def book2():
    return memory_db(deals=BOOK2_DEALS, accounts=BOOK2_ACCOUNTS)


def test_book2_types(book2):
    rows = book2.execute("select deal_id, deal_kind, kind_rule, is_acquisition from account_deals "
                         "order by deal_id").fetchall()
    got = {d: (k, r, a) for d, k, r, a in rows}
    assert got["S1"] == ("new", "type", True)
    assert got["S2"] == ("expansion", "type", False)
    assert got["S3"] == ("renewal", "type", False)
    assert got["S4"] == ("expansion", "type", False)  # existing business: no acquisition
    assert got["S5"] == ("new", "account", True)  # 'New Business / Add-on' says both: the history decides


def test_book2_quarter(book2):
    r = card_rows(book2, "2026-Q2")
    assert r["new_accounts"].value == 1  # Gamma
    assert (r["won_revenue_new"].value, r["won_revenue_expansion"].value, r["won_revenue_renewal"].value) == (
        700, 0, 1100)
    # trailing year 2025-07-01 .. 2026-06-30: Alpha $300 + $1,100, Gamma $700 -> $2,100 / 2
    assert r["account_billing_size"].value == pytest.approx(1050)
    # base year 2024-07-01 .. 2025-06-30: Alpha, Beta; Alpha bought again
    assert r["customer_retention"].value == pytest.approx(0.5)
    # Beta: flagged churned on the accounts sheet on 2026-04-20 (before its twelve months ran out)
    assert r["churned_accounts"].value == 1 and r["churned_accounts"].detail["accounts_sheet"] == 1
    assert r["renewal_rate"].value == 1
    # NRR: base accounts paid $1,000 + $500; since then $300 + $1,100
    assert r["net_revenue_retention"].value == pytest.approx(1400 / 1500)
    # wallet share: Alpha bought $1,400 of a $10,000 potential (Beta bought nothing this year)
    assert r["wallet_share"].value == pytest.approx(0.14)
    r = card_rows(book2, "2025-Q2")
    assert r["new_accounts"].value == 1  # Alpha; Beta's first deal is existing business


@pytest.mark.parametrize("exported, kind", [
    ("New Business", "new"), ("newbusiness", "new"), ("New Customer", "new"), ("New deal", "new"),
    ("NEWCUST", "new"), ("Existing Business", "expansion"), ("existingbusiness", "expansion"),
    ("Existing Customer - Upgrade", "expansion"), ("Existing Customer - Downgrade", "expansion"),
    ("Add-On Business", "expansion"), ("Upsell", "expansion"), ("Subscription upgrade", "expansion"),
    ("Existing Business - Upgrade", "expansion"), ("Renewal", "renewal"), ("RENEW", "renewal"),
    ("New Business / Add-on", None), ("Opportunity", None), ("Neugeschäft", "new"),
])
def test_deal_type_vocabulary(exported, kind):
    con = memory_db(deals=[won("T1", "Tango", "2026-01-05", 10, deal_type=exported)])
    assert con.execute("select type_kind from account_deals").fetchall()[0][0] == kind


def test_money_in_several_currencies_is_never_added(book2):
    con = memory_db(deals=[won("C1", "Eur Co", "2026-02-01", 100, currency="EUR", deal_type="New Business"),
                           won("C2", "Usd Co", "2026-02-02", 300, currency="USD", deal_type="New Business")])
    rows = [r for r in metrics.scorecard(con, "2026-Q1")["rows"] if r.metric == "won_revenue_new"]
    assert {(r.segment, r.value) for r in rows} == {("EUR", 100), ("USD", 300)}
    assert next(r for r in metrics.scorecard(con, "2026-Q1")["rows"] if r.metric == "new_accounts").value == 2


def test_no_account_and_no_type_is_dash_with_its_unlock():
    con = memory_db(deals=[dict(deal_id="Z1", is_won=True, is_lost=False, stage="won", closed_at="2026-02-01",
                                created_at="2026-01-01", amount=10)])
    r = card_rows(con, "2026-Q1")
    for m in ("new_accounts", "won_revenue_new", "account_billing_size", "customer_retention", "churned_accounts"):
        assert r[m].value is None and "Account ID or Account Name" in r[m].note, m
    assert r["won_revenue_renewal"].value is None and "Renewal" in r["won_revenue_renewal"].note


def test_growth_by_source_and_the_six_outcomes(book1):
    g = accounts.growth_by(book1, "2026-Q1", by="channel").set_index("segment")
    assert g.loc["Outbound", "new_accounts"] == 1 and g.loc["Outbound", "new_revenue"] == 50
    card = metrics.scorecard(book1, "2026-Q1")
    oc = accounts.six_outcomes(card).set_index("metric")
    assert oc.loc["customer_retention", "value"] == pytest.approx(1 / 3)
    assert oc.loc["qualified_leads", "value"] is None or pd_isna(oc.loc["qualified_leads", "value"])


def pd_isna(x):
    import math
    return x is None or (isinstance(x, float) and math.isnan(x))


def test_report_json_carries_the_customer_figures_with_their_detail(demo_db, capsys):
    import json

    from revmachine.cli import main

    assert main(["report", "--db", str(demo_db), "--period", "2026-Q3", "--format", "json"]) == 0
    rows = {r["metric"]: r for r in json.loads(capsys.readouterr().out) if "segment" not in r}
    for m in ("new_accounts", "won_revenue_new", "won_revenue_expansion", "won_revenue_renewal",
              "account_billing_size", "customer_retention", "churned_accounts"):
        assert rows[m]["value"] is not None and rows[m]["detail"], m  # the demo grows customers
    d = rows["customer_retention"]["detail"]
    assert d["retained"] <= d["base_accounts"] and rows["customer_retention"]["value"] == pytest.approx(
        d["retained"] / d["base_accounts"])
    assert set(rows["churned_accounts"]["detail"]) >= {"renewal_lost", "no_purchase_for_twelve_months",
                                                        "accounts_sheet"}
    assert rows["won_revenue_new"]["currency"] is None or isinstance(rows["won_revenue_new"]["currency"], str)
    # the revenue split adds up to the won revenue
    parts = sum(rows[m]["value"] for m in ("won_revenue_new", "won_revenue_expansion", "won_revenue_renewal"))
    assert parts + (rows["won_revenue_new"]["detail"]["unclassified_revenue"] or 0) == pytest.approx(
        rows["won_revenue"]["value"])
    # and with a sourced-by filter
    assert main(["report", "--db", str(demo_db), "--period", "2026-Q3", "--sourced-by", "marketing",
                 "--format", "json"]) == 0
    mk = {r["metric"]: r for r in json.loads(capsys.readouterr().out) if "segment" not in r}
    assert mk["new_accounts"]["value"] <= rows["new_accounts"]["value"]

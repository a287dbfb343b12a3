"""The shared scorecard (domain.md "The shared scorecard"): definitions, values, comparisons.

SQL (queries/dashboard/scorecard.sql) returns numerators and denominators for every period the
scorecard needs, in one query; this module forms each ratio once, at the end, as num / den with
None (shown as "—") when the denominator is zero or an input is missing. The page, the xlsx
export and `python -m revmachine report` all call `scorecard()`, so they show the same numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb

from revmachine import periods, sql
from revmachine.filters import Filters


@dataclass(frozen=True)
class Metric:
    id: str
    label: str
    group: str
    owner: str  # marketing | sales | shared
    unit: str  # money | count | pct | hours | days | ratio
    definition: str
    needs: tuple[str, ...]  # tables that must hold rows
    unlock: str  # what to upload when it cannot be computed


GROUPS = ["headline", "lead generation", "service level", "revenue", "alignment (Aberdeen)"]

METRICS: list[Metric] = [
    Metric("attainment", "% attainment to target revenue", "headline", "sales", "pct",
           "Won revenue in the period ÷ revenue target for the period (targets sheet, prorated by days "
           "where a target period only partly overlaps): the company's team goal, else the territories' "
           "team targets, else the sum of the reps' personal quotas; team and personal goals are never "
           "added together. Targets are set per territory, so the figure is '—' while a channel, owner "
           "or sourced-by filter is on.",
           ("targets",), "a targets sheet (Period, Territory, Revenue Target)"),
    Metric("won_revenue", "Won revenue", "headline", "sales", "money",
           "Sum of the amounts of deals closed-won in the period (close date in the period); a lead "
           "that reached won with no deal loaded counts with its own amount. A won deal with a blank "
           "amount adds nothing (it is not $0) and the note says how many of the won deals have one; "
           "'—' when none has.",
           ("won",), "a deals sheet (Stage, Close Date, Amount) or lead Won Date"),
    Metric("won_deals", "Won deals", "headline", "sales", "count",
           "Number of deals closed-won in the period.", ("won",),
           "a deals sheet (Stage, Close Date)"),
    Metric("leads_created", "Leads created", "lead generation", "marketing", "count",
           "Leads whose create date falls in the period.", ("leads",),
           "a leads sheet (Lead ID, Create Date)"),
    Metric("sql_growth_mom", "SQL growth MoM", "lead generation", "marketing", "pct",
           "(SQLs in the period's last month − SQLs in the month before) ÷ SQLs in the month before. "
           "SQL = reached the stage configured as SQL (default: opportunity) in that month.",
           ("records",), "a leads or deals sheet with opportunity dates"),
    Metric("sql_growth_qoq", "SQL volume growth QoQ", "lead generation", "marketing", "pct",
           "(SQLs in the quarter holding the period's end − SQLs in the quarter before) ÷ SQLs in the "
           "quarter before.", ("records",), "a leads or deals sheet with opportunity dates"),
    Metric("lead_share", "% of leads per channel", "lead generation", "marketing", "pct",
           "Leads created in the period from the channel ÷ all leads created in the period.",
           ("leads",), "a leads sheet with a Lead Source / channel column"),
    Metric("lead_response_hours", "Lead response time (median)", "service level", "sales", "hours",
           "Speed to lead: median hours from the handoff (MQL date) to the first sales touch (first "
           "activity at or after the handoff, or First Response), for leads handed off in the period. "
           "On target when the median is within the SLA hours.",
           ("leads", "touch"), "a leads sheet with MQL Date and First Response, or an activities sheet"),
    Metric("exit_rate", "% of leads exiting without purchase", "service level", "shared", "pct",
           "Records created in the period that exited ÷ records created in the period (a created-date "
           "cohort), shown with its parts: lost (a deal closed and not won), disqualified, rejected, "
           "and stale: the age rule, a lead that has not moved for the configured number of days "
           "(Data page, settings). A won or converted record is never stale, and an open deal is "
           "never an exit.",
           ("records",), "a leads sheet with status / exit dates"),
    Metric("followups_per_sql", "Average follow-ups to SQLs", "service level", "sales", "ratio",
           "Mean number of sales touches (activities, else the Follow-ups column) on records that "
           "became SQL in the period. On target at or above the SLA's minimum attempts.",
           ("leads", "touch"), "an activities sheet (Lead ID, Activity Date) or a follow-ups column"),
    Metric("avg_sales_deal", "Average sales deal size", "revenue", "sales", "money",
           "Mean amount of deals won in the period whose channel is sales-sourced (channel map); won "
           "deals without an amount are left out (the note says how many it covers).",
           ("won",), "a deals sheet with Amount and a Lead Source / channel column"),
    Metric("avg_marketing_deal", "Average marketing deal size", "revenue", "marketing", "money",
           "Mean amount of deals won in the period whose channel is marketing-sourced (channel map); "
           "won deals without an amount are left out (the note says how many it covers).",
           ("won",), "a deals sheet with Amount and a Lead Source / channel column"),
    Metric("avg_deal_size", "Average deal size", "revenue", "sales", "money",
           "Mean amount of all deals won in the period that have an amount, whatever their source; "
           "the note says how many of the won deals that covers (a blank amount is not $0).",
           ("won",), "a deals sheet (Stage, Close Date, Amount)"),
    Metric("win_rate", "Win rate", "revenue", "sales", "pct",
           "Deals won in the period ÷ deals closed in the period, won or lost (close date in the "
           "period). A deal is lost only when the export says it is closed and not won; open deals are "
           "neither, whatever their expected close date. A won or lost deal with no close date is in no "
           "period: the note says how many.",
           ("won",), "a deals sheet with Stage (or Won / Closed columns) and Close Date"),
    Metric("open_pipeline", "Open pipeline", "revenue", "sales", "money",
           "Sum of the amounts of the deals open on the data's as-of date (neither won nor lost), "
           "whatever the period; the note gives their number and how many have an amount.",
           ("won",), "a deals sheet with Stage and Amount"),
    Metric("open_pipeline_deals", "Open deals", "revenue", "sales", "count",
           "Number of deals open on the data's as-of date (neither won nor lost), whatever the period.",
           ("won",), "a deals sheet with Stage"),
    Metric("open_pipeline_weighted", "Probability-weighted pipeline", "revenue", "sales", "money",
           "Sum of amount × probability over the deals open on the data's as-of date that have both; "
           "'—' when the export has no probability. The note says how many open deals it covers.",
           ("won",), "a deals sheet with Amount and Probability"),
    Metric("sales_cycle_days", "Average sales cycle", "revenue", "sales", "days",
           "Mean whole days between the opportunity's created date and its won date, for deals won in "
           "the period (a deal won the day it was created took 0 days; a close before the create is a "
           "data error, left out and counted in the note). The median is shown beside it.",
           ("won",), "a deals sheet with Created Date and Close Date"),
    Metric("cost_to_revenue", "Cost of sales & marketing per $1 of revenue", "revenue", "shared", "ratio",
           "(Sales spend + marketing spend in the period) ÷ won revenue in the period, read as dollars "
           "spent per dollar won (spend sheet, "
           "prorated by days). Spend is not split by territory or owner, so the figure is '—' while "
           "a filter is on.", ("spend",), "a spend sheet (Month, Function, Amount)"),
    Metric("lead_to_customer", "Lead-to-customer close ratio", "revenue", "shared", "pct",
           "Leads created in the period that have been won (so far) ÷ leads created in the period "
           "(a created-date cohort; recent cohorts are still maturing). '—' while no lead is linked "
           "to an outcome.", ("leads", "lead_outcomes"),
           "leads linked to their deals (Converted Opportunity ID on the leads sheet, or Lead ID / "
           "Contact ID on the deals sheet) or a lead Won Date / status"),
    Metric("lead_acceptance", "Lead acceptance rate", "alignment (Aberdeen)", "shared", "pct",
           "MQLs handed off in the period that sales accepted (reached SAL) ÷ MQLs handed off in the "
           "period. On target at or above the MQL → SAL benchmark.", ("leads",),
           "a leads sheet with MQL and SAL dates or status"),
    Metric("marketing_revenue_share", "% revenue attributed to marketing", "alignment (Aberdeen)",
           "marketing", "pct",
           "Won revenue in the period from marketing-sourced deals ÷ all won revenue in the period. "
           "'—' when no won deal has a channel mapped to marketing or sales.",
           ("won", "channel"), "a Lead Source / channel column on the deals or leads sheet"),
    Metric("sales_cycle_yoy", "YoY change in sales cycle length", "alignment (Aberdeen)", "sales", "pct",
           "(This period's mean sales cycle − the same period last year's) ÷ last year's.",
           ("won",), "deals for the same period last year"),
    Metric("attainment_yoy", "YoY change in quota attainment", "alignment (Aberdeen)", "sales", "pct",
           "This period's % attainment − the same period last year's, in percentage points.",
           ("targets",), "targets and won deals for the same period last year"),
]
# Customers after the first deal (seed 000's outcomes "new account acquisition", "customer retention",
# "account billing size"; seed 004's "new customer acquisition, expanding wallet share ... minimizing
# churn"): computed by revmachine/accounts.py from queries/dashboard/account_outcomes.sql over the
# marts account_deals and account_churn, where "account" and "new / expansion / renewal" are defined.
CUSTOMERS = "customers"
_ACCOUNT = ("An account is the deal's account id; else its company name when the accounts sheet gives "
            "that name one id; else the company name itself (case and spacing aside); else the lead's. ")
_KIND = ("A won deal is new business, expansion or a renewal by its exported Type (New Business / Existing "
         "Business, Add-On, Upsell / Renewal); with no type, or one that says neither or both ('New Business / "
         "Add-on'), by the deal's name or pipeline when it says renewal, else by the account's history: won on "
         "the account's first day of purchase = new business, later = expansion. ")
_TRAILING = ("The trailing year is the twelve months to the period's end (to the data's as-of date when the "
             "period runs past it), so a period to date is compared like for like with the previous or "
             "year-ago period to date, whose year ends with it. ")
_GROWTH = " On target when above the same period a year earlier (seed 000's outcome is growth)."
_MONEY = (" Money is never added across currencies: in several currencies without exchange rates there is "
          "one figure per currency.")
ACCOUNT_METRICS: list[Metric] = [
    Metric("qualified_leads", "Qualified leads (MQLs)", "lead generation", "marketing", "count",
           "Leads handed off to sales (MQL date) in the period: seed 000's 'growth in number of qualified leads'."
           + _GROWTH, ("leads",), "a leads sheet with an MQL date or a lead status that reaches MQL"),
    Metric("new_accounts", "New accounts", CUSTOMERS, "shared", "count",
           "Accounts whose first won deal (in the data) closed in the period, unless every typed deal of that "
           "first day says existing business or renewal (a customer from before the data starts). "
           + _ACCOUNT + "Won deals that name no account are in no account figure (the note says how many). "
           "In the data's first twelve months every first purchase counts as new unless typed otherwise: the "
           "note says so." + _GROWTH, ("won",), "deals with an Account ID or Account Name"),
    Metric("won_revenue_new", "Won revenue: new business", CUSTOMERS, "sales", "money",
           "Won revenue in the period (close date in the period) from new-business deals. " + _KIND
           + "The note says which rule split how many deals; a won deal with no type and no account is in no "
           "part." + _GROWTH + _MONEY, ("won",), "deals with a Type column or an Account ID / Account Name"),
    Metric("won_revenue_expansion", "Won revenue: expansion", CUSTOMERS, "sales", "money",
           "Won revenue in the period from existing customers buying more (expansion: add-on, upsell, "
           "existing business). " + _KIND + _GROWTH + _MONEY,
           ("won",), "deals with a Type column or an Account ID / Account Name"),
    Metric("won_revenue_renewal", "Won revenue: renewals", CUSTOMERS, "sales", "money",
           "Won revenue in the period from renewal deals (Type says renewal, or the deal's name or pipeline "
           "does). '—' when nothing in the data can say a deal is a renewal (no Type column, no deal named a "
           "renewal); with a Type column that never says renewal it is a known $0." + _GROWTH + _MONEY,
           ("won",), "deals with a Type column that includes Renewal"),
    Metric("account_billing_size", "Average account billing size", CUSTOMERS, "sales", "money",
           "Won revenue over the trailing year ÷ the accounts with a won deal (with an amount) in it: what an "
           "active customer pays a year. " + _TRAILING + _ACCOUNT + _GROWTH + _MONEY,
           ("won",), "deals with an Account ID or Account Name and an Amount"),
    Metric("customer_retention", "Customer retention", CUSTOMERS, "shared", "pct",
           "Of the accounts that bought in the base year (the twelve months before the trailing year), the share "
           "that bought or renewed again in the trailing year. " + _TRAILING + "Under a territory, owner, channel "
           "or sourced-by filter the filter chooses the customers (a base-year deal passes it) and any later "
           "purchase of theirs counts. The note adds renewals won ÷ renewals due where the data has renewals. "
           "'—' when no account bought in the base year." + _GROWTH,
           ("won",), "deals with an Account ID or Account Name, two years of them"),
    Metric("renewal_rate", "Renewal rate", CUSTOMERS, "sales", "pct",
           "Renewal deals won in the period ÷ renewals due in it: won or lost renewals closed in the period, and "
           "open renewals whose expected close date passed in it (overdue). '—' where the data has no renewal "
           "deals." + _GROWTH, ("won",), "deals with a Type column that includes Renewal"),
    Metric("churned_accounts", "Churned accounts", CUSTOMERS, "shared", "count",
           "Accounts that left in the period, each once per departure, on the first of: a renewal closed lost "
           "(its close date); twelve months after a purchase with no purchase since (an account that bought last "
           "year and not this year), unless a renewal of it is still open; the accounts sheet's churn flag or "
           "status (churned, former customer, cancelled) on its churn date (no date: in no period, the note "
           "says how many). '—' until the data has twelve months of purchases before the period ends, renewals "
           "or a churn flag. On target when fewer than a year earlier.",
           ("won",), "an accounts sheet with a churn flag or status, renewal deals, or a year of won deals"),
    Metric("net_revenue_retention", "Net revenue retention", CUSTOMERS, "shared", "pct",
           "Won revenue in the trailing year from the accounts that bought in the base year ÷ their won revenue "
           "in the base year (expansion and renewals in, churn and contraction out). " + _TRAILING
           + "Only where amounts recur: '—' while the data has no renewal deals (repeat purchases of one-off "
           "sales are not a retained revenue stream). On target at or above 100%." + _MONEY,
           ("won",), "renewal deals (a Type column with Renewal)"),
    Metric("wallet_share", "Wallet share", CUSTOMERS, "sales", "pct",
           "Won revenue over the trailing year from the accounts with a potential (accounts sheet: Account "
           "Potential / wallet size, a year's spend) that bought in it ÷ the sum of their potentials. Annual "
           "Revenue (the customer's own turnover) is not a potential." + _GROWTH,
           ("won",), "an accounts sheet with an Account Potential column"),
]
ACCOUNT_IDS = frozenset(m.id for m in ACCOUNT_METRICS)
METRICS.extend(ACCOUNT_METRICS)
GROUPS.append(CUSTOMERS)
BY_ID = {m.id: m for m in METRICS}
# a rise in these is bad news (their deltas are coloured the other way round)
LOWER_IS_BETTER = {"lead_response_hours", "exit_rate", "sales_cycle_days", "cost_to_revenue", "sales_cycle_yoy"}
LOWER_IS_BETTER |= {"churned_accounts"}


def ratio(num: Any, den: Any) -> float | None:
    if num is None or den is None:
        return None
    den = float(den)
    if den == 0:
        return None
    return float(num) / den


def change(value: float | None, base: float | None, unit: str) -> float | None:
    """Percentage metrics change in points (value − base); the rest relatively."""
    if value is None or base is None:
        return None
    if unit == "pct":
        return value - base
    return ratio(value - base, abs(base))


def availability(con: duckdb.DuckDBPyConnection) -> dict[str, bool]:
    """What the data holds, for the metrics' `needs` (a metric whose input is absent is "—")."""
    r = con.execute("""
        select
            exists (select 1 from leads),
            exists (select 1 from funnel_records),
            exists (select 1 from won_deals) or exists (select 1 from deals),
            exists (select 1 from targets where revenue_target is not null),
            exists (select 1 from spend),
            exists (select 1 from activities)
                or exists (select 1 from leads where first_response_at is not null
                    or followup_count is not null),
            -- rule 1: lead-to-customer needs a lead linked to an outcome (a won or lost status or
            -- date of its own, or a deal that continues it)
            exists (select 1 from funnel_records where record_type = 'lead'
                and (is_won or exit_kind = 'lost'))
                or exists (select 1 from deal_links where lead_id is not null),
            -- % of revenue from marketing needs a channel somewhere
            exists (select 1 from funnel_records where channel <> 'Unknown')
                or exists (select 1 from deal_facts where channel <> 'Unknown')
    """).fetchall()[0]
    return dict(zip(["leads", "records", "won", "targets", "spend", "touch", "lead_outcomes", "channel"],
                    r, strict=True))


def money_basis(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """How money is reported (queries/marts/money_basis.sql): the reporting currency, whether every
    currency is converted into it, the currencies the data states and those still without a rate."""
    r = con.execute("select reporting_currency, default_currency, is_converted, currencies, missing_rates "
                    "from money_basis").fetchall()[0]
    return dict(zip(["reporting_currency", "default_currency", "is_converted", "currencies", "missing_rates"],
                    r, strict=True))


def money_currencies(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The currencies money figures fall in ('' for amounts whose currency nobody states): one
    entry when the data is in one currency or every currency is converted, else several."""
    return [r[0] for r in con.execute("""
        select distinct coalesce(currency, '') from deal_facts where amount is not null order by 1
    """).fetchall()]


def settings(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    s = dict(con.execute("select key, value from config_settings").fetchall())
    bench = con.execute("select benchmark_rate from config_stages where stage = 'mql'").fetchall()
    return {
        "fy_start": int(s.get("fiscal_year_start_month", 1)),
        "sla_hours": float(s.get("sla_first_touch_hours", 24)),
        "min_attempts": int(s.get("sla_min_attempts", 3)),
        "decision_days": float(s.get("sla_decision_days", 5)),
        "acceptance_benchmark": bench[0][0] if bench else None,
        "currency": s.get("currency", "$"),
        "stale_days": int(s.get("stale_days", 180)),
    }


@dataclass
class Row:
    metric: str
    value: float | None
    previous: float | None
    change: float | None
    yoy: float | None
    owner: str
    unit: str
    segment: str | None = None
    on_target: bool | None = None
    trend: list[float | None] = field(default_factory=list)
    note: str | None = None  # why it is "—", or a secondary figure
    currency: str | None = None  # ISO code of a money figure (None: the data does not say)
    detail: dict[str, Any] | None = None  # the figure's parts (exit reasons, coverage)

    def as_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "value": self.value, "previous": self.previous,
                "change": self.change, "yoy": self.yoy, "owner": self.owner, "unit": self.unit,
                **({"segment": self.segment} if self.segment is not None else {}),
                **({"currency": self.currency} if self.unit == "money" else {}),
                **({"note": self.note} if self.note else {}),
                **({"detail": self.detail} if self.detail else {})}


# money figures: computed per currency while money is in several currencies without rates
MONEY_METRICS = ("won_revenue", "avg_sales_deal", "avg_marketing_deal", "avg_deal_size", "open_pipeline",
                 "open_pipeline_weighted", "marketing_revenue_share")
# money compared with money from another sheet (targets, spend): '—' in that case
CROSS_MONEY_METRICS = ("attainment", "attainment_yoy", "cost_to_revenue")
EXIT_PARTS = ("lost", "disqualified", "rejected", "stale")


def _num(x: Any) -> float | None:
    return None if x is None else float(x)


def _base_values(r: dict[str, Any], filtered_beyond_territory: bool, any_filter: bool) -> dict[str, Any]:
    spend = None
    if not any_filter and r["spend_covers_period"] and (r["marketing_spend"] or r["sales_spend"]):
        spend = (r["marketing_spend"] or 0) + (r["sales_spend"] or 0)
    won, with_amount = r["won_deals"], r["won_with_amount"]
    # no won deal: revenue is a known 0; won deals none of which has an amount: unknown
    won_revenue = 0.0 if won == 0 else (_num(r["won_revenue"]) if with_amount else None)
    return {
        "attainment": None if filtered_beyond_territory else ratio(won_revenue, r["revenue_target"]),
        "won_revenue": won_revenue,
        "won_deals": won,
        "leads_created": r["leads_created"],
        "lead_response_hours": r["response_hours_median"],
        "exit_rate": ratio(r["cohort_exited"], r["cohort_entered"]),
        "followups_per_sql": ratio(r["sql_touches"], r["sqls_with_touch_data"]),
        "avg_sales_deal": ratio(r["sales_won_revenue"], r["sales_won_deals"]),
        "avg_marketing_deal": ratio(r["marketing_won_revenue"], r["marketing_won_deals"]),
        "avg_deal_size": ratio(r["won_revenue"], with_amount),
        "win_rate": ratio(r["closed_won"], r["closed_won"] + r["closed_lost"]),
        "open_pipeline": (_num(r["open_amount"]) if r["open_with_amount"]
                          else (0.0 if not r["open_in_currency"] else None)),
        "open_pipeline_deals": r["open_deals"],
        "open_pipeline_weighted": _num(r["open_weighted"]) if r["open_with_probability"] else None,
        "sales_cycle_days": ratio(r["cycle_days_sum"], r["cycle_deals"]),
        "cost_to_revenue": ratio(spend, won_revenue),
        "lead_to_customer": ratio(r["cohort_won"], r["leads_created"]),
        "lead_acceptance": ratio(r["mqls_accepted"], r["mqls"]),
        # rule 1: '—' when no won revenue in the period has a known source, not 0%
        "marketing_revenue_share": (ratio(r["marketing_won_revenue"], r["won_revenue"])
                                    if r["sourced_won_deals"] else None),
        "_sqls": r["sqls"],
        "_cycle_median": r["cycle_days_median"],
        "_cycle_before_created": r["cycle_before_created"],
        "_within_sla": ratio(r["mqls_within_sla"], r["mqls"]),
        "_mqls": r["mqls"],
        "_raw": r,
    }


def _needed_periods(p: periods.Period, fy: int, trend_n: int) -> dict[str, periods.Period]:
    need: dict[str, periods.Period] = {}
    base = [p, p.shift(-1, fy), p.year_ago(fy)]
    trend = periods.recent(p.grain, p, trend_n, fy) if p.grain not in ("all", "range") else []
    for q in trend:
        need[q.label] = q
    for q in base:  # the month and quarter around each compared period, for the growth metrics
        need[q.label] = q
        if q.grain == "all":
            continue
        last_day = q.end - dt.timedelta(days=1)
        m = periods.containing("month", last_day, fy)
        qq = periods.containing("quarter", last_day, fy)
        for x in (m, m.shift(-1, fy), qq, qq.shift(-1, fy)):
            need[f"{x.grain}:{x.label}"] = x
    return need


def _of(n: int, m: int, what: str) -> str:
    return f"{n:,} of {m:,} {what}"


def _note(metric: str, v: dict[str, Any], cfg: dict[str, Any]) -> str | None:
    """The secondary figure shown under a known value: coverage, parts, the rule applied."""
    r = v["_raw"]
    if metric == "lead_response_hours":
        w = v["_within_sla"]
        return (f"{w * 100:.0f}% of {v['_mqls']:,} handed-off leads touched within "
                f"{cfg['sla_hours']:g} h" if w is not None else None)
    if metric == "sales_cycle_days":
        parts = []
        if v["_cycle_median"] is not None:
            parts.append(f"median {v['_cycle_median']:.0f} days")
        if v["_cycle_before_created"]:
            parts.append(f"{v['_cycle_before_created']:,} won deal(s) closed before they were created: left out "
                         "(a data error)")
        return "; ".join(parts) or None
    undated = (f"{r['won_undated']:,} won deal(s) in the data have no close date and are in no period"
               if r["won_undated"] else None)
    if metric in ("won_revenue", "avg_deal_size") and r["won_with_amount"] < r["won_deals"]:
        return "; ".join(filter(None, [f"{_of(r['won_with_amount'], r['won_deals'], 'won deals have an amount')}; "
                                       "the others are left out", undated]))
    if metric == "avg_deal_size":
        return "; ".join(filter(None, [f"all {r['won_deals']:,} won deals have an amount", undated]))
    if metric in ("won_revenue", "won_deals") and undated:
        return undated
    if metric == "avg_sales_deal" and r["sales_won_deals"] < r["sales_won_all"]:
        return _of(r["sales_won_deals"], r["sales_won_all"], "sales-sourced won deals have an amount")
    if metric == "avg_marketing_deal" and r["marketing_won_deals"] < r["marketing_won_all"]:
        return _of(r["marketing_won_deals"], r["marketing_won_all"], "marketing-sourced won deals have an amount")
    if metric == "win_rate":
        undated = r["won_undated"] + r["lost_undated"]
        return (f"{r['closed_won']:,} won of {r['closed_won'] + r['closed_lost']:,} closed "
                f"({r['closed_lost']:,} lost)"
                + (f"; not counted: {r['lost_undated']:,} lost and {r['won_undated']:,} won deal(s) in the data "
                   "with no close date" if undated else ""))
    if metric == "exit_rate":
        n = r["cohort_entered"]
        parts = [f"{k if k != 'stale' else 'stale (no movement for ' + str(cfg['stale_days']) + ' days)'} "
                 f"{r['cohort_' + k] / n * 100:.0f}%" for k in EXIT_PARTS if r["cohort_" + k]]
        return ", ".join(parts) or None
    if metric == "open_pipeline":
        return (f"{r['open_in_currency']:,} open deals on the data's as-of date"
                + (f", {r['open_with_amount']:,} with an amount" if r["open_with_amount"] < r["open_in_currency"]
                   else ""))
    if metric == "open_pipeline_weighted":
        return _of(r["open_with_probability"], r["open_in_currency"], "open deals have an amount and a probability")
    return None


def _detail(metric: str, v: dict[str, Any], cfg: dict[str, Any]) -> dict[str, Any] | None:
    r = v["_raw"]
    if metric == "exit_rate":
        n = r["cohort_entered"]
        return {"entered": n, "exited": r["cohort_exited"],
                **{k: ratio(r["cohort_" + k], n) for k in EXIT_PARTS}, "stale_days": cfg["stale_days"]}
    if metric in ("won_revenue", "avg_deal_size"):
        return {"won_deals": r["won_deals"], "with_amount": r["won_with_amount"]}
    if metric == "avg_sales_deal":
        return {"won_deals": r["sales_won_all"], "with_amount": r["sales_won_deals"]}
    if metric == "avg_marketing_deal":
        return {"won_deals": r["marketing_won_all"], "with_amount": r["marketing_won_deals"]}
    if metric == "win_rate":
        return {"won": r["closed_won"], "lost": r["closed_lost"],
                "closed_without_date": {"won": r["won_undated"], "lost": r["lost_undated"]}}
    if metric in ("open_pipeline", "open_pipeline_weighted", "open_pipeline_deals"):
        return {"open_deals": r["open_in_currency"], "with_amount": r["open_with_amount"],
                "with_probability": r["open_with_probability"]}
    if metric == "sales_cycle_days":
        return {"won_deals": r["cycle_deals"], "closed_before_created": r["cycle_before_created"]}
    return None


def scorecard(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters(),
              trend_n: int = 8) -> dict[str, Any]:
    """Every scorecard metric for the period, with previous, year-ago and trend values.

    Money is never added across currencies: while the data holds several currencies and no
    exchange rate for one of them (configure.save_fx_rates), each money metric has one row per
    currency (segment = the ISO code, '' for amounts whose currency nobody states) and the metrics
    comparing money with targets or spend are '—'."""
    cfg = settings(con)
    fy = int(cfg["fy_start"])
    p = periods.parse(period_label, fy)
    avail = availability(con)
    need = _needed_periods(p, fy, trend_n)
    keys = list(need)
    basis = money_basis(con)
    currencies = money_currencies(con)
    several = len(currencies) > 1

    def run(currency: str) -> dict[str, dict[str, Any]]:
        rows = sql.rows(con, "dashboard/scorecard", labels=keys, starts=[need[k].start for k in keys],
                        ends=[need[k].end for k in keys], sla_hours=cfg["sla_hours"],
                        min_attempts=cfg["min_attempts"], currency=currency, **filt.params())
        by = {r["period"]: r for r in rows}
        return {k: _base_values(by[k], beyond, anyf) for k in keys}

    beyond = bool(filt.channel or filt.owner or filt.sourced_by)
    anyf = beyond or bool(filt.territory)
    vals = run("")
    per_currency = {c: run(c) for c in currencies} if several else {}
    single_currency = (currencies[0] or None) if len(currencies) == 1 else (
        basis["reporting_currency"] if basis["is_converted"] else basis["default_currency"])

    def growth(vs: dict, q: periods.Period, grain: str) -> float | None:
        if q.grain == "all":
            return None
        x = periods.containing(grain, q.end - dt.timedelta(days=1), fy)
        cur, prev = vs.get(f"{grain}:{x.label}"), vs.get(f"{grain}:{x.shift(-1, fy).label}")
        if cur is None or prev is None:  # growth is not traced along the trend line
            return None
        return ratio(cur["_sqls"] - prev["_sqls"], prev["_sqls"])

    def value(vs: dict, metric: str, q: periods.Period) -> float | None:
        v = vs[q.label]
        if metric == "sql_growth_mom":
            return growth(vs, q, "month")
        if metric == "sql_growth_qoq":
            return growth(vs, q, "quarter")
        if metric == "sales_cycle_yoy":
            ly = vs.get(q.year_ago(fy).label) if q.grain != "all" else None
            return change(v["sales_cycle_days"], ly["sales_cycle_days"] if ly else None, "days")
        if metric == "attainment_yoy":
            ly = vs.get(q.year_ago(fy).label) if q.grain != "all" else None
            return change(v["attainment"], ly["attainment"] if ly else None, "pct")
        return v.get(metric)

    prev_p, ly_p = p.shift(-1, fy), p.year_ago(fy)
    trend_ps = periods.recent(p.grain, p, trend_n, fy) if p.grain not in ("all", "range") else [p]
    as_of_point = {"open_pipeline", "open_pipeline_deals", "open_pipeline_weighted"}
    several_note = (f"Money is in several currencies ({', '.join(c or 'not stated' for c in currencies)}) "
                    "and is never added across them: set the reporting currency and an exchange rate for "
                    "each (Data page).")

    def row_for(m: Metric, vs: dict, segment: str | None, currency: str | None) -> Row:
        cur = value(vs, m.id, p)
        prev = value(vs, m.id, prev_p) if p.grain != "all" and m.id not in as_of_point else None
        ly = (value(vs, m.id, ly_p) if p.grain != "all"
              and m.id not in {"sales_cycle_yoy", "attainment_yoy", *as_of_point} else None)
        trend = ([] if m.id in as_of_point else [value(vs, m.id, t) if t.label in vs else None for t in trend_ps])
        on = None
        if m.id == "attainment" and cur is not None:
            on = cur >= 1.0
        elif m.id == "lead_response_hours" and cur is not None:
            on = cur <= cfg["sla_hours"]
        elif m.id == "followups_per_sql" and cur is not None:
            on = cur >= cfg["min_attempts"]
        elif m.id == "lead_acceptance" and cur is not None and cfg["acceptance_benchmark"]:
            on = cur >= cfg["acceptance_benchmark"]
        note = None
        v = vs[p.label]
        if cur is None:
            if m.id in {"attainment", "attainment_yoy"} and beyond:
                note = "Targets are set per territory: clear the channel/owner/sourced-by filter."
            elif m.id == "cost_to_revenue" and anyf:
                note = "Spend is not split by territory or owner: clear the filters."
            elif m.id == "cost_to_revenue":
                note = "The spend sheet does not cover the whole period, or there is no won revenue."
            elif m.id == "attainment" and v["won_revenue"] is None:
                note = "No won deal in this period has an amount (deals sheet, Amount)."
            elif m.id == "attainment":
                note = "No revenue target covers this period (targets sheet)."
            elif m.id == "won_revenue":
                note = f"None of the {v['won_deals']:,} won deals has an amount (deals sheet, Amount)."
            elif m.id == "marketing_revenue_share" and v["won_deals"]:
                note = ("No won deal in this period has a channel mapped to marketing or sales: needs a "
                        "Lead Source / channel column on the deals or leads sheet (channel map on the Data page).")
            elif m.id == "open_pipeline_weighted" and v["_raw"]["open_deals"]:
                note = "No open deal has both an amount and a probability (deals sheet, Probability)."
            elif m.id == "open_pipeline" and v["_raw"]["open_in_currency"]:
                note = (f"None of the {v['_raw']['open_in_currency']:,} open deals has an amount "
                        "(deals sheet, Amount).")
            elif m.id == "win_rate":
                note = "No deal closed won or lost in this period (deals sheet, Stage and Close Date)."
            else:
                note = "No data in this period (or a zero denominator)."
        else:
            note = _note(m.id, v, cfg)
        if m.id in as_of_point and p.grain != "all":
            note = (note.rstrip(".") + "; " if note else "") + "as of the data's as-of date, whatever the period"
        return Row(m.id, cur, prev, change(cur, prev, m.unit), change(cur, ly, m.unit), m.owner,
                   m.unit, segment=segment, on_target=on, trend=trend, note=note,
                   currency=currency if m.unit == "money" or m.id in MONEY_METRICS else None,
                   detail=_detail(m.id, v, cfg) if cur is not None or m.id in as_of_point else None)

    out: list[Row] = []
    for m in METRICS:
        if m.id in ACCOUNT_IDS:  # the customer figures: revmachine/accounts.py, below
            continue
        if m.id == "lead_share":
            continue
        missing = [n for n in m.needs if not avail.get(n, True)]
        if missing:
            out.append(Row(m.id, None, None, None, None, m.owner, m.unit, note=f"Upload {m.unlock}."))
            continue
        if several and m.id in CROSS_MONEY_METRICS:
            out.append(Row(m.id, None, None, None, None, m.owner, m.unit, note=several_note))
            continue
        if several and m.id in MONEY_METRICS:
            for c in currencies:
                r = row_for(m, per_currency[c], c, c or None)
                r.note = (r.note + " " if r.note else "") + f"({c or 'currency not stated'} only: {several_note})"
                out.append(r)
            continue
        out.append(row_for(m, vals, None, single_currency))
    # lead share: one row per channel (current, previous and year-ago periods in one query); none
    # when no lead has a channel (rule 1: unknown, not 100% 'Unknown')
    has_lead_channel = avail["leads"] and con.execute(
        "select exists (select 1 from funnel_records where record_type = 'lead' and channel <> 'Unknown')"
    ).fetchall()[0][0]
    if has_lead_channel:
        share_ps = [p] if p.grain == "all" else [p, prev_p, ly_p]
        share_rows = sql.rows(con, "dashboard/lead_share", labels=[f"{i}" for i in range(len(share_ps))],
                              starts=[q.start for q in share_ps], ends=[q.end for q in share_ps], **filt.params())
        by_period: dict[str, dict[str, dict]] = {}
        for r in share_rows:
            by_period.setdefault(r["period"], {})[r["channel"]] = r
        cur_share = by_period.get("0", {})
        prev_share = by_period.get("1", {})
        ly_share = by_period.get("2", {})
        has_prev, has_ly = p.grain != "all" and bool(prev_share), p.grain != "all" and bool(ly_share)
        for channel, r in sorted(cur_share.items(), key=lambda kv: (-kv[1]["leads"], kv[0])):
            v = ratio(r["leads"], r["all_leads"])
            pr, lr = prev_share.get(channel), ly_share.get(channel)
            pv = ratio(pr["leads"], pr["all_leads"]) if pr else (0.0 if has_prev else None)
            lv = ratio(lr["leads"], lr["all_leads"]) if lr else (0.0 if has_ly else None)
            out.append(Row("lead_share", v, pv, change(v, pv, "pct"), change(v, lv, "pct"),
                           "marketing", "pct", segment=channel))
    out.extend(_account_rows(con, p, filt, trend_ps, fy, vals, avail, cfg))
    return {"period": p.label, "period_start": p.start, "period_end": p.end, "previous_period": prev_p.label,
            "year_ago_period": ly_p.label, "filters": filt.describe(), "rows": out,
            "trend_labels": [t.label for t in trend_ps], "settings": cfg, "available": avail,
            "money": {**basis, "figure_currencies": currencies}}


def _account_rows(con, p, filt, trend_ps, fy, vals, avail, cfg) -> list[Row]:
    """The customer figures (revmachine/accounts.py); MQLs handed off come from this scorecard's query."""
    from revmachine import accounts

    mqls = {k: v["_raw"]["mqls"] for k, v in vals.items()}
    has_mql = avail["leads"] and con.execute(
        "select exists (select 1 from funnel_records where mql_at is not null)").fetchall()[0][0]
    return accounts.rows(con, p, filt, trend_ps, fy, mqls, bool(has_mql), cfg["currency"])


def report_rows(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [r.as_dict() for r in card["rows"]]


def _screen(con, name: str, period_label: str, filt: Filters):
    """A per-territory/per-lead screen query for one period, with the SLA settings bound."""
    cfg = settings(con)
    p = periods.parse(period_label, int(cfg["fy_start"]))
    return sql.df(con, name, period_start=p.start, period_end=p.end, sla_hours=cfg["sla_hours"],
                  min_attempts=cfg["min_attempts"], decision_days=cfg["decision_days"], **filt.params())


def attainment_by_territory(con, period_label: str, filt: Filters = Filters()):
    return _screen(con, "dashboard/attainment_by_territory", period_label, filt)


def sla_by_territory(con, period_label: str, filt: Filters = Filters()):
    return _screen(con, "dashboard/sla_by_territory", period_label, filt)


def sla_breaches(con, period_label: str, filt: Filters = Filters()):
    return _screen(con, "dashboard/sla_breaches", period_label, filt)


def default_period_label(con: duckdb.DuckDBPyConnection, grain: str = "quarter") -> str:
    """The latest complete period of the grain (default: quarter) of the data, or of today if the
    data runs past it. The page and `report` both start here."""
    fy = int(settings(con)["fy_start"])
    last = con.execute("select max(cast(data_as_of as date)) from funnel_records").fetchall()[0][0]
    as_of = min(last, dt.date.today()) if last else dt.date.today()
    return periods.latest_complete(grain, as_of, fy).label


def current_period_label(con: duckdb.DuckDBPyConnection, grain: str = "quarter") -> str:
    """The period of the grain to date (the quarter, month or year holding the data's last day, up
    to that day; the whole period when it is its last day): what the meeting looks at. The pages
    start here; `report` keeps the latest complete period (default_period_label)."""
    fy = int(settings(con)["fy_start"])
    last = con.execute("select max(cast(data_as_of as date)) from funnel_records").fetchall()[0][0]
    as_of = min(last, dt.date.today()) if last else dt.date.today()
    return periods.to_date(grain, as_of, fy).label

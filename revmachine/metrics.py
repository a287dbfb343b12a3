"""The shared scorecard (domain.md "The shared scorecard"): definitions, values, comparisons.

SQL (queries/dashboard/scorecard.sql) returns numerators and denominators for every period the
scorecard needs, in one query; this module forms each ratio once, at the end, as num / den with
None (shown as "—") when the denominator is zero or an input is missing. The page, the xlsx
export and `python -m revmachine report` all call `scorecard()`, so they show the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import duckdb

from revmachine import compare, periods, sql
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
    Metric("reps_on_quota_share", "% of reps on quota", "headline", "sales", "pct",
           "Reps with a personal quota for the period whose won revenue reached it (prorated by days, so a "
           "period to date is judged on the pace) ÷ reps with a quota (targets sheet with personal goals, "
           "Salesforce quotas, Dynamics goals). Seed 002: aligned teams have 10% more of their sales people "
           "on quota. '—' while a channel or sourced-by filter is on (quotas are not split by them).",
           ("targets",), "a quota sheet with a quota per rep and period (personal goals)"),
    Metric("leads_created", "Leads created", "lead generation", "shared", "count",
           "Leads whose create date falls in the period, from both sides (the note splits them: "
           "marketing-sourced and sales-sourced, by the channel map).", ("leads",),
           "a leads sheet (Lead ID, Create Date)"),
    Metric("mql_quota_attainment", "MQL quota attainment (marketing-sourced)", "lead generation", "marketing",
           "pct",
           "Marketing-sourced MQLs handed off in the period ÷ the MQL quota for the period (targets sheet, "
           "MQL Quota, prorated by days). Only leads whose channel maps to marketing count: sales-sourced "
           "MQLs are shown beside it, not in it, and MQLs from channels mapped to neither side are in "
           "neither. Quotas are set per territory, so the figure is '—' while a channel, owner or "
           "sourced-by filter is on.",
           ("leads", "mql_quota"), "a targets sheet with an MQL Quota column and a leads sheet with MQL dates"),
    Metric("sql_growth_mom", "SQL growth MoM", "lead generation", "shared", "pct",
           "The change in SQLs per day: the month holding the period's last day, up to that day, against "
           "the same days of the month before (1–19 Nov against 1–19 Oct; a complete month against the "
           "whole month before, per day when their lengths differ). SQL = reached the stage configured "
           "as SQL (default: opportunity), from either side (the detail splits them by source).",
           ("records",), "a leads or deals sheet with opportunity dates"),
    Metric("sql_growth_qoq", "SQL volume growth QoQ", "lead generation", "shared", "pct",
           "The same for the quarter holding the period's last day, up to that day, against the same "
           "days of the quarter before (a quarter to 19 Nov against 1 Jul – 19 Aug).",
           ("records",), "a leads or deals sheet with opportunity dates"),
    Metric("lead_share", "% of leads per channel", "lead generation", "marketing", "pct",
           "Leads created in the period from the channel ÷ all leads created in the period.",
           ("leads",), "a leads sheet with a Lead Source / channel column"),
    Metric("lead_response_hours", "Lead response time (median)", "service level", "sales", "hours",
           "Speed to lead: median hours from the handoff (MQL date) to the first sales touch (first "
           "activity at or after the handoff, or First Response), for the marketing-sourced leads handed "
           "off in the period (a sales-sourced lead is a rep's own, not a handoff). On target when the "
           "median is within the MQL stage's SLA hours (Funnel page, stage settings).",
           ("leads", "touch"), "a leads sheet with MQL Date and First Response, or an activities sheet"),
    Metric("never_touched", "Marketing leads never touched", "service level", "sales", "pct",
           "Marketing-sourced leads handed off in the period that no sales touch (an activity at or after "
           "the handoff, First Response, or a Follow-ups count) has reached by the data's as-of date ÷ "
           "those handed off; a lead still inside the MQL stage's first-touch SLA hours is not counted "
           "yet. Seed 000: \"sales reps ignore 50% of marketing leads\".",
           ("leads", "touch"), "an activities sheet or a First Response / Follow-ups column on the leads sheet"),
    Metric("exit_rate", "% of leads exiting without purchase", "service level", "shared", "pct",
           "Records created in the period that exited ÷ records created in the period (a created-date "
           "cohort), shown with its parts: lost (a deal closed and not won), disqualified and rejected. "
           "A lead that went quiet is recycled, not an exit (see recycled leads); an open deal is never "
           "an exit. Compared periods are counted at the same age.",
           ("records",), "a leads sheet with status / exit dates"),
    Metric("recycled_leads", "Leads recycled (went quiet)", "service level", "shared", "count",
           "Leads that went quiet in the period: neither won, converted (SQL) nor exited, with no "
           "movement (a stage date) or sales touch for the configured number of days (Data page, "
           "settings); the day they went quiet is their last movement plus those days. Recycled is a "
           "state, not an exit: a lead that re-engages (a later touch or a new stage date, such as a new "
           "MQL date) comes back and re-enters at the stage its new dates show. The detail gives how many "
           "are still quiet and how many came back in the period.",
           ("leads",), "a leads sheet with stage dates"),
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
           "Of the marketing-sourced MQLs handed off in the period (\"sales from marketing\"), the share "
           "sales accepted (reached SAL) ÷ those handed off; sales-sourced MQLs are not in it. On target "
           "at or above the MQL → SAL benchmark. Compared periods are counted at the same age.",
           ("leads",), "a leads sheet with MQL and SAL dates or status"),
    Metric("marketing_revenue_share", "% revenue attributed to marketing", "alignment (Aberdeen)",
           "marketing", "pct",
           "Won revenue in the period from marketing-sourced deals ÷ won revenue from deals whose source is "
           "known (marketing- or sales-sourced, by the channel map); revenue from channels mapped to neither "
           "side is counted for neither and named in the note. '—' when no won deal has a channel mapped "
           "to marketing or sales.",
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
    Metric("qualified_leads", "Qualified leads (MQLs)", "lead generation", "shared", "count",
           "Leads handed off to sales (MQL date) in the period, whatever their source: seed 000's 'growth in "
           "number of qualified leads', an outcome of the whole revenue machine, so it is shared; marketing's own "
           "figure is the MQL quota, which counts marketing-sourced MQLs only." + _GROWTH, ("leads",), "a leads sheet with an MQL date or a lead status that reaches MQL"),
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
LOWER_IS_BETTER = {"lead_response_hours", "exit_rate", "sales_cycle_days", "cost_to_revenue", "sales_cycle_yoy",
                   "never_touched"}
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
            exists (select 1 from targets where mql_quota is not null),
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
    return dict(zip(["leads", "records", "won", "targets", "mql_quota", "spend", "touch", "lead_outcomes", "channel"],
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


def settings(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The settings the figures use. The first-touch SLA is the MQL stage's SLA hours (Funnel page,
    stage settings): None when it is not set, and then no figure is judged against one."""
    s = dict(con.execute("select key, value from config_settings").fetchall())
    mql = con.execute("select benchmark_rate, sla_hours from config_stages where stage = 'mql'").fetchall()
    return {
        "fy_start": int(s.get("fiscal_year_start_month", 1)),
        "sla_hours": float(mql[0][1]) if mql and mql[0][1] is not None else None,
        "min_attempts": int(s.get("sla_min_attempts", 3)),
        "decision_days": float(s.get("sla_decision_days", 5)),
        "acceptance_benchmark": mql[0][0] if mql else None,
        "currency": s.get("currency", "$"),
        "stale_days": int(s.get("stale_days", 180)),
        # the alternate demand-generation channel the marketer matrix compares with (matrix.py)
        "matrix_baseline": s.get("matrix_baseline") or "",
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
CROSS_MONEY_METRICS = ("attainment", "attainment_yoy", "cost_to_revenue", "reps_on_quota_share")
EXIT_PARTS = ("lost", "disqualified", "rejected")


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
        # marketing's quota counts marketing's MQLs only; '—' when no MQL has a mapped source
        "mql_quota_attainment": (None if filtered_beyond_territory or not r["mql_quota"]
                                 or not (r["marketing_mqls"] or r["sales_sourced_mqls"])
                                 else ratio(r["marketing_mqls"], r["mql_quota"])),
        "lead_response_hours": r["response_hours_median"],
        "never_touched": ratio(r["mqls_never_touched"], r["mqls_past_window"]),
        "recycled_leads": r["went_quiet"],
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
        "lead_acceptance": ratio(r["mqls_accepted"], r["marketing_mqls"]),
        # rule 1: '—' when no won revenue in the period has a known source, not 0%; revenue whose
        # source is mapped to neither side is counted for neither
        "marketing_revenue_share": (ratio(r["marketing_won_revenue"], r["sourced_won_revenue"])
                                    if r["sourced_won_deals"] else None),
        "_sqls": r["sqls"],
        "_cycle_median": r["cycle_days_median"],
        "_cycle_before_created": r["cycle_before_created"],
        "_within_sla": ratio(r["mqls_within_sla"], r["marketing_mqls"]),
        "_mqls": r["marketing_mqls"],
        "_raw": r,
    }


def _needed_periods(p: periods.Period, fy: int, trend_n: int) -> dict[str, periods.Period]:
    """Every window the scorecard of `p` reads: p, the period before it and a year earlier (same
    days), the trend (the same days of the periods before), and the two windows of each growth
    figure of those (compare.growth_windows), keyed '<grain>:<label>'."""
    need: dict[str, periods.Period] = {}
    base = [p, p.shift(-1, fy), p.year_ago(fy)]
    trend = compare.trend_periods(p, trend_n, fy) if p.grain not in ("all", "range") else []
    for q in trend:
        need[q.label] = q
    for q in base:
        need[q.label] = q
        for grain in compare.GROWTH_GRAINS.values():
            w = compare.growth_windows(q, grain, fy)
            if w:
                for x in (w.current, w.previous):
                    need[f"{grain}:{x.label}"] = x
    return need


def _of(n: int, m: int, what: str) -> str:
    return f"{n:,} of {m:,} {what}"


def _note(metric: str, v: dict[str, Any], cfg: dict[str, Any]) -> str | None:
    """The secondary figure shown under a known value: coverage, parts, the rule applied."""
    r = v["_raw"]
    side_note = _sides_note(metric, v, cfg)
    if side_note is not None:
        return side_note
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
        parts = [f"{k} {r['cohort_' + k] / n * 100:.0f}%" for k in EXIT_PARTS if r["cohort_" + k]]
        return ", ".join(parts) + "; leads that went quiet are recycled, not exits" if parts else None
    if metric == "open_pipeline":
        return (f"{r['open_in_currency']:,} open deals on the data's as-of date"
                + (f", {r['open_with_amount']:,} with an amount" if r["open_with_amount"] < r["open_in_currency"]
                   else ""))
    if metric == "open_pipeline_weighted":
        return _of(r["open_with_probability"], r["open_in_currency"], "open deals have an amount and a probability")
    return None


def _sides_note(metric: str, v: dict[str, Any], cfg: dict[str, Any]) -> str | None:
    """Which records a side's figure counts, and the other side's beside it (None: no such note)."""
    r = v["_raw"]
    beside = (f"; {r['sales_sourced_mqls']:,} sales-sourced MQLs beside it, not in it" if r["sales_sourced_mqls"]
              else "") + (f"; {r['unmapped_mqls']:,} from channels mapped to neither side, in neither"
                          if r["unmapped_mqls"] else "")
    if metric == "mql_quota_attainment":
        return (f"{r['marketing_mqls']:,} marketing-sourced MQLs against a quota of {r['mql_quota']:,.0f}"
                + beside)
    if metric == "lead_acceptance":
        return f"{r['mqls_accepted']:,} accepted of {r['marketing_mqls']:,} marketing-sourced MQLs" + beside
    if metric == "lead_response_hours":
        w = v["_within_sla"]
        if w is None or cfg["sla_hours"] is None:
            return (f"{v['_mqls']:,} marketing-sourced leads handed off; no first-touch SLA is set (MQL stage, "
                    "SLA hours)") if cfg["sla_hours"] is None else None
        return f"{w * 100:.0f}% of {v['_mqls']:,} marketing-sourced leads touched within {cfg['sla_hours']:g} h"
    if metric == "never_touched":
        young = r["marketing_mqls"] - r["mqls_past_window"]
        return (f"{r['mqls_never_touched']:,} of {r['mqls_past_window']:,} marketing-sourced leads handed off have "
                "no sales touch by the data's as-of date"
                + (f"; {young:,} handed off within the last {cfg['sla_hours']:g} h are not counted yet"
                   if young and cfg["sla_hours"] else ""))
    if metric == "recycled_leads":
        return (f"{r['still_quiet']:,} still quiet, {r['went_quiet'] - r['still_quiet']:,} came back since; "
                f"{r['came_back']:,} came back in the period (quiet for {cfg['stale_days']} days or more)")
    if metric == "leads_created":
        return (f"{r['marketing_leads_created']:,} marketing-sourced, {r['sales_leads_created']:,} sales-sourced"
                + (f", {r['leads_created'] - r['marketing_leads_created'] - r['sales_leads_created']:,} "
                   "from channels mapped to neither side"
                   if r["leads_created"] > r["marketing_leads_created"] + r["sales_leads_created"] else ""))
    if metric == "marketing_revenue_share":
        unknown = (_num(r["won_revenue"]) or 0) - (_num(r["sourced_won_revenue"]) or 0)
        if unknown > 0.005:
            from revmachine import format as fmt  # the one formatter

            return (f"{fmt.money(unknown, cfg['currency'])} won from channels mapped to neither side is "
                    "counted for neither")
        return None
    return None


def _detail(metric: str, v: dict[str, Any], cfg: dict[str, Any]) -> dict[str, Any] | None:
    r = v["_raw"]
    if metric == "exit_rate":
        n = r["cohort_entered"]
        return {"entered": n, "exited": r["cohort_exited"],
                **{k: ratio(r["cohort_" + k], n) for k in EXIT_PARTS}}
    if metric == "mql_quota_attainment":
        return {"marketing_mqls": r["marketing_mqls"], "sales_sourced_mqls": r["sales_sourced_mqls"],
                "unmapped_mqls": r["unmapped_mqls"], "quota": _num(r["mql_quota"])}
    if metric == "lead_acceptance":
        return {"marketing_mqls": r["marketing_mqls"], "accepted": r["mqls_accepted"],
                "sales_sourced_mqls": r["sales_sourced_mqls"], "unmapped_mqls": r["unmapped_mqls"]}
    if metric == "lead_response_hours":
        return {"marketing_mqls": r["marketing_mqls"], "within_sla": r["mqls_within_sla"],
                "sla_hours": cfg["sla_hours"], "sales_sourced_mqls": r["sales_sourced_mqls"]}
    if metric == "never_touched":
        return {"never_touched": r["mqls_never_touched"], "handed_off": r["mqls_past_window"],
                "not_counted_yet": r["marketing_mqls"] - r["mqls_past_window"], "sla_hours": cfg["sla_hours"]}
    if metric == "recycled_leads":
        return {"went_quiet": r["went_quiet"], "still_quiet": r["still_quiet"], "came_back": r["came_back"],
                "stale_days": cfg["stale_days"]}
    if metric == "leads_created":
        return {"marketing_sourced": r["marketing_leads_created"], "sales_sourced": r["sales_leads_created"]}
    if metric == "marketing_revenue_share":
        return {"marketing_won_revenue": _num(r["marketing_won_revenue"]),
                "sourced_won_revenue": _num(r["sourced_won_revenue"]), "won_revenue": _num(r["won_revenue"])}
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
              trend_n: int = 8, figures: Collection[str] | None = None) -> dict[str, Any]:
    """Every scorecard metric for the period, with previous, year-ago and trend values.

    figures: only these metrics' rows (None: every metric). A figure is computed the same way
    either way; the queries only other figures need (the share of reps on quota, the leads per
    channel, the customer figures) are left out (the meeting home shows four of the figures).

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

    # cohorts followed to today are compared at the same age (compare.shift_days); the growth
    # windows count events (SQLs), so their age does not matter
    shifts = [0 if k.startswith(("month:", "quarter:")) else compare.shift_days(p, need[k]) for k in keys]
    # a growth window ('<grain>:<label>', _needed_periods) is read for its SQLs only
    sqls_only = [k.startswith(("month:", "quarter:")) for k in keys]

    def run(currency: str) -> dict[str, dict[str, Any]]:
        rows = sql.rows(con, "dashboard/scorecard", labels=keys, starts=[need[k].start for k in keys],
                        ends=[need[k].end for k in keys], shift_days=shifts, sqls_only=sqls_only,
                        sla_hours=cfg["sla_hours"],
                        min_attempts=cfg["min_attempts"], currency=currency, **filt.params())
        by = {r["period"]: r for r in rows}
        return {k: _base_values(by[k], beyond, anyf) for k in keys}

    beyond = bool(filt.channel or filt.owner or filt.sourced_by)
    anyf = beyond or bool(filt.territory)
    vals = run("")
    wanted = set(BY_ID if figures is None else figures)
    if avail.get("targets") and not (filt.channel or filt.sourced_by) and "reps_on_quota_share" in wanted:
        # the share of reps on quota (revmachine/pipeline.py, queries/pipeline/reps.sql), for every period
        from revmachine import pipeline

        shares = pipeline.reps_on_quota_values(con, {k: need[k] for k in keys}, filt)
        for k in keys:
            vals[k]["reps_on_quota_share"] = shares.get(k)
    per_currency = {c: run(c) for c in currencies} if several else {}
    single_currency = (currencies[0] or None) if len(currencies) == 1 else (
        basis["reporting_currency"] if basis["is_converted"] else basis["default_currency"])

    def growth(vs: dict, q: periods.Period, grain: str) -> float | None:
        w = compare.growth_windows(q, grain, fy)
        if w is None:
            return None
        cur, prev = vs.get(f"{grain}:{w.current.label}"), vs.get(f"{grain}:{w.previous.label}")
        if cur is None or prev is None:  # growth is not traced along the trend line
            return None
        return compare.pace_growth(cur["_sqls"], w.current.days, prev["_sqls"], w.previous.days)

    def growth_detail(vs: dict, grain: str) -> dict[str, Any] | None:
        """The two windows a growth figure compares, with their SQLs (by source) and their pace."""
        w = compare.growth_windows(p, grain, fy)
        if w is None:
            return None
        out: dict[str, Any] = {"basis": w.basis}
        for name, x in (("current", w.current), ("previous", w.previous)):
            r = vs[f"{grain}:{x.label}"]["_raw"]
            out[name] = {**compare.describe(x), "sqls": r["sqls"], "marketing_sourced": r["marketing_sqls"],
                         "sales_sourced": r["sales_sqls"], "sqls_per_day": r["sqls"] / x.days}
        return out

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
    trend_ps = compare.trend_periods(p, trend_n, fy)
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
        if (m.id == "attainment" and cur is not None) or (m.id == "mql_quota_attainment" and cur is not None):
            on = cur >= 1.0
        elif m.id == "lead_response_hours" and cur is not None and cfg["sla_hours"] is not None:
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
            elif m.id == "mql_quota_attainment" and beyond:
                note = "MQL quotas are set per territory: clear the channel/owner/sourced-by filter."
            elif m.id == "mql_quota_attainment" and not v["_raw"]["mql_quota"]:
                note = "No MQL quota covers this period (targets sheet, MQL Quota)."
            elif m.id == "mql_quota_attainment" and v["_raw"]["unmapped_mqls"]:
                note = (f"None of the {v['_raw']['unmapped_mqls']:,} MQLs has a channel mapped to marketing or "
                        "sales: map the channels on the Data page.")
            elif m.id in {"lead_acceptance", "lead_response_hours", "never_touched"} and v["_raw"]["mqls"] \
                    and not v["_raw"]["marketing_mqls"]:
                note = (f"None of the {v['_raw']['mqls']:,} MQLs handed off is marketing-sourced "
                        f"({v['_raw']['sales_sourced_mqls']:,} sales-sourced, {v['_raw']['unmapped_mqls']:,} from "
                        "channels mapped to neither side: channel map on the Data page).")
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
        if m.id in compare.GROWTH_GRAINS:
            detail = growth_detail(vs, compare.GROWTH_GRAINS[m.id])
        elif cur is not None or m.id in as_of_point or m.id == "mql_quota_attainment":
            detail = _detail(m.id, v, cfg)
        else:
            detail = None
        return Row(m.id, cur, prev, change(cur, prev, m.unit), change(cur, ly, m.unit), m.owner,
                   m.unit, segment=segment, on_target=on, trend=trend, note=note,
                   currency=currency if m.unit == "money" or m.id in MONEY_METRICS else None,
                   detail=detail)

    out: list[Row] = []
    for m in METRICS:
        if m.id not in wanted:
            continue
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
    has_lead_channel = "lead_share" in wanted and avail["leads"] and con.execute(
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
    if wanted & ACCOUNT_IDS:
        out.extend(r for r in _account_rows(con, p, filt, trend_ps, fy, vals, avail, cfg) if r.metric in wanted)
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
    last = con.execute("select cast(data_as_of() as date)").fetchall()[0][0]  # macros.sql
    as_of = min(last, dt.date.today()) if last else dt.date.today()
    return periods.latest_complete(grain, as_of, fy).label


def current_period_label(con: duckdb.DuckDBPyConnection, grain: str = "quarter") -> str:
    """The period of the grain to date (the quarter, month or year holding the data's last day, up
    to that day; the whole period when it is its last day): what the meeting looks at. The pages
    start here; `report` keeps the latest complete period (default_period_label)."""
    fy = int(settings(con)["fy_start"])
    last = con.execute("select cast(data_as_of() as date)").fetchall()[0][0]  # macros.sql
    as_of = min(last, dt.date.today()) if last else dt.date.today()
    return periods.to_date(grain, as_of, fy).label

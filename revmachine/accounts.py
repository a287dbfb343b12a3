"""Customers after the first deal: new accounts, expansion, retention and account size (seed 000's
six outcomes of aligned organisations; seed 004: "new customer acquisition, expanding wallet share
from existing customers and minimizing churn").

SQL returns numerators and denominators (queries/dashboard/account_outcomes.sql, over the marts
account_deals and account_churn, where "account" and "new / expansion / renewal" are defined); this
module forms each figure once, at the end, and says why one is "—" and what would unlock it. The
scorecard (metrics.scorecard) appends these rows, so the dashboard, the xlsx export and `python -m
revmachine report` show the same numbers. Definitions in words: metrics.py (ACCOUNT_METRICS).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from revmachine import format as fmt
from revmachine import metrics, periods, sql
from revmachine.filters import Filters
from revmachine.metrics import Row, change, ratio

# a year-on-year rise is good news for these, a fall for churn
GROWTH = {"qualified_leads", "new_accounts", "won_revenue_new", "won_revenue_expansion", "won_revenue_renewal",
          "account_billing_size", "customer_retention", "renewal_rate", "wallet_share"}
MONEY = ("won_revenue_new", "won_revenue_expansion", "won_revenue_renewal", "account_billing_size",
         "net_revenue_retention")
KINDS = {"won_revenue_new": "new", "won_revenue_expansion": "expansion", "won_revenue_renewal": "renewal"}
KIND_WORDS = {"new": "new business", "expansion": "expansion", "renewal": "renewal"}

NO_ACCOUNTS = ("Upload deals that name their account (Account ID or Account Name on the deals sheet): "
               "without it one customer cannot be told from another.")
NO_RENEWALS = ("Upload deals with a Type column (New Business / Existing Business / Renewal), or renewal deals "
               "named so ('Acme - Renewal 2026') or in a Renewals pipeline.")


def _d(x: Any) -> dt.date | None:
    if x is None or (isinstance(x, float) and pd.isna(x)):
        return None
    return x if isinstance(x, dt.date) and not isinstance(x, dt.datetime) else pd.Timestamp(x).date()


def _last(end_exclusive: dt.date) -> str:
    return fmt.date(end_exclusive - dt.timedelta(days=1))


def raw_periods(con: duckdb.DuckDBPyConnection, ps: list[periods.Period], filt: Filters,
                currency: str = "") -> dict[str, dict[str, Any]]:
    """queries/dashboard/account_outcomes.sql for the periods: label -> its numerators and denominators."""
    rows = sql.rows(con, "dashboard/account_outcomes", labels=[q.label for q in ps],
                    starts=[q.start for q in ps], ends=[q.end for q in ps], currency=currency, **filt.params())
    return {r["period"]: r for r in rows}


def _money_value(revenue: Any, deals: int, with_amount: int) -> float | None:
    """No such deal: a known 0; such deals none of which has an amount: unknown (a blank is not $0)."""
    if deals == 0:
        return 0.0
    return float(revenue) if with_amount and revenue is not None else None


def plus_year(d: dt.date) -> dt.date:
    """The same day twelve months later (29 Feb -> 28 Feb), as the SQL's `+ interval 12 month`."""
    try:
        return d.replace(year=d.year + 1)
    except ValueError:
        return d.replace(year=d.year + 1, day=28)


def _churn_known(r: dict[str, Any]) -> bool:
    """Churn can be seen: renewals or a churn flag in the data, or twelve months of purchases before the
    period ends (before that nobody can have gone a year without buying)."""
    if r["renewals_in_data"] or r["accounts_flagged"]:
        return True
    first = _d(r["first_won_date"])
    return r["won_with_account_in_data"] > 0 and first is not None and _d(r["window_end"]) > plus_year(first)


def values(r: dict[str, Any], mqls: int | None = None, has_mql: bool = True) -> dict[str, float | None]:
    """Every customer figure of one period from its SQL row (ratios formed here, last)."""
    accounts = r["won_with_account_in_data"] > 0
    typed = r["typed_in_data"] > 0
    renewals = r["renewals_in_data"] > 0
    v: dict[str, float | None] = {"qualified_leads": float(mqls) if has_mql and mqls is not None else None}
    v["new_accounts"] = float(r["new_accounts"]) if accounts else None
    for mid, kind in KINDS.items():
        known = (typed or renewals) if kind == "renewal" else (typed or accounts)
        v[mid] = _money_value(r[f"{kind}_revenue"], r[f"{kind}_deals_m"], r[f"{kind}_with_amount"]) if known else None
    v["account_billing_size"] = ratio(r["year_revenue"], r["active_with_amount"]) if accounts else None
    v["customer_retention"] = ratio(r["retained_accounts"], r["base_accounts"]) if accounts else None
    due = r["renewals_won"] + r["renewals_lost"] + r["renewals_overdue"]
    v["renewal_rate"] = ratio(r["renewals_won"], due) if renewals else None
    v["churned_accounts"] = float(r["churned_accounts"]) if _churn_known(r) else None
    v["net_revenue_retention"] = (ratio(r["retained_revenue"] or 0, r["base_revenue"])
                                  if renewals and r["base_with_amount"] else None)
    v["wallet_share"] = (ratio(r["wallet_revenue"], r["wallet_potential"])
                         if r["accounts_with_potential"] and r["wallet_accounts"] else None)
    return v


def _split_rule(r: dict[str, Any]) -> str | None:
    parts = []
    if r["by_type"]:
        parts.append(f"{r['by_type']:,} by the Type column")
    if r["by_account"]:
        unclear = f", {r['by_account_unclear']:,} of them with a type that says neither or both" \
            if r["by_account_unclear"] else ""
        parts.append(f"{r['by_account']:,} by the account's history (first purchase new, later ones "
                     f"expansion{unclear})")
    if r["by_name"]:
        parts.append(f"{r['by_name']:,} as renewals by their name or pipeline")
    if not parts:
        return None
    text = "Won deals split " + "; ".join(parts)
    if r["unclassified_deals"]:
        text += f"; {r['unclassified_deals']:,} name no account and no type: in no part"
    return text


def _censored(r: dict[str, Any], start: dt.date) -> str | None:
    first = _d(r["first_won_date"])
    if first is None or start >= plus_year(first):
        return None
    return (f"the data's first won deal is on {fmt.date(first)}: an account that bought before then counts as new "
            "at its first purchase in the data, unless the Type column says existing business")


def note_for(metric: str, r: dict[str, Any], value: float | None, currency: str = "$") -> str | None:
    """The line under a figure: its parts and coverage when known; what would unlock it when "—"."""
    accounts = r["won_with_account_in_data"] > 0
    ws, we = _d(r["year_start"]), _d(r["window_end"])
    bs = _d(r["base_start"])
    first = _d(r["first_won_date"])
    if value is None:
        if metric == "qualified_leads":
            return "Upload a leads sheet with an MQL date (or a lead status that reaches MQL)."
        if metric in ("new_accounts", "account_billing_size", "customer_retention") and not accounts:
            return NO_ACCOUNTS
        if metric in ("won_revenue_new", "won_revenue_expansion") and not accounts and not r["typed_in_data"]:
            return NO_ACCOUNTS + " Or a Type column (New Business / Existing Business) on the deals sheet."
        if metric in ("won_revenue_renewal", "renewal_rate") and not r["renewals_in_data"] and (
                metric == "renewal_rate" or not r["typed_in_data"]):
            return NO_RENEWALS
        if metric in KINDS:
            return f"None of the {r[KINDS[metric] + '_deals_m']:,} {KIND_WORDS[KINDS[metric]]} won deals has an amount."
        if metric == "account_billing_size":
            return f"No won deal from {fmt.date(ws)} to {_last(we)} has an account and an amount."
        if metric == "customer_retention":
            return (f"Needs won deals from {fmt.date(bs)} to {_last(ws)} (the twelve months before the last twelve)"
                    + (f"; the data's first won deal is on {fmt.date(first)}." if first else "."))
        if metric == "renewal_rate":
            return "No renewal was due in this period."
        if metric == "churned_accounts":
            if not accounts:
                return NO_ACCOUNTS
            return (f"Needs twelve months of won deals before the period ends (the data's first won deal is on "
                    f"{fmt.date(first)}), renewal deals (a Type column with Renewal), or an accounts sheet with a "
                    "churn flag or status.")
        if metric == "net_revenue_retention":
            if not r["renewals_in_data"]:
                return ("Needs recurring amounts: renewal deals (a Type column with Renewal). Without them the "
                        "revenue of repeat buyers is not a retained revenue stream.")
            return (f"No won revenue from {fmt.date(bs)} to {_last(ws)} to retain"
                    + (f" (the data's first won deal is on {fmt.date(first)})." if first else "."))
        if metric == "wallet_share":
            if not r["accounts_with_potential"]:
                return "Upload an accounts sheet with an Account Potential (wallet size) column."
            return f"None of the accounts with a potential bought from {fmt.date(ws)} to {_last(we)}."
        return None
    if metric == "qualified_leads":
        return None
    if metric == "new_accounts":
        parts = []
        if r["won_deals"] and r["won_with_account"] < r["won_deals"]:
            parts.append(f"{r['won_with_account']:,} of {r['won_deals']:,} won deals name an account; the others "
                         "are in no account figure")
        cens = _censored(r, _d(r["period_start"]))
        if cens:
            parts.append(cens)
        return "; ".join(parts) or None
    if metric in KINDS:
        kind = KINDS[metric]
        parts = []
        if r[f"{kind}_with_amount"] < r[f"{kind}_deals_m"]:
            parts.append(f"{r[kind + '_with_amount']:,} of {r[kind + '_deals_m']:,} {KIND_WORDS[kind]} won deals "
                         "have an amount")
        rule = _split_rule(r)
        if rule:
            parts.append(rule)
        return "; ".join(parts) or None
    if metric == "account_billing_size":
        return (f"{fmt.money(r['year_revenue'], currency)} from {r['active_with_amount']:,} accounts, "
                f"{fmt.date(ws)} – {_last(we)}")
    if metric == "customer_retention":
        text = (f"{r['retained_accounts']:,} of the {r['base_accounts']:,} accounts that bought {fmt.date(bs)} – "
                f"{_last(ws)} bought again by {_last(we)}")
        if first and first > bs:
            text += f" (the data starts on {fmt.date(first)}, inside that year)"
        due = r["renewals_won"] + r["renewals_lost"] + r["renewals_overdue"]
        if due:
            text += f"; renewals: {r['renewals_won']:,} won of {due:,} due"
        return text
    if metric == "renewal_rate":
        return (f"{r['renewals_won']:,} renewed, {r['renewals_lost']:,} lost, {r['renewals_overdue']:,} overdue and "
                "still open")
    if metric == "churned_accounts":
        parts = [f"{r['churned_renewal_lost']:,} lost their renewal",
                 f"{r['churned_lapsed']:,} bought nothing for twelve months"]
        if r["accounts_flagged"]:
            parts.append(f"{r['churned_flagged']:,} flagged on the accounts sheet")
        text = ", ".join(parts)
        if r["churned_undated"]:
            text += f"; {r['churned_undated']:,} more flagged churned with no date are in no period"
        return text
    if metric == "net_revenue_retention":
        return (f"{fmt.money(r['retained_revenue'] or 0, currency)} won {fmt.date(ws)} – {_last(we)} from the "
                f"accounts that paid {fmt.money(r['base_revenue'], currency)} the year before")
    if metric == "wallet_share":
        return (f"{fmt.money(r['wallet_revenue'], currency)} of a {fmt.money(r['wallet_potential'], currency)} "
                f"potential across {r['wallet_accounts']:,} accounts that bought {fmt.date(ws)} – {_last(we)}")
    return None


def detail_for(metric: str, r: dict[str, Any]) -> dict[str, Any] | None:
    """The figure's parts, for `report --format json`."""
    iso = (lambda x: _d(x).isoformat() if _d(x) else None)  # noqa: E731
    year = {"from": iso(r["year_start"]), "to": (_d(r["window_end"]) - dt.timedelta(days=1)).isoformat()}
    base = {"from": iso(r["base_start"]), "to": (_d(r["year_start"]) - dt.timedelta(days=1)).isoformat()}
    split = {"by_type_column": r["by_type"], "by_account_history": r["by_account"], "by_deal_name": r["by_name"],
             "unclassified": r["unclassified_deals"]}
    if metric == "new_accounts":
        return {"accounts": r["new_accounts"], "won_deals": r["won_deals"], "won_with_account": r["won_with_account"],
                "new_business_without_account": r["new_without_account"], "first_won_date": iso(r["first_won_date"])}
    if metric in KINDS:
        kind = KINDS[metric]
        return {"won_deals": r[f"{kind}_deals_m"], "with_amount": r[f"{kind}_with_amount"],
                "all_won_deals": r["won_deals_m"], "all_won_revenue": _num(r["won_revenue_m"]),
                "unclassified_revenue": _num(r["unclassified_revenue"]), "rule": split}
    if metric == "account_billing_size":
        return {"window": year, "accounts": r["active_with_amount"], "revenue": _num(r["year_revenue"]),
                "won_deals": r["year_deals"], "with_amount": r["year_with_amount"]}
    if metric == "customer_retention":
        due = r["renewals_won"] + r["renewals_lost"] + r["renewals_overdue"]
        return {"base_window": base, "window": year, "base_accounts": r["base_accounts"],
                "retained": r["retained_accounts"], "not_retained": r["base_accounts"] - r["retained_accounts"],
                "renewals_won": r["renewals_won"], "renewals_due": due,
                "renewal_rate": ratio(r["renewals_won"], due) if r["renewals_in_data"] else None}
    if metric == "renewal_rate":
        return {"won": r["renewals_won"], "lost": r["renewals_lost"], "overdue": r["renewals_overdue"]}
    if metric == "churned_accounts":
        return {"accounts": r["churned_accounts"], "renewal_lost": r["churned_renewal_lost"],
                "no_purchase_for_twelve_months": r["churned_lapsed"], "accounts_sheet": r["churned_flagged"],
                "flagged_without_date": r["churned_undated"]}
    if metric == "net_revenue_retention":
        return {"base_window": base, "window": year, "base_accounts": r["base_accounts"],
                "base_revenue": _num(r["base_revenue"]), "retained_revenue": _num(r["retained_revenue"] or 0)}
    if metric == "wallet_share":
        return {"window": year, "accounts": r["wallet_accounts"], "revenue": _num(r["wallet_revenue"]),
                "potential": _num(r["wallet_potential"])}
    return None


def _num(x: Any) -> float | None:
    return None if x is None else float(x)


def on_target(metric: str, cur: float | None, year_ago: float | None) -> bool | None:
    """Seed 000's outcomes are growth: on target when above the same period a year earlier (churn: below);
    net revenue retention at or above 100% (the customers of a year ago spend at least as much)."""
    if cur is None:
        return None
    if metric == "net_revenue_retention":
        return cur >= 1.0
    if year_ago is None:
        return None
    if metric == "churned_accounts":
        return cur < year_ago or cur == year_ago == 0
    return cur > year_ago or (metric in ("customer_retention", "renewal_rate") and cur == year_ago == 1.0)


def rows(con: duckdb.DuckDBPyConnection, p: periods.Period, filt: Filters, trend_ps: list[periods.Period],
         fy: int, mqls: dict[str, int] | None = None, has_mql: bool = True, symbol: str = "$") -> list[Row]:
    """The customer rows of the scorecard for period p (with previous, year-ago and trend values).

    mqls: label -> MQLs handed off in that period (the scorecard counts them already), for the
    qualified-leads figure. Money is never added across currencies: while the data holds several
    currencies without exchange rates, each money figure has one row per currency."""
    prev_p, ly_p = p.shift(-1, fy), p.year_ago(fy)
    ps = {q.label: q for q in [*trend_ps, prev_p, ly_p, p]}
    basis = metrics.money_basis(con)
    currencies = metrics.money_currencies(con)
    several = len(currencies) > 1
    single_currency = (currencies[0] or None) if len(currencies) == 1 else (
        basis["reporting_currency"] if basis["is_converted"] else basis["default_currency"])
    runs = {"": raw_periods(con, list(ps.values()), filt)}
    if several:
        for c in currencies:
            runs[c] = raw_periods(con, list(ps.values()), filt, c)
    mqls = mqls or {}

    def vals(run: str) -> dict[str, dict[str, float | None]]:
        return {k: values(r, mqls.get(k), has_mql) for k, r in runs[run].items()}

    computed = {run: vals(run) for run in runs}
    out: list[Row] = []
    several_note = (f"Money is in several currencies ({', '.join(c or 'not stated' for c in currencies)}) and is "
                    "never added across them: set the reporting currency and an exchange rate for each (Data page).")
    for m in metrics.ACCOUNT_METRICS:
        per_currency = several and m.id in MONEY
        for run in (currencies if per_currency else [""]):
            vs, raw = computed[run], runs[run]
            cur = vs[p.label][m.id]
            if several and m.id == "wallet_share":
                cur = None
            compare = p.grain != "all"
            prev = vs[prev_p.label][m.id] if compare else None
            ly = vs[ly_p.label][m.id] if compare else None
            trend = [vs[t.label][m.id] for t in trend_ps] if p.grain not in ("all", "range") else []
            note = note_for(m.id, raw[p.label], cur, f"{run} " if run else symbol)
            if several and m.id == "wallet_share":
                note = several_note
            elif per_currency:
                note = (note + " " if note else "") + f"({run or 'currency not stated'} only: {several_note})"
            out.append(Row(m.id, cur, prev, change(cur, prev, m.unit), change(cur, ly, m.unit), m.owner, m.unit,
                           segment=run if per_currency else None, on_target=on_target(m.id, cur, ly),
                           trend=trend, note=note,
                           currency=(run or None) if per_currency else (single_currency if m.unit == "money" else None),
                           detail={**(detail_for(m.id, raw[p.label]) or {}),
                                   **({"year_ago": ly} if compare else {})} if cur is not None else None))
    return out


# --- seed 000's six outcomes, beside the benchmarks of aligned organisations -------------------------

OUTCOMES = [
    # (seed 000's outcome, the scorecard figure that measures it, how, benchmark for aligned organisations)
    ("Growth in number of qualified leads", "qualified_leads", "qualified leads: MQLs handed off to sales",
     "— (seed 000 names the outcome; no published figure)"),
    ("Increase in lead conversion rates", "win_rate", "win rate: deals won ÷ deals closed",
     "38% higher win rates (seed 002, MarketingProfs)"),
    ("Growth in new account acquisition", "new_accounts", "new accounts: buying for the first time",
     "— (seed 000 names the outcome; no published figure)"),
    ("Growth in customer retention rates", "customer_retention",
     "customer retention: accounts that bought in the year before and bought again",
     "36% higher customer retention (seed 002, MarketingProfs)"),
    ("Growth in average account billing size", "account_billing_size",
     "average account billing size: won revenue per active account, trailing twelve months",
     "— (seed 000 names the outcome; no published figure)"),
    ("Revenue growth", "won_revenue", "won revenue, against the same period a year earlier",
     "32% annual revenue growth; less aligned: a 7% decline (seeds 002 and 004, Aberdeen / Forrester)"),
]


def year_ago_value(r: Row) -> float | None:
    """The year-earlier value a row's year-on-year change was taken against (points for shares)."""
    if r.value is None or r.yoy is None:
        return (r.detail or {}).get("year_ago") if r.detail else None
    if r.unit == "pct":
        return r.value - r.yoy
    return r.value / (1 + r.yoy) if r.yoy != -1 else None


def six_outcomes(card: dict[str, Any]) -> pd.DataFrame:
    """Seed 000's six outcomes for the card's period: this period, a year earlier, the growth, and the
    seed's benchmark for aligned organisations; a figure the data cannot support is None with the
    column that would unlock it (its scorecard note)."""
    by = {r.metric: r for r in card["rows"] if r.segment is None}
    out = []
    for outcome, mid, how, bench in OUTCOMES:
        r = by.get(mid)
        m = metrics.BY_ID[mid]
        value = r.value if r else None
        ly = year_ago_value(r) if r else None
        out.append({"outcome": outcome, "measured_as": how[:1].upper() + how[1:], "metric": mid, "unit": m.unit,
                    "value": value, "year_ago": ly, "growth": r.yoy if r else None,
                    "benchmark": bench,
                    "unlock": None if value is not None else (
                        r.note if r is not None else "Money in several currencies: see the per-currency tiles."
                        if any(x.metric == mid for x in card["rows"]) else None)})
    return pd.DataFrame(out)


# --- marketing's part in growth: the split by sourced-by, channel, campaign or marketer ------------------

BY = ("sourced_by", "channel", "campaign", "marketer")


def growth_by(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters(),
              by: str = "sourced_by", currency: str = "") -> pd.DataFrame:
    """New accounts and won revenue by kind (new / expansion / renewal) per sourced-by, channel,
    campaign or marketer (the campaign's owner) for the period: does marketing feed new logos,
    expansion or both (queries/dashboard/growth_by_source.sql)."""
    if by not in BY:
        raise ValueError(by)
    fy = int(metrics.settings(con)["fy_start"])
    p = periods.parse(period_label, fy)
    currencies = metrics.money_currencies(con)
    basis = metrics.money_basis(con)
    runs = currencies if len(currencies) > 1 else [""]
    frames = []
    for c in runs:
        df = sql.df(con, "dashboard/growth_by_source", by=by, period_start=p.start, period_end=p.end,
                    currency=c, **filt.params())
        df.insert(1, "currency", (c or None) if len(runs) > 1 else (
            (currencies[0] or None) if currencies else basis["reporting_currency"] or basis["default_currency"]))
        frames.append(df)
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    df["new_share_of_revenue"] = [ratio(n, t) for n, t in zip(df.new_revenue, df.won_revenue, strict=True)]
    return df

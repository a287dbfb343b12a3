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
           "where a target period only partly overlaps). Targets are set per territory, so the figure is "
           "'—' while a channel, owner or sourced-by filter is on.",
           ("targets",), "a targets sheet (Period, Territory, Revenue Target)"),
    Metric("won_revenue", "Won revenue", "headline", "sales", "money",
           "Sum of the amounts of deals closed-won in the period (close date in the period); a lead "
           "that reached won with no deal loaded counts with its own amount.",
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
           "Records created in the period that exited (disqualified, rejected, lost, or stale past the "
           "configured age) ÷ records created in the period (a created-date cohort).",
           ("records",), "a leads sheet with status / exit dates"),
    Metric("followups_per_sql", "Average follow-ups to SQLs", "service level", "sales", "ratio",
           "Mean number of sales touches (activities, else the Follow-ups column) on records that "
           "became SQL in the period. On target at or above the SLA's minimum attempts.",
           ("leads", "touch"), "an activities sheet (Lead ID, Activity Date) or a follow-ups column"),
    Metric("avg_sales_deal", "Average sales deal size", "revenue", "sales", "money",
           "Mean amount of deals won in the period whose channel is sales-sourced (channel map).",
           ("won",), "a deals sheet with Amount and a lead source / channel"),
    Metric("avg_marketing_deal", "Average marketing deal size", "revenue", "marketing", "money",
           "Mean amount of deals won in the period whose channel is marketing-sourced (channel map).",
           ("won",), "a deals sheet with Amount and a lead source / channel"),
    Metric("sales_cycle_days", "Average sales cycle", "revenue", "sales", "days",
           "Mean days from opportunity created to won, for deals won in the period (the median is "
           "shown beside it).", ("won",), "a deals sheet with Created Date and Close Date"),
    Metric("cost_to_revenue", "Cost of sales & marketing per $1 of revenue", "revenue", "shared", "ratio",
           "(Sales spend + marketing spend in the period) ÷ won revenue in the period, read as dollars "
           "spent per dollar won (spend sheet, "
           "prorated by days). Spend is not split by territory or owner, so the figure is '—' while "
           "a filter is on.", ("spend",), "a spend sheet (Month, Function, Amount)"),
    Metric("lead_to_customer", "Lead-to-customer close ratio", "revenue", "shared", "pct",
           "Leads created in the period that have been won (so far) ÷ leads created in the period "
           "(a created-date cohort; recent cohorts are still maturing).", ("leads",),
           "a leads sheet with stage dates or status"),
    Metric("lead_acceptance", "Lead acceptance rate", "alignment (Aberdeen)", "shared", "pct",
           "MQLs handed off in the period that sales accepted (reached SAL) ÷ MQLs handed off in the "
           "period. On target at or above the MQL → SAL benchmark.", ("leads",),
           "a leads sheet with MQL and SAL dates or status"),
    Metric("marketing_revenue_share", "% revenue attributed to marketing", "alignment (Aberdeen)",
           "marketing", "pct",
           "Won revenue in the period from marketing-sourced deals ÷ all won revenue in the period.",
           ("won",), "a deals or leads sheet with a lead source / channel"),
    Metric("sales_cycle_yoy", "YoY change in sales cycle length", "alignment (Aberdeen)", "sales", "pct",
           "(This period's mean sales cycle − the same period last year's) ÷ last year's.",
           ("won",), "deals for the same period last year"),
    Metric("attainment_yoy", "YoY change in quota attainment", "alignment (Aberdeen)", "sales", "pct",
           "This period's % attainment − the same period last year's, in percentage points.",
           ("targets",), "targets and won deals for the same period last year"),
]
BY_ID = {m.id: m for m in METRICS}
# a rise in these is bad news (their deltas are coloured the other way round)
LOWER_IS_BETTER = {"lead_response_hours", "exit_rate", "sales_cycle_days", "cost_to_revenue", "sales_cycle_yoy"}


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
    r = con.execute("""
        select
            (select count(*) from leads) > 0,
            (select count(*) from funnel_records) > 0,
            (select count(*) from won_deals) > 0 or (select count(*) from deals) > 0,
            (select count(*) from targets where revenue_target is not null) > 0,
            (select count(*) from spend) > 0,
            (select count(*) from activities) > 0
                or (select count(*) from leads where first_response_at is not null
                    or followup_count is not null) > 0
    """).fetchall()[0]
    return dict(zip(["leads", "records", "won", "targets", "spend", "touch"], r, strict=True))


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

    def as_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "value": self.value, "previous": self.previous,
                "change": self.change, "yoy": self.yoy, "owner": self.owner, "unit": self.unit,
                **({"segment": self.segment} if self.segment is not None else {})}


def _base_values(r: dict[str, Any], filtered_beyond_territory: bool, any_filter: bool) -> dict[str, Any]:
    attainment = None if filtered_beyond_territory else ratio(r["won_revenue"], r["revenue_target"])
    spend = None
    if not any_filter and r["spend_covers_period"] and (r["marketing_spend"] or r["sales_spend"]):
        spend = (r["marketing_spend"] or 0) + (r["sales_spend"] or 0)
    return {
        "attainment": attainment,
        "won_revenue": float(r["won_revenue"]),
        "won_deals": r["won_deals"],
        "leads_created": r["leads_created"],
        "lead_response_hours": r["response_hours_median"],
        "exit_rate": ratio(r["cohort_exited"], r["cohort_entered"]),
        "followups_per_sql": ratio(r["sql_touches"], r["sqls_with_touch_data"]),
        "avg_sales_deal": ratio(r["sales_won_revenue"], r["sales_won_deals"]),
        "avg_marketing_deal": ratio(r["marketing_won_revenue"], r["marketing_won_deals"]),
        "sales_cycle_days": ratio(r["cycle_days_sum"], r["cycle_deals"]),
        "cost_to_revenue": ratio(spend, r["won_revenue"]),
        "lead_to_customer": ratio(r["cohort_won"], r["leads_created"]),
        "lead_acceptance": ratio(r["mqls_accepted"], r["mqls"]),
        "marketing_revenue_share": ratio(r["marketing_won_revenue"], r["won_revenue"]),
        "_sqls": r["sqls"],
        "_cycle_median": r["cycle_days_median"],
        "_within_sla": ratio(r["mqls_within_sla"], r["mqls"]),
        "_mqls": r["mqls"],
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


def scorecard(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters(),
              trend_n: int = 8) -> dict[str, Any]:
    """Every scorecard metric for the period, with previous, year-ago and trend values."""
    cfg = settings(con)
    fy = int(cfg["fy_start"])
    p = periods.parse(period_label, fy)
    avail = availability(con)
    need = _needed_periods(p, fy, trend_n)
    keys = list(need)
    rows = sql.rows(con, "dashboard/scorecard", labels=keys, starts=[need[k].start for k in keys],
                    ends=[need[k].end for k in keys], sla_hours=cfg["sla_hours"],
                    min_attempts=cfg["min_attempts"], **filt.params())
    by = {r["period"]: r for r in rows}
    beyond = bool(filt.channel or filt.owner or filt.sourced_by)
    anyf = beyond or bool(filt.territory)
    vals = {k: _base_values(by[k], beyond, anyf) for k in keys}

    def growth(q: periods.Period, grain: str) -> float | None:
        if q.grain == "all":
            return None
        x = periods.containing(grain, q.end - dt.timedelta(days=1), fy)
        cur, prev = vals.get(f"{grain}:{x.label}"), vals.get(f"{grain}:{x.shift(-1, fy).label}")
        if cur is None or prev is None:  # growth is not traced along the trend line
            return None
        return ratio(cur["_sqls"] - prev["_sqls"], prev["_sqls"])

    def value(metric: str, q: periods.Period) -> float | None:
        v = vals[q.label]
        if metric == "sql_growth_mom":
            return growth(q, "month")
        if metric == "sql_growth_qoq":
            return growth(q, "quarter")
        if metric == "sales_cycle_yoy":
            ly = vals.get(q.year_ago(fy).label) if q.grain != "all" else None
            return change(v["sales_cycle_days"], ly["sales_cycle_days"] if ly else None, "days")
        if metric == "attainment_yoy":
            ly = vals.get(q.year_ago(fy).label) if q.grain != "all" else None
            return change(v["attainment"], ly["attainment"] if ly else None, "pct")
        return v.get(metric)

    prev_p, ly_p = p.shift(-1, fy), p.year_ago(fy)
    trend_ps = periods.recent(p.grain, p, trend_n, fy) if p.grain not in ("all", "range") else [p]
    out: list[Row] = []
    for m in METRICS:
        if m.id == "lead_share":
            continue
        missing = [n for n in m.needs if not avail.get(n, True)]
        if missing:
            out.append(Row(m.id, None, None, None, None, m.owner, m.unit, note=f"Upload {m.unlock}."))
            continue
        cur = value(m.id, p)
        prev = value(m.id, prev_p) if p.grain != "all" else None
        ly = value(m.id, ly_p) if p.grain != "all" and m.id not in {"sales_cycle_yoy", "attainment_yoy"} else None
        trend = [value(m.id, t) if t.label in vals else None for t in trend_ps]
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
        if cur is None:
            if m.id in {"attainment", "attainment_yoy"} and beyond:
                note = "Targets are set per territory: clear the channel/owner/sourced-by filter."
            elif m.id == "cost_to_revenue" and anyf:
                note = "Spend is not split by territory or owner: clear the filters."
            elif m.id == "cost_to_revenue":
                note = "The spend sheet does not cover the whole period, or there is no won revenue."
            elif m.id in {"attainment"}:
                note = "No revenue target covers this period (targets sheet)."
            else:
                note = "No data in this period (or a zero denominator)."
        elif m.id == "lead_response_hours":
            w = vals[p.label]["_within_sla"]
            note = (f"{w * 100:.0f}% of {vals[p.label]['_mqls']:,} handed-off leads touched within "
                    f"{cfg['sla_hours']:g} h" if w is not None else None)
        elif m.id == "sales_cycle_days" and vals[p.label]["_cycle_median"] is not None:
            note = f"median {vals[p.label]['_cycle_median']:.0f} days"
        out.append(Row(m.id, cur, prev, change(cur, prev, m.unit), change(cur, ly, m.unit), m.owner,
                       m.unit, on_target=on, trend=trend, note=note))
    # lead share: one row per channel (current, previous and year-ago periods in one query)
    if avail["leads"]:
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
    return {"period": p.label, "period_start": p.start, "period_end": p.end, "previous_period": prev_p.label,
            "year_ago_period": ly_p.label, "filters": filt.describe(), "rows": out,
            "trend_labels": [t.label for t in trend_ps], "settings": cfg, "available": avail}


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

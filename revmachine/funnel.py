"""Funnel bottlenecks (domain.md "Funnel bottlenecks"): the step table, revenue at stake, maturity,
and the bottleneck named in a sentence. SQL (queries/funnel/) counts; this module does the small
arithmetic on a few rows, in pure functions with no Streamlit import.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from revmachine import metrics, periods, sql
from revmachine.filters import Filters

SEGMENTS = ("channel", "territory", "owner", "campaign", "sourced_by")


def won_deals_at_stake(benchmark: float | None, rate: float | None, entered: int,
                       downstream: float | None) -> float | None:
    """(benchmark − actual) × volume entering × downstream conversion to won: the won deals the
    step cost against its benchmark, 0 when it beats it. None when an input is unknown."""
    if benchmark is None or rate is None or downstream is None:
        return None
    if any(isinstance(x, float) and math.isnan(x) for x in (benchmark, rate, downstream)):
        return None
    return max(0.0, benchmark - rate) * entered * downstream


def revenue_at_stake(benchmark: float | None, rate: float | None, entered: int,
                     downstream: float | None, avg_deal: float | None) -> float | None:
    """(benchmark − actual) × volume entering × downstream conversion to won × average won deal,
    and 0 when the step beats its benchmark. None when an input is unknown."""
    deals = won_deals_at_stake(benchmark, rate, entered, downstream)
    if deals is None or avg_deal is None or (isinstance(avg_deal, float) and math.isnan(avg_deal)):
        return None
    return deals * avg_deal


def downstream_rates(converted_and_won: list[int], converted: list[int],
                     benchmarks: list[float | None]) -> list[float | None]:
    """Per step, the share of its converted records that went on to be won; where a step converted
    nobody, the product of the later steps' benchmarks stands in."""
    out: list[float | None] = []
    n = len(converted)
    for i in range(n):
        if converted[i]:
            out.append(converted_and_won[i] / converted[i])
        else:
            later = [b for b in benchmarks[i + 1:]]
            out.append(math.prod(later) if all(b is not None for b in later) else None)
    return out


@dataclass
class Funnel:
    period: periods.Period
    view: str
    by: str | None
    steps: pd.DataFrame  # one row per step (x segment)
    exits: pd.DataFrame
    avg_deal: float | None
    data_as_of: dt.datetime | None
    bottleneck: dict[str, Any] | None
    sentence: str
    # configured stages the data has no date or status for: skipped, never a step (issue 13 rule 6)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _maturity(view: str, period: periods.Period, as_of, p80_reach: float | None,
              p80_stage: float | None) -> bool:
    """A step's figures are mature when the period's newest records have had the 80th-percentile
    time to convert (cohort: creation -> to-stage; period: days in the from-stage)."""
    if period.grain == "all" or as_of is None:
        return True
    wait = p80_reach if view == "cohort" else (p80_stage if p80_stage is not None else p80_reach)
    if wait is None or (isinstance(wait, float) and math.isnan(wait)):
        return True
    age_days = (pd.Timestamp(as_of) - pd.Timestamp(period.end)).total_seconds() / 86400
    return age_days >= wait


def _money(v: float, cur: str) -> str:
    from revmachine import format as fmt  # the one formatter

    return fmt.money(v, cur)


@dataclass
class StepContext:
    """What the step table needs that a breakdown does not change, for one period, view, set of
    filters and campaign: the exits, the velocity (80th-percentile days from creation to reaching
    each step's to-stage), the average won deal and the data's latest date. A page that shows the
    funnel and its breakdown computes it once for both."""

    period_label: str
    view: str
    filt: Filters
    campaign: str
    exits: pd.DataFrame
    avg_deal: float | None
    data_as_of: dt.datetime | None
    p80_reach: dict[int, float]
    # money in several currencies with no exchange rates: no single average deal (revenue at stake
    # is then unknown and the bottleneck is ranked by won deals at stake)
    several_currencies: bool = False


def step_context(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters(),
                 view: str = "period", campaign: str = "") -> StepContext:
    cfg = metrics.settings(con)
    p = periods.parse(period_label, int(cfg["fy_start"]))
    params = dict(view=view, period_start=p.start, period_end=p.end, campaign=campaign or "",
                  **filt.params())
    exits = sql.df(con, _by_campaign("funnel/step_exits", campaign), **params)
    vel = sql.df(con, "funnel/velocity_and_deal_size", **params).set_index("step_index")
    avg_deal = None
    several = bool(len(vel)) and int(vel["deal_currencies"].iloc[0] or 0) > 1
    if len(vel) and not several:
        avg_deal = vel["avg_deal_period"].iloc[0]
        if avg_deal is None or pd.isna(avg_deal):
            avg_deal = vel["avg_deal_all"].iloc[0]
        avg_deal = None if avg_deal is None or pd.isna(avg_deal) else float(avg_deal)
    as_of = vel["data_as_of"].iloc[0] if len(vel) else None
    if as_of is not None and pd.isna(as_of):
        as_of = None
    p80_reach = {int(i): float(v) for i, v in vel["p80_days_to_reach"].items() if not pd.isna(v)}
    return StepContext(period_label, view, filt, campaign or "", exits, avg_deal, as_of, p80_reach, several)


def _by_campaign(query: str, campaign: str, by: str | None = None) -> str:
    """The rollups built at load time answer every selection but a campaign's (one campaign, or the
    breakdown by campaign): they have no campaign key, which would multiply their rows by the
    campaigns. Those read the records (queries/funnel/<query>_records.sql)."""
    return f"{query}_records" if campaign or by == "campaign" else query


def build(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters(),
          view: str = "period", by: str | None = None, campaign: str = "",
          context: StepContext | None = None) -> Funnel:
    """The step table (per segment of `by`). context: the same selection's step_context, when the
    caller already has it (the funnel page builds the funnel and its breakdown from one)."""
    cfg = metrics.settings(con)
    p = periods.parse(period_label, int(cfg["fy_start"]))
    ctx = context or step_context(con, period_label, filt, view, campaign)
    if (ctx.period_label, ctx.view, ctx.filt, ctx.campaign) != (period_label, view, filt, campaign or ""):
        raise ValueError("the step context belongs to another period, view, filters or campaign")
    params = dict(view=view, by=by or "", period_start=p.start, period_end=p.end, campaign=campaign or "",
                  **filt.params())
    steps = sql.df(con, _by_campaign("funnel/step_conversion", campaign, by), **params)
    exits, avg_deal, as_of = ctx.exits, ctx.avg_deal, ctx.data_as_of
    # no record anywhere was won: what a conversion is worth downstream is unknown, not 0
    has_outcome = bool(con.execute("select coalesce(bool_or(has_data and stage_index = (select max(stage_index) "
                                   "from funnel_stages)), false) from funnel_stages").fetchall()[0][0])
    out = []
    for seg, g in steps.groupby("segment", sort=False):
        g = g.sort_values("step_index")
        bench = [None if pd.isna(b) else float(b) for b in g.benchmark]
        down = (downstream_rates(g.converted_and_won.tolist(), g.converted.tolist(), bench) if has_outcome
                else [None] * len(g))
        for (_, r), d, b in zip(g.iterrows(), down, bench, strict=True):
            rate = r.converted / r.entered if r.entered else None
            p80_reach = ctx.p80_reach.get(int(r.step_index))
            p80_stage = None if pd.isna(r.p80_days) else float(r.p80_days)
            mature = _maturity(view, p, as_of, p80_reach, p80_stage)
            out.append({
                "segment": seg, "step_index": int(r.step_index), "step": r.step,
                "from_stage": r.from_stage, "to_stage": r.to_stage, "entered": int(r.entered),
                "converted": int(r.converted), "rate": rate, "benchmark": b,
                "gap": None if rate is None or b is None else rate - b,
                "median_days": None if pd.isna(r.median_days) else float(r.median_days),
                "p80_days": p80_stage, "exits": int(r.exits), "recycled": int(r.recycled), "downstream_to_won": d,
                "won_deals_at_stake": won_deals_at_stake(b, rate, int(r.entered), d),
                "revenue_at_stake": revenue_at_stake(b, rate, int(r.entered), d, avg_deal),
                "mature": mature,
                # conversions with recorded dates at both ends: a step known only through inferred
                # dates is never the bottleneck (issue 13 rule 6)
                "measured": int(r.measured) > 0,
                "records_inferred": int(r.records_inferred),
                "skipped": list(r.skipped) if r.skipped is not None else [],
            })
    table = pd.DataFrame(out)
    skipped, notes = _skipped_and_notes(con, ctx)
    bottleneck, sentence = _bottleneck(table, p, cfg["currency"], view, avg_deal is not None)
    return Funnel(p, view, by, table, exits, avg_deal, as_of, bottleneck, sentence, skipped, notes)


def _skipped_and_notes(con: duckdb.DuckDBPyConnection, ctx: StepContext) -> tuple[list[str], list[str]]:
    rows = con.execute("select label, has_data, in_funnel from funnel_stages order by stage_index").fetchall()
    skipped = [label for label, _has, in_funnel in rows if not in_funnel]
    notes = []
    if skipped:
        notes.append(f"Skipped: {', '.join(skipped)}: no record has a date or a status for "
                     f"{'it' if len(skipped) == 1 else 'them'}, so the funnel goes past "
                     f"{'it' if len(skipped) == 1 else 'them'} (never a step, never the bottleneck).")
    if ctx.several_currencies:
        notes.append("Won deals are in several currencies with no exchange rates: revenue at stake is "
                     "unknown and steps are ranked by the won deals at stake.")
    return skipped, notes


def _bottleneck(table: pd.DataFrame, p: periods.Period, cur: str, view: str, has_money: bool = True):
    if table.empty or table.entered.sum() == 0:
        return None, "No records in this period: nothing to compare with the benchmarks."
    stake = "revenue_at_stake" if has_money else "won_deals_at_stake"
    judged = table[table.mature & table.measured]
    cand = judged[judged[stake].notna() & (judged[stake] > 0)]
    if cand.empty:
        immature = table[~table.mature]
        short = table[table[stake].notna() & (table[stake] > 0)]
        unmeasured = short[short.mature & ~short.measured]
        if len(immature):
            return None, ("No mature step falls short of its benchmark; "
                          f"{len(immature)} step(s) are too recent to judge (immature).")
        if len(unmeasured):
            return None, ("No measured step falls short of its benchmark; "
                          f"{len(unmeasured)} step(s) below it rest only on inferred stage dates (a status "
                          "without a date) and are not judged.")
        if table[stake].isna().all():
            return None, ("No step can be valued: there is no won deal to measure the conversion to "
                          "won against.")
        return None, "Every step meets or beats its benchmark in this period."
    b = cand.sort_values(stake, ascending=False).iloc[0]
    when = {"month": "this month", "quarter": "this quarter", "year": "this year", "all": "over all the data",
            "range": "in this window"}[p.grain]
    if getattr(p, "to_date", False):
        when = "so far " + when
    who = f" ({b.segment})" if b.segment not in ("All",) else ""
    cohort = " for leads created in the period" if view == "cohort" else ""
    at_stake = (f"about {_money(b.revenue_at_stake, cur)} of won revenue" if has_money
                else f"about {b.won_deals_at_stake:,.1f} won deals")
    sentence = (f"{b.step}{who} converts {b.rate * 100:.0f}% against a {b.benchmark * 100:.0f}% benchmark"
                f"{cohort}: {at_stake} at stake {when} ({p.describe()}).")
    return b.to_dict(), sentence


def step_rows(f: Funnel) -> list[dict[str, Any]]:
    """The CLI / JSON form of the step table (keys as issue 4 names them)."""
    keys = ["step", "from_stage", "to_stage", "entered", "converted", "rate", "benchmark", "median_days",
            "exits", "recycled", "revenue_at_stake"]
    rows = []
    for r in f.steps.to_dict("records"):
        row = {k: r[k] for k in keys}
        for k in ("rate", "benchmark", "median_days", "revenue_at_stake"):
            if row[k] is not None and isinstance(row[k], float) and math.isnan(row[k]):
                row[k] = None
        if f.by:
            row["segment"] = r["segment"]
        rows.append(row)
    return rows


def drill(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters, view: str, step_index: int,
          by: str | None = None, segment: str | None = None, campaign: str = "") -> pd.DataFrame:
    cfg = metrics.settings(con)
    p = periods.parse(period_label, int(cfg["fy_start"]))
    return sql.df(con, "funnel/step_records", view=view, by=by or "", segment=segment or "",
                  period_start=p.start, period_end=p.end, campaign=campaign or "", step_index=step_index,
                  **filt.params())


def drill_head(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters, view: str, step_index: int,
               by: str | None = None, segment: str | None = None, campaign: str = "",
               limit: int = 500) -> tuple[int, int, pd.DataFrame]:
    """What the drill-down shows at once: (records that entered the step, how many converted, the
    newest `limit` of them as drill() lists them). The counts come from the rollups; in the period
    view the list reads only the records of the newest days that hold `limit` entries (a cohort's
    or a campaign's drill-down reads all its records, as drill() does)."""
    if campaign or by == "campaign":
        rec = drill(con, period_label, filt, view, step_index, by, segment, campaign)
        return len(rec), int(rec.converted.sum()) if len(rec) else 0, rec.head(limit)
    cfg = metrics.settings(con)
    p = periods.parse(period_label, int(cfg["fy_start"]))
    days = sql.df(con, "funnel/step_entries_by_day", view=view, by=by or "", segment=segment or "",
                  period_start=p.start, period_end=p.end, step_index=step_index, **filt.params())
    entered, converted = int(days.entered.sum()), int(days.converted.sum())
    start = p.start
    if view != "cohort" and len(days):
        # the newest days that hold `limit` entries: the newest records all entered on them
        enough = days[days.entered.cumsum() >= limit]
        if len(enough):
            start = enough.day.iloc[0].date() if hasattr(enough.day.iloc[0], "date") else enough.day.iloc[0]
    rec = sql.df(con, "funnel/step_records", view=view, by=by or "", segment=segment or "",
                 period_start=start, period_end=p.end, campaign="", step_index=step_index, **filt.params())
    return entered, converted, rec.head(limit)


def campaigns(con: duckdb.DuckDBPyConnection) -> list[str]:
    # the records' campaigns, counted at load time (rollup_funnel_campaigns), not the records
    return [r[0] for r in con.execute("select campaign from rollup_funnel_campaigns order by 1").fetchall()]


def came_back(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters(), view: str = "period",
              campaign: str = "") -> pd.DataFrame:
    """Recycled leads (quiet: a state, not an exit) by the stage they went quiet at, and the leads
    that came back by the stage they re-entered at (queries/funnel/came_back.sql)."""
    cfg = metrics.settings(con)
    p = periods.parse(period_label, int(cfg["fy_start"]))
    return sql.df(con, "funnel/came_back", view=view, period_start=p.start, period_end=p.end,
                  campaign=campaign or "", **filt.params())


def handoff(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters(),
            campaign: str = "") -> dict[str, Any]:
    """The MQL -> SAL handoff: acceptance, rejection reasons, response times, leads left waiting
    longer than the SLA's decision window."""
    cfg = metrics.settings(con)
    p = periods.parse(period_label, int(cfg["fy_start"]))
    leads = sql.df(con, "funnel/handoff_leads", period_start=p.start, period_end=p.end,
                   campaign=campaign or "", **filt.params())
    n = len(leads)
    status = leads["status"].value_counts()
    reasons = (leads[leads.status == "rejected"].groupby("rejection_reason", dropna=False).size()
               .rename("leads").reset_index().sort_values("leads", ascending=False))
    limit_h = cfg["decision_days"] * 24
    waiting = leads[(leads.status == "waiting") & (leads.waiting_hours > limit_h)].copy()
    waiting["waiting_days"] = (waiting.waiting_hours / 24).round(1)
    return {
        "handed_off": n,
        "accepted": int(status.get("accepted", 0)),
        "rejected": int(status.get("rejected", 0)),
        "waiting": int(status.get("waiting", 0)),
        "acceptance_rate": (status.get("accepted", 0) / n) if n else None,
        "reasons": reasons,
        "response_hours": leads["response_hours"].dropna(),
        "sla_hours": cfg["sla_hours"],
        "decision_days": cfg["decision_days"],
        "waiting_too_long": waiting[["lead_id", "owner", "territory", "channel", "handed_off_at",
                                     "waiting_days", "touch_count"]],
    }

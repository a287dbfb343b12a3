"""Planning (domain.md "Planning"; seeds 002, 003, 004): from a revenue target back to the leads each
territory needs and when, beside what the pipeline, the run-rate and sales capacity can deliver.

The arithmetic is plain Python on a few numbers (pure functions, no Streamlit); the inputs come from
SQL in queries/planning/. A plan's inputs are a JSON-able dict per territory, so a scenario is
saved, reloaded and compared as exactly what was typed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from fractions import Fraction
from typing import Any

import duckdb
import pandas as pd

from revmachine import access, metrics, periods, sql, state
from revmachine.errors import UserError

MIN_SAMPLE = 30  # records entering a step: fewer, and the next rate source is used


# --- pure arithmetic ------------------------------------------------------------------------------

def needed_counts(target: float, deal_size: float, stages: list[str], rates: dict[str, float | None]) -> dict[str, int]:
    """Reverse waterfall: won deals = ceil(target / deal size); each earlier stage needs
    ceil(what the next stage needs, as rounded / its conversion rate to that stage).

    rates[stage] is the conversion from `stage` to the next one. Exact fractions, so 112 / 0.4 is
    280, not 281."""
    if not deal_size or deal_size <= 0:
        raise UserError("the average deal size must be above 0 to plan from a revenue target.")
    if target is None or target < 0:
        raise UserError("the revenue target must be 0 or more.")
    out: dict[str, int] = {}
    n = math.ceil(Fraction(str(target)) / Fraction(str(deal_size)))
    out[stages[-1]] = n
    for i in range(len(stages) - 2, -1, -1):
        rate = rates.get(stages[i])
        if rate is None or rate <= 0:
            raise UserError(f"the conversion rate from {stages[i]} to {stages[i + 1]} is "
                            f"{'missing' if rate is None else rate}: set a rate above 0 to plan back through it.")
        if rate > 1:
            raise UserError(f"the conversion rate from {stages[i]} to {stages[i + 1]} is {rate}: a rate is at most 1.")
        n = math.ceil(Fraction(n) / Fraction(str(rate)))
        out[stages[i]] = n
    return {s: out[s] for s in stages}


def enter_by(period_start: dt.date, stages: list[str],
             days: dict[str, float | None]) -> dict[str, dt.date | None]:
    """When each stage's volume must enter: the period start, shifted back by the measured median
    days each later step takes (days[stage] = days from stage to the next). A step whose days are
    unknown (no dates to measure them) leaves its stage and every earlier one unknown (None), never
    shifted by 0 days."""
    out: dict[str, dt.date | None] = {stages[-1]: period_start}
    back: float | None = 0.0
    for i in range(len(stages) - 2, -1, -1):
        d = days.get(stages[i])
        back = None if back is None or d is None else back + d
        out[stages[i]] = None if back is None else period_start - dt.timedelta(days=round(back))
    return {s: out[s] for s in stages}


def win_probability(stages: list[str], rates: dict[str, float | None]) -> dict[str, float | None]:
    """Conversion from each stage to won: the product of the rates from it onwards."""
    out: dict[str, float | None] = {stages[-1]: 1.0}
    p: float | None = 1.0
    for i in range(len(stages) - 2, -1, -1):
        r = rates.get(stages[i])
        p = None if p is None or r is None else p * r
        out[stages[i]] = p
    return out


def bottom_up(inp: dict[str, Any], stages: list[str], quarters: float) -> dict[str, Any]:
    """What the open pipeline, new leads at the trailing run-rate and sales capacity can deliver."""
    rates = {s: inp["rates"][s]["rate"] for s in stages[:-1]}
    pw = win_probability(stages, rates)
    deal = inp["deal_size"] or 0.0
    pipeline = sum((inp["open_pipeline"].get(s, 0) or 0) * (pw[s] or 0) * deal for s in stages[:-1])
    new_leads = inp["leads_per_quarter"] * quarters
    lead_revenue = new_leads * (pw[stages[0]] or 0) * deal
    demand = pipeline + lead_revenue
    capacity = inp["reps"] * inp["won_per_rep_per_quarter"] * quarters * deal
    deliverable = min(demand, capacity) if capacity > 0 else demand
    return {"pipeline_revenue": pipeline, "new_leads": new_leads, "new_lead_revenue": lead_revenue,
            "demand_revenue": demand, "capacity_revenue": capacity, "deliverable": deliverable,
            "capacity_bound": capacity > 0 and capacity < demand, "win_probability": pw}


def levers(inp: dict[str, Any], stages: list[str], quarters: float, target: float) -> dict[str, Any]:
    """The gap between target and bottom-up, and three ways to close it, each with its amount."""
    bu = bottom_up(inp, stages, quarters)
    gap = target - bu["deliverable"]
    deal = inp["deal_size"] or 0.0
    p_lead = bu["win_probability"][stages[0]] or 0.0
    out: dict[str, Any] = {"target": target, **{k: v for k, v in bu.items() if k != "win_probability"},
                           "gap_revenue": gap}
    per_rep = inp["won_per_rep_per_quarter"] * quarters * deal
    bound = bu["capacity_bound"]
    lead_value = p_lead * deal
    out["gap_leads"] = math.ceil(gap / lead_value) if gap > 0 and lead_value > 0 else 0
    # 1. more leads: helps only while demand, not capacity, is what falls short
    out["lever_more_leads"] = None if gap > 0 and bound else out["gap_leads"]
    # 2. lift the step furthest below its benchmark to the benchmark (more demand from the same leads)
    best = None
    for s in stages[:-1]:
        r = inp["rates"][s]
        if r["benchmark"] is not None and r["rate"] is not None and r["rate"] < r["benchmark"]:
            lifted = {**inp, "rates": {**inp["rates"], s: {**r, "rate": r["benchmark"]}}}
            gain = bottom_up(lifted, stages, quarters)["demand_revenue"] - bu["demand_revenue"]
            if best is None or gain > best[1]:
                best = (s, gain)
    out["lever_bottleneck_step"] = best[0] if best else None
    out["lever_bottleneck_revenue"] = (best[1] if best and not bound else None) if best else 0.0
    # 3. more capacity: the reps needed to close the target, given won deals per rep
    out["lever_more_reps"] = max(0, math.ceil(target / per_rep) - inp["reps"]) if per_rep > 0 else None
    return out


# --- inputs from the data -----------------------------------------------------------------------

def trailing_window(con: duckdb.DuckDBPyConnection) -> tuple[dt.date, dt.date]:
    """The last four complete quarters of the data: [start, end)."""
    label = metrics.default_period_label(con)
    fy = int(metrics.settings(con)["fy_start"])
    last = periods.parse(label, fy)
    return periods.add_months(last.end, -12), last.end


COMPANY = "Company"  # the one plan when the data names no territory


def stage_list(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, float | None]]:
    """The plan's stages in funnel order: (stage, label, benchmark conversion to the next one).

    The funnel's steps (funnel_step_list: between the stages the data has, a skipped stage's
    benchmark folded into its step's), preceded by the configured stages before the first stage
    the data has, planned at their benchmarks (a deals-only export still gets a lead plan)."""
    stages = con.execute("select stage, label, benchmark_rate, in_funnel from funnel_stages "
                         "order by stage_index").fetchall()
    steps = {r[0]: r[1] for r in con.execute("select from_stage, benchmark from funnel_step_list").fetchall()}
    first = next((i for i, r in enumerate(stages) if r[3]), 0)
    out = [(s, label, bench) for s, label, bench, _ in stages[:first]]
    ends = [r for r in stages[first:] if r[3]]
    out += [(s, label, steps.get(s)) for s, label, _b, _ in ends[:-1]]
    last = stages[-1]
    if ends and ends[-1][0] != last[0]:
        # the data has no won record: the plan still ends at the last stage (won), from the last
        # stage the data has at the benchmarks between them
        at = [r[0] for r in stages].index(ends[-1][0])
        span = [r[2] for r in stages[at:-1]]
        out.append((ends[-1][0], ends[-1][1], math.prod(span) if all(b is not None for b in span) else None))
        out.append((last[0], last[1], None))
    else:
        out += [(s, label, None) for s, label, _b, _ in ends[-1:]]
    return out


def default_inputs(con: duckdb.DuckDBPyConnection, period_label: str, target: float | None = None) -> dict[str, Any]:
    """Every territory's plan inputs as the data says, each with its source.

    Works on whatever loaded (issue 13 rule 10): no territory in the data gives one company-wide
    plan; no target leaves the target to be typed (or `target` split across the territories); a
    step with no records takes the company rate, else the benchmark, and says so."""
    fy = int(metrics.settings(con)["fy_start"])
    p = periods.parse(period_label, fy)
    if p.grain not in ("quarter", "year"):
        raise UserError("plan a quarter (2027-Q1) or a fiscal year (2027).")
    w0, w1 = trailing_window(con)
    rates = sql.df(con, "planning/trailing_rates", window_start=w0, window_end=w1)
    vols = sql.df(con, "planning/trailing_volumes", window_start=w0, window_end=w1).drop_duplicates(
        "territory").set_index("territory")
    pipe = sql.df(con, "planning/open_pipeline")
    tgt_all = sql.df(con, "planning/targets_in_period", period_start=p.start, period_end=p.end).set_index("territory")
    tgt = tgt_all[tgt_all.index != "*"]
    company_target = float(tgt_all.loc["*", "revenue_target"]) if "*" in tgt_all.index else None
    # targets set per territory (a rep's quota with no territory is not one): else the company's
    # target, split across the territories
    per_territory = bool(len(tgt[tgt.index != "Unassigned"]))
    seen = sorted(t for t in set(vols.index) | (set(tgt.index) if per_territory else set()) if t != "*")
    stages = stage_list(con)
    keys = [s[0] for s in stages]

    territorial = any(t != "Unassigned" for t in seen)
    territories = seen if territorial else [COMPANY]
    company = rates[rates.territory == "*"].drop_duplicates("from_stage").set_index("from_stage")
    vc = vols.loc["*"] if "*" in vols.index else None

    def won_revenue(t: str) -> float:
        if t not in vols.index or pd.isna(vols.loc[t, "won_revenue"]):
            return 0.0
        return float(vols.loc[t, "won_revenue"])

    def split(total: float, by_sheet: bool) -> tuple[dict[str, float], str]:
        """A company total split across the territories: by the targets sheet, else by won revenue,
        else evenly."""
        if len(territories) == 1:
            return {territories[0]: total}, ""
        if by_sheet and per_territory and float(tgt.revenue_target.sum()) > 0:
            w, how = {t: float(tgt.revenue_target.get(t, 0) or 0) for t in territories}, "the targets sheet"
        else:
            w, how = {t: won_revenue(t) for t in territories}, "won revenue"
        if sum(w.values()) <= 0:
            w, how = dict.fromkeys(territories, 1.0), "evenly (no won revenue to split by)"
        tot = sum(w.values())
        return {t: total * w[t] / tot for t in territories}, f", split by {how}"

    if target is not None:
        typed, how = split(target, True)
    elif company_target is not None and (not per_territory or not territorial):
        sheet, how = split(company_target, False)
    out: dict[str, Any] = {"period": p.label, "fy_start": fy, "window": [w0.isoformat(), w1.isoformat()],
                           "stages": keys, "labels": {s[0]: s[1] for s in stages}, "territories": {}}
    for t in territories:
        is_company = t == COMPANY
        own = company if is_company else rates[rates.territory == t].drop_duplicates("from_stage").set_index("from_stage")
        r_in: dict[str, Any] = {}
        for key, _label, bench in stages[:-1]:
            r_in[key] = _pick_rate(own, company, key, bench, is_company)
        v = vc if is_company else (vols.loc[t] if t in vols.index else None)
        deal, deal_src = _pick_deal(None if is_company else v, vc)
        if target is not None:
            t_val, t_src = typed[t], "typed total" + how
        elif company_target is not None and (not per_territory or not territorial):
            t_val, t_src = sheet[t], "targets sheet (company target)" + how
        elif t in tgt.index:
            t_val, t_src = float(tgt.loc[t, "revenue_target"]), "targets sheet"
        else:
            t_val, t_src = None, "none: type a target"
        reps = int(v["reps"]) if v is not None else 0
        won = int(v["won_deals"]) if v is not None else 0
        leads = int(v["leads"]) if v is not None else 0
        mkt = int(v["marketing_leads"]) if v is not None else 0
        mine = pipe if is_company else pipe[pipe.territory == t]
        out["territories"][t] = {
            "target": t_val, "target_source": t_src,
            "deal_size": deal, "deal_source": deal_src,
            "rates": r_in,
            "marketing_share": (mkt / leads) if leads else 0.5,
            "leads_per_quarter": leads / 4.0,
            "reps": reps,
            "won_per_rep_per_quarter": (won / reps / 4.0) if reps else 0.0,
            "open_pipeline": {str(s): int(n) for s, n in mine.groupby("stage")["records"].sum().items()},
        }
    return out


def _pick_rate(own: pd.DataFrame, company: pd.DataFrame, key: str, bench: float | None,
               is_company: bool = False) -> dict[str, Any]:
    """The territory's trailing rate with enough records, else the company's, else the benchmark;
    `why` says why a fallback was taken."""
    frames = ((company, "company"),) if is_company else ((own, "territory"), (company, "company"))
    for frame, who in frames:
        if key in frame.index and int(frame.loc[key, "entered"]) >= MIN_SAMPLE:
            row = frame.loc[key]
            return {"rate": float(row.converted / row.entered), "source": f"{who} actuals",
                    "sample": int(row.entered), "benchmark": bench,
                    "days": None if pd.isna(row.median_days) else float(row.median_days)}
    days = None
    n = int(company.loc[key, "entered"]) if key in company.index else 0
    if key in company.index and not pd.isna(company.loc[key, "median_days"]):
        days = float(company.loc[key, "median_days"])
    why = ("no records for this step in the trailing window" if n == 0
           else f"only {n} record{'s' if n != 1 else ''} company-wide, fewer than {MIN_SAMPLE}")
    return {"rate": bench, "source": "benchmark" if bench is not None else "missing", "sample": 0,
            "benchmark": bench, "days": days, "why": why}


def _pick_deal(v, vc) -> tuple[float | None, str]:
    for row, who, least in ((v, "territory", 5), (vc, "company", 1)):
        if row is None:
            continue
        if int(row["deal_currencies"]) > 1:
            return None, "none: won deals are in several currencies (set exchange rates, or type a deal size)"
        if int(row["deals_with_amount"]) >= least and not pd.isna(row["avg_deal"]):
            n, m = int(row["deals_with_amount"]), int(row["won_deals"])
            cover = f"n={n}" if n == m else f"n={n} of {m} won deals with an amount"
            return float(row["avg_deal"]), f"{who} actuals ({cover})"
    return None, "none: type a deal size"


def apply_overrides(inputs: dict[str, Any], overrides: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """overrides[territory] = {'target': .., 'deal_size': .., 'marketing_share': .., 'reps': ..,
    'won_per_rep_per_quarter': .., 'leads_per_quarter': .., 'rate:<stage>': .., 'cycle_factor': ..}"""
    out = json.loads(json.dumps(inputs))
    for t, ov in overrides.items():
        if t not in out["territories"]:
            continue
        ti = out["territories"][t]
        for k, v in ov.items():
            if v is None:
                continue
            if k.startswith("rate:"):
                stage = k[5:]
                ti["rates"][stage] = {**ti["rates"][stage], "rate": float(v), "source": "override", "sample": 0}
            elif k == "cycle_factor":
                for r in ti["rates"].values():
                    r["days"] = None if r["days"] is None else r["days"] * float(v)
                ti["cycle_factor"] = float(v)
            elif k == "target":
                ti["target"], ti["target_source"] = float(v), "typed"
            elif k == "deal_size":
                ti["deal_size"], ti["deal_source"] = float(v), "typed"
            else:
                ti[k] = float(v) if k != "reps" else int(v)
    return out


# --- the plan -------------------------------------------------------------------------------------

def compute(inputs: dict[str, Any]) -> dict[str, Any]:
    """Waterfall, timing, bottom-up, gap and levers for every territory, and the totals."""
    p = periods.parse(inputs["period"], inputs.get("fy_start", 1))
    stages = inputs["stages"]
    quarters = {"quarter": 1, "year": 4}.get(p.grain, 1)
    rows, summary = [], []
    for t, ti in inputs["territories"].items():
        rates = {s: ti["rates"][s]["rate"] for s in stages[:-1]}
        err = None
        needed: dict[str, int | None] = dict.fromkeys(stages)
        if ti["target"] is None:
            err = "no revenue target: type one or load a targets sheet"
        elif ti["deal_size"] is None:
            err = "no average deal size: type one"
        else:
            try:
                needed = needed_counts(ti["target"], ti["deal_size"], stages, rates)
            except UserError as exc:
                err = exc.message
        when = enter_by(p.start, stages, {s: ti["rates"][s]["days"] for s in stages[:-1]})
        for s in stages:
            r = ti["rates"].get(s)
            rows.append({"territory": t, "stage": s, "needed": needed[s], "enter_by": when[s].isoformat() if when[s] else None,
                         "rate": r["rate"] if r else None, "rate_source": _rate_source(r),
                         "marketing_sourced": (math.ceil(needed[s] * ti["marketing_share"]) if needed[s] is not None
                                               and s == stages[0] else None)})
        lv = None
        if ti["deal_size"] and ti["target"] is not None:
            lv = levers(ti, stages, quarters, ti["target"])
        elif ti["deal_size"]:  # what the data can deliver, with no target to compare it with
            bu = bottom_up(ti, stages, quarters)
            lv = {k: v for k, v in bu.items() if k != "win_probability"}
        summary.append({"territory": t, "target": ti["target"], "target_source": ti["target_source"],
                        "deal_size": ti["deal_size"], "deal_source": ti["deal_source"], "error": err,
                        **({k: v for k, v in lv.items() if k != "target"} if lv else {})})
    total = {s: sum(r["needed"] for r in rows if r["stage"] == s and r["needed"] is not None) for s in stages}
    return {"period": p.label, "period_start": p.start, "stages": stages, "rows": rows,
            "summary": summary, "total_needed": total}


def _rate_source(r: dict[str, Any] | None) -> str | None:
    if not r:
        return None
    if r["sample"]:
        return f"{r['source']} (n={r['sample']})"
    return f"{r['source']} ({r['why']})" if r.get("why") else r["source"]


def gap_sentence(r: dict[str, Any], labels: dict[str, str], stages: list[str], money) -> str | None:
    """One territory's top-down vs bottom-up in a sentence, with the levers that close the gap."""
    if r.get("gap_revenue") is None:
        return None
    t = r["territory"]
    if r["gap_revenue"] <= 0:
        return (f"**{t}**: bottom-up ({money(r['deliverable'], 'money')}) covers the target "
                f"({money(r['target'], 'money')}).")
    parts = []
    if r.get("lever_more_leads"):
        parts.append(f"{int(r['lever_more_leads']):,} more leads")
    step = r.get("lever_bottleneck_step")
    if step and r.get("lever_bottleneck_revenue"):
        nxt = stages[stages.index(step) + 1]
        parts.append(f"lift {labels[step]} → {labels[nxt]} to its benchmark "
                     f"(+{money(r['lever_bottleneck_revenue'], 'money')})")
    if r.get("lever_more_reps"):
        n = int(r["lever_more_reps"])
        parts.append(f"{n} more rep{'s' if n > 1 else ''}")
    why = "sales capacity" if r.get("capacity_bound") else "pipeline and leads"
    return (f"**{t}**: short by {money(r['gap_revenue'], 'money')} ({int(r['gap_leads']):,} leads); "
            f"{why} is what limits it. Levers: {'; '.join(parts) or '—'}.")


# --- versions -------------------------------------------------------------------------------------

# kept in the app-state file (state.py): saving one never writes the data file; analysts and admins
# save them, and each names who saved it

def save_version(name: str, inputs: dict[str, Any], path=None, *, actor: access.Actor | None = None) -> None:
    name = name.strip()
    if not name:
        raise UserError("give the plan version a name.")
    with state.write(path, actor, "plan", "plan.save", f"plan version '{name}'", f"period {inputs['period']}") as w:
        w.con.execute("insert or replace into plan_versions values (?, ?, ?, ?, ?)",
                      [name, dt.datetime.now().replace(microsecond=0), inputs["period"], json.dumps(inputs),
                       w.actor.id])


def versions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The saved plan versions (a connection of the app-state file: state.read, cache.state_call)."""
    return con.execute("select plan_name, saved_at, period, saved_by from plan_versions order by saved_at desc").df()


def load_version(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, Any]:
    r = con.execute("select inputs from plan_versions where plan_name = ?", [name]).fetchall()
    if not r:
        raise UserError(f"no plan version named '{name}'.")
    return json.loads(r[0][0])


def compare(a: dict[str, Any], b: dict[str, Any]) -> pd.DataFrame:
    """Two computed plans side by side: needed per territory and stage, and the gaps."""
    da = pd.DataFrame(a["rows"])[["territory", "stage", "needed", "rate"]]
    dbb = pd.DataFrame(b["rows"])[["territory", "stage", "needed", "rate"]]
    m = da.merge(dbb, on=["territory", "stage"], how="outer", suffixes=("_a", "_b"))
    m["needed_change"] = m.needed_b - m.needed_a
    return m


# --- the meeting's defaults -----------------------------------------------------------------------

def plan_periods(con: duckdb.DuckDBPyConnection, today: dt.date | None = None) -> list[str]:
    """The periods one can plan, the next quarter that has not started first (the default), then
    the three after it, the next fiscal year, and the quarter under way (already started) last."""
    fy = int(metrics.settings(con)["fy_start"])
    last = con.execute("select max(cast(data_as_of as date)) from funnel_records").fetchall()[0][0]
    day = max(d for d in (last, today or dt.date.today()) if d is not None)
    running = periods.containing("quarter", day, fy)
    upcoming = [running.shift(i, fy).label for i in range(1, 5)]
    year = periods.containing("year", day, fy)
    next_year = year.shift(1, fy) if year.start <= day else year
    return [*upcoming, next_year.label, running.label]


def past_enter_by(plan: dict[str, Any], today: dt.date | None = None) -> list[dict[str, Any]]:
    """The waterfall's rows whose enter-by date is already past (the volume cannot enter in time)."""
    day = (today or dt.date.today()).isoformat()
    return [r for r in plan["rows"] if r["needed"] and r["enter_by"] and r["enter_by"] < day]

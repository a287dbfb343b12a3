"""The marketer matrix (domain.md "The marketer matrix", seed 001): delivers value (x) against
demonstrates value (y), one point per campaign, channel or marketer.

SQL (queries/matrix/) returns the raw components; this module turns them into scores with small
pure functions (no Streamlit import):

* delivers = the lift: won revenue per lead from the point ÷ won revenue per lead from the
  **alternate demand-generation channel** the team names in the settings (a purchased list, a data
  provider, sales-sourced leads: seed 001, a lead "equal to or more worthy than a lead that a
  salesperson can get out of [...] Jigsaw"), for leads created in the same window and followed to
  today (both equally mature). Each lift has a 95% interval from its sample (`lift_interval`): the
  leads that brought won revenue out of the leads (Wilson intervals, combined into an interval on
  their ratio by the MOVER method on the log scale, Zou and Donner; it holds when a point has none)
  and the spread of what a won lead brought (delta method on the log of the ratio of the means). A point delivers when
  its interval lies above the threshold (1 = the baseline), does not when it lies below (only then
  can it be a spin doctor or a mis-aligned marketer), and is "too few leads to judge" when it
  straddles it. Without revenue traced to leads, or when the baseline has none in the window, the
  lift is on the leads sales accepted per lead instead (a lead sales rejects delivered nothing).
  With no baseline named, the lift is over the median point and the axis is split there (no
  interval: about half the points are below by construction, and the page says so).
* demonstrates = the mean of the available closed-loop evidence shares (0..1): leads naming a
  campaign, won revenue whose deal names a campaign, and the completeness of the campaign record.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from revmachine import metrics, periods, sql
from revmachine.filters import Filters

ENTITIES = ("campaign", "channel", "marketer")
QUADRANTS = {
    (True, True): "aligned marketer",
    (False, True): "spin doctor",
    (True, False): "silent operative",
    (False, False): "mis-aligned marketer",
}
TOO_LITTLE = "too few leads to judge"
Z95 = 1.959963984540054  # the 97.5th percentile of the normal: a two-sided 95% interval
PRESCRIPTIONS = {
    "aligned marketer": "Delivers and can show it: keep the closed loop, share what works, and use it as "
                        "the yardstick for the others.",
    "spin doctor": "Good at showing value, but its leads are reliably worth less than the alternative. Get "
                   "campaign-level insight into what works and lift ROI: cut or fix the campaigns below "
                   "the baseline.",
    "silent operative": "Gets it right but cannot show the causal link. Close the loop: attribute every "
                        "lead and deal to the campaign and complete the campaign records.",
    "mis-aligned marketer": "Neither delivers nor demonstrates: rethink the targeting and the offer with "
                            "sales, and attribute leads so the next review can tell.",
}


def known(x: Any) -> bool:
    """Not None and not NaN (pandas turns None into NaN in float columns)."""
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def lift(value: float | None, base: float | None) -> float | None:
    if not known(value) or not known(base) or base <= 0:
        return None
    return value / base


def geometric_mean(xs: list[float | None]) -> float | None:
    vals = [x for x in xs if known(x)]
    if not vals:
        return None
    if any(v <= 0 for v in vals):
        return 0.0
    return math.exp(sum(math.log(v) for v in vals) / len(vals))


def mean(xs: list[float | None]) -> float | None:
    vals = [x for x in xs if known(x)]
    return sum(vals) / len(vals) if vals else None


# --- the lift and its interval ----------------------------------------------------------------


def wilson(k: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion k/n (n > 0): it stays inside 0..1 and is never empty,
    also for k = 0 or k = n."""
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def ratio_interval(k1: float, n1: float, k2: float, n2: float, z: float = Z95) -> tuple[float, float, float]:
    """(r1/r2, low, high) for two proportions r1 = k1/n1 and r2 = k2/n2 (k2 > 0): Newcombe's MOVER
    on the log scale, from the Wilson intervals of each (Zou and Donner, 2008, Stat Med 27(10)).
    With k1 = 0 the ratio is 0, its lower limit 0 and its upper limit u1 / l2 (the largest rate the
    point's sample allows over the smallest the baseline's allows)."""
    r1, r2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1, z)
    l2, u2 = wilson(k2, n2, z)
    if k1 == 0:
        return 0.0, 0.0, u1 / l2
    log_r = math.log(r1) - math.log(r2)
    down = math.sqrt((math.log(r1) - math.log(l1)) ** 2 + (math.log(u2) - math.log(r2)) ** 2)
    up = math.sqrt((math.log(u1) - math.log(r1)) ** 2 + (math.log(r2) - math.log(l2)) ** 2)
    return r1 / r2, math.exp(log_r - down), math.exp(log_r + up)


def _cv(k: float, total: float | None, total_sq: float | None) -> float | None:
    """Coefficient of variation of what a won lead brought (k of them, sum and sum of squares)."""
    if k < 2 or not known(total) or not known(total_sq) or not total:
        return None
    m = total / k
    var = max(0.0, (total_sq - k * m * m) / (k - 1))
    return math.sqrt(var) / m


def lift_interval(k1: float, n1: float, k2: float, n2: float, rev1: float | None = None,
                  rev2: float | None = None, sq1: float | None = None, sq2: float | None = None,
                  z: float = Z95) -> tuple[float | None, float | None, float | None]:
    """(lift, low, high): the point's value per lead over the baseline's, with a 95% interval.

    k of n leads brought a value (won revenue, or were accepted by sales); rev and sq, when given,
    are the sum and the sum of squares of the revenue those k leads brought (value per lead = k/n x
    rev/k). The rate ratio's interval is `ratio_interval` (MOVER on Wilson intervals); the
    deal-size ratio adds the delta method's log-scale variance cv1^2/k1 + cv2^2/k2 (a point with one
    won lead borrows the baseline's spread; with none, there is no size to compare and its value
    per lead is 0).
    None when the baseline has no lead or none with a value (nothing to compare with)."""
    if not n1 or not n2 or not k2:
        return None, None, None
    rr, rr_lo, rr_hi = ratio_interval(k1, n1, k2, n2, z)
    if rev1 is None or rev2 is None:
        return rr, rr_lo, rr_hi
    if k1 == 0 or not rev1:
        # no won lead: its value per lead is 0; the upper limit is the rate's, at the baseline's size
        return 0.0, 0.0, rr_hi
    size = (rev1 / k1) / (rev2 / k2)
    cv2 = _cv(k2, rev2, sq2)
    cv1 = _cv(k1, rev1, sq1)
    cv1 = cv1 if cv1 is not None else cv2
    se_size = math.sqrt((cv1 or 0.0) ** 2 / k1 + (cv2 or 0.0) ** 2 / k2)
    # on the log scale the rate ratio's margins and the size's (symmetric) margin add in quadrature
    down = math.sqrt(math.log(rr / rr_lo) ** 2 + (z * se_size) ** 2)
    up = math.sqrt(math.log(rr_hi / rr) ** 2 + (z * se_size) ** 2)
    point = rr * size
    return point, point * math.exp(-down), point * math.exp(up)


def delivery(lift_value: float | None, low: float | None, high: float | None, threshold: float,
             with_interval: bool = True) -> str | None:
    """'above' (its interval lies at or above the threshold), 'below' (entirely below), 'unclear'
    (it straddles: too few leads to judge); without an interval (the median split), by the point.
    None when there is no lift."""
    if not known(lift_value):
        return None
    if not with_interval:
        return "above" if lift_value >= threshold else "below"
    if known(high) and high < threshold:
        return "below"
    if known(low) and low >= threshold:
        return "above"
    return "unclear"


def classify(delivers: float | str | None, demonstrates: float | None, x_thr: float, y_thr: float) -> str:
    """Quadrant; a point exactly on a threshold counts as meeting it. `delivers` is the lift (the
    median split) or a delivery verdict ('above', 'below', 'unclear': too few leads to judge)."""
    if isinstance(delivers, str):
        if delivers not in ("above", "below") or not known(demonstrates):
            return TOO_LITTLE
        return QUADRANTS[(delivers == "above", demonstrates >= y_thr)]
    if not known(delivers) or not known(demonstrates):
        return TOO_LITTLE
    return QUADRANTS[(delivers >= x_thr, demonstrates >= y_thr)]


def _ratio(n, d):
    return metrics.ratio(n, d)


@dataclass
class Baseline:
    name: str
    revenue_per_lead: float | None
    acceptance: float | None
    revenue_per_spend: float | None
    # the sample behind it (None: the median point, which has no sample of its own)
    leads: int | None = None
    won_leads: int | None = None
    won_revenue: float | None = None
    won_revenue_sq: float | None = None
    accepted: int | None = None


def baselines(sources: pd.DataFrame, rows: pd.DataFrame, min_leads: int) -> dict[str, Baseline]:
    """Every baseline the user can pick: 'median', 'sales' and 'channel:<name>'."""
    out: dict[str, Baseline] = {}
    judged = rows[rows.leads >= min_leads]
    out["median"] = Baseline(
        "the median point",
        _median(judged.revenue_per_lead), _median(judged.acceptance), _median(judged.revenue_per_spend))
    for r in sources.itertuples():
        rev = None if pd.isna(r.won_revenue) else float(r.won_revenue)
        sample = dict(leads=int(r.leads), won_leads=int(r.won_leads), won_revenue=rev,
                      won_revenue_sq=None if pd.isna(r.won_revenue_sq) else float(r.won_revenue_sq),
                      accepted=int(r.accepted))
        b = Baseline(r.source, _ratio(rev, r.leads), _ratio(r.accepted, r.handed_off),
                     _ratio(rev, r.spend) if r.spend and not pd.isna(r.spend) else None, **sample)
        if r.source == "sourced:sales":
            out["sales"] = Baseline("sales-sourced leads", b.revenue_per_lead, b.acceptance, None, **sample)
        elif not str(r.source).startswith("sourced:"):
            out[f"channel:{r.source}"] = b
    return out


def split_threshold(values) -> float | None:
    """A threshold that splits the points: the median, unless points sit on it; then the midpoint
    of the gap between two neighbouring values that splits them most evenly (so no point sits on
    the line, and half the points are not 'at 100%' by a tie)."""
    vals = sorted(float(v) for v in pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce").dropna())
    if not vals:
        return None
    distinct = sorted(set(vals))
    if len(distinct) == 1:
        return distinct[0]
    med = float(pd.Series(vals).median())
    if med not in distinct:
        return med
    best = None
    for lo, hi in itertools.pairwise(distinct):
        below = sum(v <= lo for v in vals)
        score = (abs(below - (len(vals) - below)), abs((lo + hi) / 2 - med))
        if best is None or score < best[0]:
            best = (score, (lo + hi) / 2)
    return best[1]


def _median(s: pd.Series) -> float | None:
    s = pd.to_numeric(s, errors="coerce").dropna()
    return float(s.median()) if len(s) else None


@dataclass
class Matrix:
    period: periods.Period
    entity: str
    baseline: Baseline
    baseline_key: str
    x_threshold: float
    y_threshold: float
    min_leads: int
    points: pd.DataFrame
    baseline_options: list[str]
    # what the lift measures: 'revenue per lead' | 'accepted leads per lead'; with_interval: False
    # for the median split (no baseline named, or the named one has no leads in the window)
    measure: str = "revenue per lead"
    with_interval: bool = True
    team_baseline: str = ""  # the alternate channel named in the settings ('' = none)
    why_median: str | None = None  # why the median split is used, in words (None: a baseline is used)


def default_window(con: duckdb.DuckDBPyConnection) -> periods.Period:
    """The matrix's default window, on the page, the home and the CLI alike: the last four complete
    quarters of the data (a quarter's campaigns rarely have the leads to judge)."""
    fy = int(metrics.settings(con)["fy_start"])
    last = con.execute("select max(cast(data_as_of as date)) from funnel_records").fetchall()[0][0]
    as_of = min(last, dt.date.today()) if last else dt.date.today()
    return periods.last_complete_quarters(as_of, 4, fy)


def _lift_columns(rows: pd.DataFrame, base: Baseline, use_revenue: bool) -> pd.DataFrame:
    """lift, lift_low, lift_high per point against a baseline with a sample."""
    out = []
    for r in rows.itertuples():
        if use_revenue:
            out.append(lift_interval(r.won_leads, r.leads, base.won_leads or 0, base.leads or 0,
                                     r.won_revenue, base.won_revenue, r.won_revenue_sq, base.won_revenue_sq))
        else:
            out.append(lift_interval(r.accepted, r.leads, base.accepted or 0, base.leads or 0))
    return pd.DataFrame(out, columns=["lift", "lift_low", "lift_high"], index=rows.index)


def build(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters(), entity: str = "campaign",
          baseline: str | None = None, min_leads: int = 30, x_threshold: float | None = None,
          y_threshold: float | None = None) -> Matrix:
    """The matrix for a window. baseline: 'median', 'sales', 'channel:<name>', or None for the one
    the team named in the settings (the median split when it names none)."""
    cfg = metrics.settings(con)
    p = periods.parse(period_label, int(cfg["fy_start"]))
    team = cfg.get("matrix_baseline") or ""
    asked = baseline if baseline is not None else (team or "median")
    params = dict(entity=entity, period_start=p.start, period_end=p.end, **filt.params())
    rows = sql.df(con, "matrix/entity_components", **params)
    sources = sql.df(con, "matrix/baseline_sources", **params)
    rows["revenue_per_lead"] = [_ratio(r, n) for r, n in zip(rows.won_revenue, rows.leads, strict=True)]
    rows["acceptance"] = [_ratio(a, h) for a, h in zip(rows.accepted, rows.handed_off, strict=True)]
    rows["revenue_per_spend"] = [_ratio(r, s) if s and not pd.isna(s) else None
                                 for r, s in zip(rows.won_revenue, rows.spend, strict=True)]
    opts = baselines(sources, rows, min_leads)
    key = asked if asked in opts else "median"
    why = None
    if key == "median":
        why = ("No alternate channel is named in the settings (Data page): delivers is split at the median point, "
               "so about half the points fall below it by construction." if asked == "median" and not team
               else f"The baseline '{asked.replace('channel:', '')}' has no leads in this window: delivers is split at "
                    "the median point instead, so about half the points fall below it by construction.")
    base = opts[key]
    rows["lift_revenue_per_lead"] = [lift(v, base.revenue_per_lead) for v in rows.revenue_per_lead]
    rows["lift_acceptance"] = [lift(v, base.acceptance) for v in rows.acceptance]
    rows["lift_revenue_per_spend"] = [lift(v, base.revenue_per_spend) for v in rows.revenue_per_spend]
    has_revenue = rows.won_revenue.notna().any() if len(rows) else False
    with_interval = key != "median"
    if with_interval:
        use_revenue = bool(has_revenue) and bool(base.won_leads) and base.won_revenue is not None
        if not use_revenue and not base.accepted:
            why = (f"{base.name} has neither won revenue nor accepted leads in this window: nothing to "
                   "compare with, so delivers is split at the median point instead.")
            with_interval, key, base = False, "median", opts["median"]
    if with_interval:
        measure = "revenue per lead" if use_revenue else "accepted leads per lead"
        rows = rows.join(_lift_columns(rows, base, use_revenue))
    else:
        measure = "revenue per lead" if has_revenue else "accepted leads per lead"
        by = rows.revenue_per_lead if has_revenue else rows.accepted / rows.leads.where(rows.leads > 0)
        med = _median(by[rows.leads >= min_leads])
        rows["lift"] = [lift(v, med) for v in by]
        rows["lift_low"] = None
        rows["lift_high"] = None
    rows["delivers"] = rows["lift"]
    rows["leads_traceable"] = [_ratio(w, n) for w, n in zip(rows.leads_with_campaign, rows.leads, strict=True)]
    rows["revenue_traceable"] = [_ratio(t, r) for t, r in zip(rows.traceable_revenue, rows.won_revenue, strict=True)]
    rows["record_completeness"] = [None if pd.isna(c) else float(c) for c in rows.completeness]
    rows["demonstrates"] = [mean([a, b, c]) for a, b, c in zip(
        rows.leads_traceable, rows.revenue_traceable, rows.record_completeness, strict=True)]
    rows["judged"] = rows.leads >= min_leads
    judged = rows[rows.judged]
    y_split = split_threshold(judged.demonstrates)
    x_thr = x_threshold if x_threshold is not None else 1.0
    y_thr = y_threshold if y_threshold is not None else (0.5 if y_split is None else y_split)
    rows["delivery"] = [delivery(v, lo, hi, x_thr, with_interval) if j else None
                        for v, lo, hi, j in zip(rows.lift, rows.lift_low, rows.lift_high, rows.judged, strict=True)]
    rows["quadrant"] = [classify(d, m, x_thr, y_thr) if j and d is not None else TOO_LITTLE
                        for d, m, j in zip(rows.delivery, rows.demonstrates, rows.judged, strict=True)]
    rows["baseline"] = base.name
    return Matrix(p, entity, base, key, x_thr, y_thr, min_leads, rows, sorted(opts), measure, with_interval,
                  team, why)


TABLE_COLUMNS = ["entity", "quadrant", "lift", "lift_low", "lift_high", "baseline", "delivery", "delivers",
                 "demonstrates", "spend", "leads", "won_leads", "revenue_per_lead",
                 "acceptance", "revenue_per_spend", "lift_revenue_per_lead", "lift_acceptance",
                 "lift_revenue_per_spend", "leads_traceable", "revenue_traceable", "record_completeness",
                 "won_revenue", "won_deals", "campaigns"]


def lift_text(v: Any, lo: Any, hi: Any) -> str:
    """'0.35× (0.12–0.80×)': the lift and its 95% interval (no interval: the lift alone; '—' unknown)."""
    from revmachine import format as fmt  # the one formatter

    if not known(v):
        return fmt.DASH
    if not known(lo) or not known(hi):
        return fmt.lift(v)
    top = fmt.lift(hi) if math.isfinite(float(hi)) else "no upper limit"
    return f"{fmt.lift(v)} ({fmt.lift(lo).removesuffix('×')}–{top})"


def lift_texts(points: pd.DataFrame) -> list[str]:
    return [lift_text(v, lo, hi) for v, lo, hi in zip(points.lift, points.lift_low, points.lift_high, strict=True)]


def table(m: Matrix) -> pd.DataFrame:
    return m.points[TABLE_COLUMNS].sort_values(["quadrant", "delivers"], ascending=[True, False])


def rows_for_cli(m: Matrix) -> list[dict[str, Any]]:
    """One row per point: its lift over the baseline with the interval (lift_low, lift_high; null for
    the median split), the baseline's name, the delivery verdict and the quadrant, and every
    component of both scores. Unknown (or unbounded) figures are null."""
    out = []
    for r in table(m).to_dict("records"):
        out.append({k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()})
    return out


def movement(con, period_a: str, period_b: str, **kw) -> pd.DataFrame:
    """Each entity's position in two periods (for arrows: from A to B)."""
    a = build(con, period_a, **kw).points[["entity", "delivers", "demonstrates", "quadrant"]]
    b = build(con, period_b, **kw).points[["entity", "delivers", "demonstrates", "quadrant", "spend"]]
    return a.merge(b, on="entity", suffixes=("_from", "_to"))


def prescription(m: Matrix, entity_name: str) -> dict[str, Any]:
    """The seed's advice for the point's quadrant, with the data behind it (only the figures the
    data holds: an unknown figure is left out, never shown as nan)."""
    from revmachine import format as fmt

    r = m.points.set_index("entity").loc[entity_name]
    q = r.quadrant
    facts: list[str] = []
    if q in ("spin doctor", "mis-aligned marketer") and m.with_interval:
        facts.append(f"Lift {lift_text(r.lift, r.lift_low, r.lift_high)} in {m.measure} over {m.baseline.name}: "
                     "reliably below it (95% interval).")
    if q in ("spin doctor", "mis-aligned marketer"):
        if known(r.revenue_per_lead) and m.baseline.revenue_per_lead:
            facts.append(f"Revenue per lead {fmt.money(r.revenue_per_lead)} vs {fmt.money(m.baseline.revenue_per_lead)} "
                         f"for {m.baseline.name} ({fmt.pct(r.lift_revenue_per_lead)}).")
        if known(r.acceptance) and m.baseline.acceptance:
            facts.append(f"Sales accepted {fmt.pct(r.acceptance)} of its handed-off leads vs "
                         f"{fmt.pct(m.baseline.acceptance)} for the baseline.")
        if known(r.revenue_per_spend) and known(r.spend) and r.spend:
            facts.append(f"Return: {fmt.money(r.revenue_per_spend * 1, exact=True)} of won revenue per $1 of spend "
                         f"({fmt.money(r.won_revenue)} won on {fmt.money(r.spend)} spent).")
    if q in ("silent operative", "mis-aligned marketer"):
        missing_leads = int(r.leads - r.leads_with_campaign) if known(r.leads_with_campaign) else 0
        if missing_leads:
            facts.append(f"{fmt.count(missing_leads)} of its {fmt.count(r.leads)} leads name no campaign.")
        if known(r.won_revenue) and r.won_revenue and known(r.revenue_traceable) and r.revenue_traceable < 1:
            facts.append(f"{fmt.pct(1 - r.revenue_traceable)} of its won revenue "
                         f"({fmt.money(r.won_revenue - r.traceable_revenue)}) comes from deals that name no campaign.")
        if known(r.record_completeness) and r.record_completeness < 1:
            facts.append(f"Its campaign record is {fmt.pct(r.record_completeness)} complete "
                         "(content, targeting, start/end dates, channel).")
    return {"quadrant": q, "advice": PRESCRIPTIONS.get(q, "Not enough leads to judge yet."), "facts": facts}


ACTIONS = {
    "spin doctor": "Find what works per campaign; cut or fix the ones below the baseline.",
    "silent operative": "Close the loop: attribute every lead and deal, complete the record.",
    "mis-aligned marketer": "Rethink targeting and offer with sales; attribute the leads.",
    "aligned marketer": "Keep the closed loop; use it as the yardstick.",
}


def prescriptions(m: Matrix, per_quadrant: int = 5) -> pd.DataFrame:
    """The short table of what to do: the points that need action (spin doctors, silent operatives,
    mis-aligned marketers; the largest spend first), with the numbers behind the advice."""
    rows = []
    for q in ("spin doctor", "silent operative", "mis-aligned marketer"):
        pts = m.points[m.points.quadrant == q].sort_values("spend", ascending=False, na_position="last")
        for r in pts.head(per_quadrant).itertuples():
            rows.append({"entity": r.entity, "quadrant": q, "do": ACTIONS[q], "leads": r.leads,
                         "spend": r.spend, "revenue_per_lead": r.revenue_per_lead,
                         "lift_revenue_per_lead": r.lift_revenue_per_lead,
                         "lift_text": lift_text(r.lift, r.lift_low, r.lift_high), "acceptance": r.acceptance,
                         "revenue_per_spend": r.revenue_per_spend, "leads_traceable": r.leads_traceable,
                         "record_completeness": r.record_completeness})
    cols = ["entity", "quadrant", "do", "leads", "spend", "revenue_per_lead", "lift_revenue_per_lead", "lift_text",
            "acceptance", "revenue_per_spend", "leads_traceable", "record_completeness"]
    return pd.DataFrame(rows, columns=cols)


def missing_fields(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per campaign, which record fields are empty (the silent operative's to-do list)."""
    return sql.df(con, "matrix/campaign_record_gaps")

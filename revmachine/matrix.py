"""The marketer matrix (domain.md "The marketer matrix", seed 001): delivers value (x) against
demonstrates value (y), one point per campaign, channel or marketer.

SQL (queries/matrix/) returns the raw components; this module turns them into scores with small
pure functions (no Streamlit import):

* delivers = the geometric mean of the available lifts over the baseline: revenue per lead,
  sales' acceptance rate of its leads (a lead sales rejects delivered nothing), and revenue per
  unit of spend where both sides have spend. 1.0 = as good as the baseline.
* demonstrates = the mean of the available closed-loop evidence shares (0..1): leads naming a
  campaign, won revenue whose deal names a campaign, and the completeness of the campaign record.
"""

from __future__ import annotations

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
TOO_LITTLE = "too little data"
PRESCRIPTIONS = {
    "aligned marketer": "Delivers and can show it: keep the closed loop, share what works, and use it as "
                        "the yardstick for the others.",
    "spin doctor": "Good at showing value, but its leads are not worth more than the alternative. Get "
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


def classify(delivers: float | None, demonstrates: float | None, x_thr: float, y_thr: float) -> str:
    """Quadrant; a point exactly on a threshold counts as meeting it."""
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


def baselines(sources: pd.DataFrame, rows: pd.DataFrame, min_leads: int) -> dict[str, Baseline]:
    """Every baseline the user can pick: 'median', 'sales' and 'channel:<name>'."""
    out: dict[str, Baseline] = {}
    judged = rows[rows.leads >= min_leads]
    out["median"] = Baseline(
        "the median point",
        _median(judged.revenue_per_lead), _median(judged.acceptance), _median(judged.revenue_per_spend))
    for r in sources.itertuples():
        b = Baseline(r.source, _ratio(r.won_revenue, r.leads), _ratio(r.accepted, r.handed_off),
                     _ratio(r.won_revenue, r.spend) if r.spend and not pd.isna(r.spend) else None)
        if r.source == "sourced:sales":
            out["sales"] = Baseline("sales-sourced leads", b.revenue_per_lead, b.acceptance, None)
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


def build(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters(), entity: str = "campaign",
          baseline: str = "median", min_leads: int = 30, x_threshold: float | None = None,
          y_threshold: float | None = None) -> Matrix:
    cfg = metrics.settings(con)
    p = periods.parse(period_label, int(cfg["fy_start"]))
    params = dict(entity=entity, period_start=p.start, period_end=p.end, **filt.params())
    rows = sql.df(con, "matrix/entity_components", **params)
    sources = sql.df(con, "matrix/baseline_sources", **params)
    rows["revenue_per_lead"] = [_ratio(r, n) for r, n in zip(rows.won_revenue, rows.leads, strict=True)]
    rows["acceptance"] = [_ratio(a, h) for a, h in zip(rows.accepted, rows.handed_off, strict=True)]
    rows["revenue_per_spend"] = [_ratio(r, s) if s and not pd.isna(s) else None
                                 for r, s in zip(rows.won_revenue, rows.spend, strict=True)]
    opts = baselines(sources, rows, min_leads)
    base = opts.get(baseline) or opts["median"]
    rows["lift_revenue_per_lead"] = [lift(v, base.revenue_per_lead) for v in rows.revenue_per_lead]
    rows["lift_acceptance"] = [lift(v, base.acceptance) for v in rows.acceptance]
    rows["lift_revenue_per_spend"] = [lift(v, base.revenue_per_spend) for v in rows.revenue_per_spend]
    rows["delivers"] = [geometric_mean([a, b, c]) for a, b, c in zip(
        rows.lift_revenue_per_lead, rows.lift_acceptance, rows.lift_revenue_per_spend, strict=True)]
    rows["leads_traceable"] = [_ratio(w, n) for w, n in zip(rows.leads_with_campaign, rows.leads, strict=True)]
    rows["revenue_traceable"] = [_ratio(t, r) for t, r in zip(rows.traceable_revenue, rows.won_revenue, strict=True)]
    rows["record_completeness"] = [None if pd.isna(c) else float(c) for c in rows.completeness]
    rows["demonstrates"] = [mean([a, b, c]) for a, b, c in zip(
        rows.leads_traceable, rows.revenue_traceable, rows.record_completeness, strict=True)]
    rows["judged"] = rows.leads >= min_leads
    judged = rows[rows.judged]
    x_split, y_split = split_threshold(judged.delivers), split_threshold(judged.demonstrates)
    x_thr = x_threshold if x_threshold is not None else (1.0 if x_split is None else x_split)
    y_thr = y_threshold if y_threshold is not None else (0.5 if y_split is None else y_split)
    rows["quadrant"] = [classify(d, m, x_thr, y_thr) if j else TOO_LITTLE
                        for d, m, j in zip(rows.delivers, rows.demonstrates, rows.judged, strict=True)]
    return Matrix(p, entity, base, baseline if baseline in opts else "median", x_thr, y_thr, min_leads, rows,
                  sorted(opts))


TABLE_COLUMNS = ["entity", "quadrant", "delivers", "demonstrates", "spend", "leads", "revenue_per_lead",
                 "acceptance", "revenue_per_spend", "lift_revenue_per_lead", "lift_acceptance",
                 "lift_revenue_per_spend", "leads_traceable", "revenue_traceable", "record_completeness",
                 "won_revenue", "won_deals", "campaigns"]


def table(m: Matrix) -> pd.DataFrame:
    return m.points[TABLE_COLUMNS].sort_values(["quadrant", "delivers"], ascending=[True, False])


def rows_for_cli(m: Matrix) -> list[dict[str, Any]]:
    out = []
    for r in table(m).to_dict("records"):
        out.append({k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()})
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
                         "lift_revenue_per_lead": r.lift_revenue_per_lead, "acceptance": r.acceptance,
                         "revenue_per_spend": r.revenue_per_spend, "leads_traceable": r.leads_traceable,
                         "record_completeness": r.record_completeness})
    cols = ["entity", "quadrant", "do", "leads", "spend", "revenue_per_lead", "lift_revenue_per_lead",
            "acceptance", "revenue_per_spend", "leads_traceable", "record_completeness"]
    return pd.DataFrame(rows, columns=cols)


def missing_fields(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per campaign, which record fields are empty (the silent operative's to-do list)."""
    return sql.df(con, "matrix/campaign_record_gaps")

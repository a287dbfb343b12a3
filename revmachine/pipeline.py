"""The sales half of the meeting: what moved in the pipeline, what will close, where coverage is
short, who is on quota and whether the quotas are fair (the Pipeline page, its card on the meeting
home, its slide, and `python -m revmachine pipeline`: all call these functions).

The pipeline's history is the deal_changes / deal_versions marts (queries/marts/): every value a
deal's stage, amount, close date, forecast category and owner took, from history exports (real
dates) and from successive uploads of the same deals (inferred dates). The screen queries are in
queries/pipeline/; this module forms the ratios and the sentences.

The period: the sidebar's period as a whole (a quarter to date is the whole quarter: the deals
closing in it); 'all the data' is the quarter under way. The two days of the movement default to
last week's load and this one (the data's as-of date).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from revmachine import forecast, meeting, metrics, periods, sql
from revmachine import format as fmt
from revmachine.errors import UserError
from revmachine.filters import Filters

# the waterfall's bars in order: (key, label, sign); start and end are the totals either side
BARS = (("created", "Created", 1), ("pulled_in", "Pulled in", 1), ("increased", "Increased", 1),
        ("decreased", "Decreased", -1), ("won", "Won", -1), ("lost", "Lost", -1), ("pushed_out", "Pushed out", -1))
BAR_LABELS = {"start": "Start", **{k: lbl for k, lbl, _s in BARS}, "end": "End"}
EQUITY_FLAG = 1.5  # a quota per unit of opportunity this many times the rest's is "much heavier"
MIN_CLOSED_FOR_OWN_RATE = 10  # fewer closed deals than this: the required coverage uses the company's rate
DEFINITIONS = {
    "movement": "Open pipeline closing in the period on the first day (start), then what changed it by the "
                "second day: deals created, deals pulled in (their close date moved into the period), amounts "
                "increased or decreased, deals won, lost, or pushed out (their close date moved out of it): "
                "start + created + pulled in + increased − decreased − won − lost − pushed out = end, exactly. "
                "Each deal counts at its amount (a blank amount as 0, and the page says how many), attributed to "
                "its owner and territory on the second day. The history comes from the CRM's history exports "
                "where loaded (real dates), else from the difference between successive uploads (dated the later "
                "upload, marked inferred).",
    "forecast_categories": "Deals won in the period so far (Closed) and open deals whose close date is in the "
                           "period, by forecast category: the CRM's own (Salesforce ForecastCategoryName, "
                           "HubSpot's forecast category, Dynamics' Forecast Category) else mapped from the stage "
                           "once in the settings below, else the stage right before won is Best case and the "
                           "others Pipeline.",
    "weighted_pipeline": "Amount × probability over the open deals closing in the period that have both; a load "
                         "whose probabilities run over 1 is read as 0–100 (75 = 75%), one whose values are at most "
                         "1 as 0–1.",
    "coverage": "Open pipeline closing in the period ÷ (the period's target − won in it so far). The required "
                "coverage is 1 ÷ the win rate by amount over the four quarters before the period (won ÷ closed "
                "amount): below it, the pipeline cannot make the target at the usual win rate. Earlier "
                "quarters show the coverage held on the same day of the quarter, from the deal history.",
    "reps": "Won revenue in the period ÷ the rep's personal quota (prorated by days, so a period to date is "
            "judged on the pace); pipeline created = deals created in the period; win rate = won ÷ closed, by "
            "count and by amount; average won deal; sales cycle = mean whole days from created to won.",
    "reps_on_quota_share": "Reps with a personal quota for the period whose won revenue reached it (prorated by "
                           "days: a period to date is judged on the pace) ÷ reps with a quota.",
    "quota_equity": "Each rep's (and territory's) share of the quota for the period ÷ its share of the "
                    "opportunity it had in the year before the period (pipeline created; leads and won revenue "
                    "shown beside it), against the rest of the team: 1.0× is a fair share; at "
                    f"{EQUITY_FLAG:g}× or more one carries a much heavier quota per dollar of opportunity than the rest.",
    "slippage": "A push is a close date moved later (out of the period, or later within it) while the deal was "
                "open; days pushed adds how far. Counted over the changes made in the period so far; the close "
                "date a CRM sets when a deal closes is not a slip. Deals open past their close date are listed too.",
    "marketing": "Pipeline created in the period (deals created in it, at their amount now) by marketing-sourced "
                 "deals (channel map) ÷ all pipeline created, against marketing's target share (settings).",
    "hygiene": "Open deals past their close date, close dates left at a CRM's default and never moved (the day "
               "the deal was created, or the last day of the month or quarter it was created in: HubSpot's and "
               "Salesforce's defaults), no close date, no owner, no amount, and possible duplicates (same account "
               "and deal name).",
    "forecast_accuracy": "Once the period has closed: accuracy = 1 − |commit − won| ÷ won, bias = (commit − won) ÷ "
                         "won (over-called when positive), for the last call of each scope in each period.",
}


@dataclass
class Window:
    period: periods.Period  # the sidebar's period as chosen
    full: periods.Period  # the period the deals close in
    as_of: dt.date
    start_day: dt.date
    end_day: dt.date
    first_day: dt.date | None  # the first day the history observes
    load_days: list[dt.date]
    currency: str  # '' = every deal
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return f"{fmt.date(self.start_day)} → {fmt.date(self.end_day)}"


def _date(v: Any) -> dt.date | None:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            raise UserError(f"not a date: {v!r} (use YYYY-MM-DD).") from None
    return pd.Timestamp(v).date()


def money_currency(con: duckdb.DuckDBPyConnection) -> tuple[str, str | None]:
    """('' , None) when money is in one currency or converted; else the currency with the most open
    pipeline and a note (money is never added across currencies)."""
    rows = sql.rows(con, "pipeline/money_currencies")
    cur = [r["currency"] for r in rows]
    if len(cur) <= 1:
        return "", None
    ranked = sorted((r for r in rows if r["open_amount"] is not None), key=lambda r: -r["open_amount"])
    code = ranked[0]["currency"] if ranked else cur[0]
    others = ", ".join(c or "not stated" for c in cur if c != code)
    return code, (f"Money is in several currencies and is never added across them: these figures are the "
                  f"{code or 'not stated'} deals only (also in the data: {others}). Set the reporting currency and "
                  "rates on the Data page to see them together.")


def window(con: duckdb.DuckDBPyConnection, period_label: str, start: Any = None, end: Any = None) -> Window:
    """The period the deals close in and the two days of the movement (default: last week's load and
    the data's as-of date)."""
    cfg = metrics.settings(con)
    fy = int(cfg["fy_start"])
    p = periods.parse(period_label, fy)
    h = sql.rows(con, "pipeline/history_range")[0]
    as_of = min(h["as_of"], dt.date.today()) if h["as_of"] else dt.date.today()
    notes = []
    full = p.full(fy)
    if p.grain == "all":
        full = periods.containing("quarter", as_of, fy)
        notes.append(f"All the data has no close-date window: the pipeline shown closes in {full.describe()}.")
    end_day = _date(end) or as_of
    loads = [d for d in (h["load_days"] or []) if d is not None]
    start_day = _date(start)
    if start_day is None:
        earlier = [d for d in loads if d < end_day]
        goal = end_day - dt.timedelta(days=meeting.WEEK_DAYS)
        start_day = min(earlier, key=lambda d: (abs((d - goal).days), -d.toordinal())) if earlier else goal
    if start_day >= end_day:
        raise UserError(f"the movement's first day ({start_day}) must come before its second ({end_day}).")
    first = h["first_day"]
    if first and start_day < first:
        notes.append(f"The deal history starts on {fmt.date(first)}: the pipeline on {fmt.date(start_day)} is "
                     "the deals as first seen (their values then are inferred).")
    code, note = money_currency(con)
    if note:
        notes.append(note)
    return Window(p, full, as_of, start_day, end_day, first, loads, code, notes)


def _params(w: Window, filt: Filters) -> dict[str, Any]:
    return {"period_start": w.full.start, "period_end": w.full.end, "currency": w.currency, **filt.params()}


# --- 2. movement ---------------------------------------------------------------------------------

def _iso(col: pd.Series) -> pd.Series:
    """A date column as ISO text, None where it has no date."""
    t = pd.to_datetime(col)
    return t.dt.strftime("%Y-%m-%d").astype(object).where(t.notna(), None)


def _bar_deals(df: pd.DataFrame, bar: str, sign: int, values: pd.Series) -> list[dict[str, Any]]:
    """The deals on one bar as a list of dicts (the CLI's and the JSON's)."""
    return _bar_frame(df, bar, sign, values).to_dict("records") if len(df) else []


def _bar_frame(df: pd.DataFrame, bar: str, sign: int, values: pd.Series) -> pd.DataFrame:
    """The deals on one bar: what each adds (signed) and what changed (from → to), computed on the
    columns at once (no loop over the deals in Python)."""
    if not len(df):
        return pd.DataFrame(columns=["deal_id", "deal_name", "company", "owner", "territory", "amount", "from", "to"])
    if bar in ("increased", "decreased"):
        frm = df.amount_a.astype(float).astype(object).where(df.amount_a.notna(), None)
        to = df.amount_b.astype(float).astype(object).where(df.amount_b.notna(), None)
    elif bar in ("won", "lost"):
        opened = df.status_a.notna() & (df.status_a.astype(object).fillna("") != "")
        frm = ("open, closing " + _iso(df.close_a).fillna("on no date")).where(opened, "created")
        to = df.status_b.astype(str) + " on " + _iso(df.close_b).fillna("None")
    elif bar == "created":
        frm = "created " + _iso(df.created_on).fillna("None")
        to = _iso(df.close_b)
    elif bar == "start":
        frm, to = _iso(df.close_a), pd.Series([None] * len(df), index=df.index, dtype=object)
    elif bar == "end":
        frm, to = pd.Series([None] * len(df), index=df.index, dtype=object), _iso(df.close_b)
    else:  # pulled_in, pushed_out: the close date
        frm, to = _iso(df.close_a), _iso(df.close_b)
    return pd.DataFrame({"deal_id": df.deal_id, "deal_name": df.deal_name, "company": df.company, "owner": df.owner,
                         "territory": df.territory, "amount": sign * values.astype(float), "from": frm, "to": to}
                        ).reset_index(drop=True)


def movement_deals(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters(), start: Any = None,
                   end: Any = None, bar: str = "start") -> pd.DataFrame:
    """The deals on one bar of the movement (as movement() lists them), as a table: deal_id,
    deal_name, company, owner, territory, amount (signed), from, to."""
    signs = {"start": 1, "end": 1, **{k: s for k, _lbl, s in BARS}}
    if bar not in signs:
        raise UserError(f"the movement has no bar {bar!r}.")
    w = window(con, period_label, start, end)
    df = sql.df(con, "pipeline/movement_deals", bar=bar, start_day=w.start_day, end_day=w.end_day, **_params(w, filt))
    return _bar_frame(df, bar, signs[bar], df.value)


def movement(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters(),
             start: Any = None, end: Any = None, with_deals: bool = True) -> dict[str, Any]:
    """The waterfall between the two days, every bar with its deals; the identity holds exactly.
    with_deals=False: the bars' totals and counts only, summed in the database (the page and the
    home's card; the page lists one bar's deals with movement_deals)."""
    w = window(con, period_label, start, end)
    if not with_deals:
        # the totals alone, summed where the deals are (no deal leaves the database)
        t = sql.rows(con, "pipeline/movement_totals", start_day=w.start_day, end_day=w.end_day, **_params(w, filt))[0]
        start_total, end_total = float(t["start_amount"]), float(t["end_amount"])
        bars = [{"bar": key, "label": label, "amount": sign * float(t[f"{key}_amount"]), "count": int(t[f"{key}_deals"]),
                 "deals": []} for key, label, sign in BARS]
        n_start, n_end, without, df = int(t["start_deals"]), int(t["end_deals"]), int(t["without_amount"]), None
        starting = ending = None
    else:
        df = sql.df(con, "pipeline/movement", start_day=w.start_day, end_day=w.end_day, **_params(w, filt))
        for c in ("start_amount", "created", "pulled_in", "increased", "decreased", "won", "lost", "pushed_out",
                  "end_amount"):
            df[c] = df[c].astype(float)
        start_total, end_total = float(df.start_amount.sum()), float(df.end_amount.sum())
        bars = []
        for key, label, sign in BARS:
            rows = df[df[key] != 0]
            bars.append({"bar": key, "label": label, "amount": sign * float(rows[key].sum()), "count": len(rows),
                         "deals": _bar_deals(rows, key, sign, rows[key])})
        starting, ending = df[df.in_start], df[df.in_end]
        n_start, n_end, without = len(starting), len(ending), int((~df.has_amount).sum())
    total = start_total + sum(b["amount"] for b in bars)
    out = {
        "start_day": w.start_day, "end_day": w.end_day, "period": w.full.label, "period_start": w.full.start,
        "period_end": w.full.end, "currency": w.currency or None,
        "start": {"amount": start_total, "count": n_start,
                  "deals": _bar_deals(starting, "start", 1, starting.start_amount) if with_deals else []},
        "bars": bars,
        "end": {"amount": end_total, "count": n_end,
                "deals": _bar_deals(ending, "end", 1, ending.end_amount) if with_deals else []},
        "identity_holds": abs(total - end_total) < 0.005,
        "without_amount": without,
        "window": w, "notes": list(w.notes), "frame": df,
    }
    out["sentence"] = movement_sentence(out)
    return out


def _deals(n: int) -> str:
    return f"{n:,} deal" if n == 1 else f"{n:,} deals"


def movement_sentence(m: dict[str, Any], currency: str = "$") -> str:
    """What moved, in one sentence: the net change and its two biggest causes."""
    net = m["end"]["amount"] - m["start"]["amount"]
    movers = sorted((b for b in m["bars"] if b["amount"]), key=lambda b: -abs(b["amount"]))[:2]
    why = " and ".join(f"{b['label'].lower()} {fmt.money(abs(b['amount']), currency)} ({_deals(b['count'])})"
                       for b in movers)
    direction = "grew" if net > 0 else "shrank" if net < 0 else "held"
    return (f"Pipeline closing in {m['period']} {direction} from {fmt.money(m['start']['amount'], currency)} to "
            f"{fmt.money(m['end']['amount'], currency)} between {fmt.date(m['start_day'])} and "
            f"{fmt.date(m['end_day'])}" + (f", mostly {why}." if why else "."))


# --- 3. forecast categories and weighted pipeline ---------------------------------------------------------

def forecast_categories(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters(),
                        day: Any = None) -> dict[str, Any]:
    """What will close in the period, by category (and territory), on `day` (default: the as-of date)."""
    w = window(con, period_label, end=day)
    df = sql.df(con, "pipeline/forecast_categories", as_of_day=w.end_day, **_params(w, filt))
    for c in ("amount", "weighted"):
        df[c] = df[c].astype(float)
    totals = []
    for cat in forecast.CATEGORIES:
        x = df[df.category == cat]
        totals.append({"category": cat, "label": forecast.LABELS[cat], "deals": int(x.deals.sum()),
                       "with_amount": int(x.with_amount.sum()),
                       "amount": float(x.amount.sum()) if x.with_amount.sum() else (0.0 if not len(x) else None)})
    open_ = df[df.category != "closed"]
    with_p = int(open_.with_probability.sum())
    weighted = {"amount": float(open_.weighted.sum()) if with_p else None, "with_probability": with_p,
                "open_deals": int(open_.deals.sum()),
                "open_amount": float(open_.amount.sum()) if open_.with_amount.sum() else None}
    by = {c["category"]: c["amount"] or 0.0 for c in totals}
    calls = {"closed": by["closed"], "commit": by["closed"] + by["commit"],
             "best_case": by["closed"] + by["commit"] + by["best_case"]}
    return {"day": w.end_day, "period": w.full.label, "categories": totals, "weighted": weighted,
            "rollup": calls, "by_territory": df, "from_export": int(df.from_export.sum()),
            "deals": int(df.deals.sum()), "notes": list(w.notes)}


# --- 4. coverage -----------------------------------------------------------------------------------

def _coverage_row(r: dict, company_rate: float | None) -> dict:
    target, won, open_ = r["target"], float(r["won_amount"] or 0), float(r["open_amount"] or 0)
    target = None if target is None or pd.isna(target) else float(target)
    remaining = None if target is None else target - won
    coverage = metrics.ratio(open_, remaining) if remaining and remaining > 0 else None
    own_rate = (metrics.ratio(r["trailing_won_amount"], r["trailing_closed_amount"])
                if r["trailing_closed"] >= MIN_CLOSED_FOR_OWN_RATE else None)
    rate = own_rate if own_rate else company_rate
    required = (1 / rate) if rate else None
    return {"segment": r["segment"], "open_amount": open_, "open_deals": int(r["open_deals"]), "won_amount": won,
            "target": target, "remaining": remaining, "coverage": coverage,
            "win_rate": rate, "rate_from": "own" if own_rate else ("company" if rate else None),
            "required": required, "short": (coverage < required) if coverage is not None and required else None,
            "target_reached": remaining is not None and remaining <= 0}


def coverage(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters(), by: str = "territory",
             earlier: int = 4, day: Any = None) -> dict[str, Any]:
    """Coverage per segment ('territory' | 'owner' | 'all') on the day, with the required coverage,
    and the coverage held on the same day of the `earlier` periods before (where the history allows)."""
    if by not in ("territory", "owner", "all"):
        raise UserError(f"coverage is by territory, owner or all, not {by!r}.")
    w = window(con, period_label, end=day)
    fy = int(metrics.settings(con)["fy_start"])
    p = w.full
    x = min(max(w.end_day, p.start), p.end - dt.timedelta(days=1))
    offset = (x - p.start).days
    wanted = [(p, x)]
    q = p
    for _ in range(earlier if p.grain in ("month", "quarter", "year") else 0):
        q = q.shift(-1, fy)
        d = min(q.start + dt.timedelta(days=offset), q.end - dt.timedelta(days=1))
        if w.first_day is None or d < w.first_day:
            break  # the history does not reach back to that day
        wanted.append((q, d))
    params = dict(labels=[a.label for a, _ in wanted], starts=[a.start for a, _ in wanted],
                  ends=[a.end for a, _ in wanted], days=[d for _, d in wanted], by=by,
                  currency=w.currency, **filt.params())
    both = sql.rows(con, "pipeline/coverage", **params)  # the segments and the company, in one reading
    rows = [{k: v for k, v in r.items() if k != "level"} for r in both if r["level"] == by]
    company = [{k: v for k, v in r.items() if k != "level"} for r in both if r["level"] == "all"]
    company_rate = {r["period"]: metrics.ratio(r["trailing_won_amount"], r["trailing_closed_amount"]) for r in company}
    out = []
    for r in rows:
        row = _coverage_row(r, company_rate.get(r["period"]))
        row["period"] = r["period"]
        out.append(row)
    current = [r for r in out if r["period"] == p.label]
    history = {}
    for r in out:
        if r["period"] != p.label:
            history.setdefault(r["segment"], []).append({"period": r["period"], "coverage": r["coverage"],
                                                         "required": r["required"]})
    for r in current:
        r["earlier"] = history.get(r["segment"], [])
    return {"period": p.label, "day": x, "by": by, "rows": current, "periods": [(a.label, d) for a, d in wanted],
            "company": _coverage_row(next((r for r in company if r["period"] == p.label), {
                "segment": "All", "open_amount": 0, "open_deals": 0, "won_amount": 0, "target": None,
                "trailing_won": 0, "trailing_closed": 0, "trailing_won_amount": None,
                "trailing_closed_amount": None}), company_rate.get(p.label)),
            "company_history": [{"period": r["period"], "coverage": _coverage_row(r, company_rate.get(r["period"]))[
                "coverage"]} for r in company if r["period"] != p.label],
            "notes": list(w.notes)}


# --- 7. reps against quota --------------------------------------------------------------------------

def rep_periods(p: periods.Period, fy: int, n: int = 4) -> list[periods.Period]:
    """The period and the n complete periods of its grain before it (newest first)."""
    if p.grain not in ("month", "quarter", "year"):
        return [p]
    out, q = [p], p.full(fy)
    for _ in range(n):
        q = q.shift(-1, fy)
        out.append(q)
    return out


def reps(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters(), n_previous: int = 4
         ) -> dict[str, Any]:
    """Every rep against quota in the period and the periods before it; the share of reps on quota."""
    fy = int(metrics.settings(con)["fy_start"])
    p = periods.parse(period_label, fy)
    ps = rep_periods(p, fy, n_previous)
    code, _note = money_currency(con)
    df = sql.df(con, "pipeline/reps", labels=[q.label for q in ps], starts=[q.start for q in ps],
                ends=[q.end for q in ps], currency=code, **filt.params())
    for c in ("quota", "won_amount", "closed_amount", "created_amount", "cycle_days"):
        df[c] = df[c].astype(float)
    df["attainment"] = [metrics.ratio(w, q) if q and q > 0 else None for w, q in zip(df.won_amount, df.quota, strict=True)]
    df["on_quota"] = [None if a is None else a >= 1 for a in df.attainment]
    df["win_rate"] = [metrics.ratio(w, w + lo) for w, lo in zip(df.won_deals, df.lost_deals, strict=True)]
    df["win_rate_amount"] = [metrics.ratio(w, c) if c else None for w, c in zip(df.won_amount, df.closed_amount, strict=True)]
    df["avg_deal"] = [metrics.ratio(w, n) if n else None for w, n in zip(df.won_amount, df.won_with_amount, strict=True)]
    df["cycle"] = [metrics.ratio(d, n) if n else None for d, n in zip(df.cycle_days, df.cycle_deals, strict=True)]
    cur = df[df.period == p.label].copy()
    cov = coverage(con, period_label, filt, by="owner", earlier=0)
    by_owner = {r["segment"]: r for r in cov["rows"]}
    cur["coverage"] = [by_owner.get(o, {}).get("coverage") for o in cur.owner]
    cur["required"] = [by_owner.get(o, {}).get("required") for o in cur.owner]
    shares = {q.label: reps_on_quota_share(df[df.period == q.label]) for q in ps}
    managers = (cur.groupby(cur.manager.fillna("(no manager)"), dropna=False)
                .agg(reps=("owner", "count"), quota=("quota", "sum"), won_amount=("won_amount", "sum"),
                     on_quota=("on_quota", lambda s: int(s.fillna(False).sum())),
                     with_quota=("quota", lambda s: int((s > 0).sum())))
                .reset_index().rename(columns={"manager": "manager"}))
    managers["attainment"] = [metrics.ratio(w, q) if q else None for w, q in zip(managers.won_amount, managers.quota,
                                                                              strict=True)]
    return {"period": p, "periods": [q.label for q in ps], "current": cur.sort_values(
                ["attainment", "won_amount"], ascending=[False, False], na_position="last"),
            "all": df, "share": shares[p.label], "shares": shares, "managers": managers,
            "with_quota": int((cur.quota > 0).sum()), "on_quota": int(cur.on_quota.fillna(False).sum())}


def reps_on_quota_share(df: pd.DataFrame) -> float | None:
    """Reps with a quota whose won revenue reached it ÷ reps with a quota ('—' when none has one)."""
    q = df[df.quota.notna() & (df.quota > 0)]
    if not len(q):
        return None
    return float((q.won_amount >= q.quota).sum()) / len(q)


def reps_on_quota_values(con: duckdb.DuckDBPyConnection, ps: dict[str, periods.Period], filt: Filters,
                         currency: str = "") -> dict[str, float | None]:
    """The share of reps on quota for each of several periods (the scorecard's trend and comparisons)."""
    keys = list(ps)
    df = sql.df(con, "pipeline/reps", labels=keys, starts=[ps[k].start for k in keys], ends=[ps[k].end for k in keys],
                currency=currency, **filt.params())
    df["quota"] = df.quota.astype(float)
    df["won_amount"] = df.won_amount.astype(float)
    return {k: reps_on_quota_share(df[df.period == k]) for k in keys}


def quota_equity(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters()) -> dict[str, Any]:
    """Each rep's and territory's quota against its opportunity in the year before the period; a
    plain-language flag where one carries a much heavier quota per unit of opportunity than the rest."""
    fy = int(metrics.settings(con)["fy_start"])
    p = periods.parse(period_label, fy).full(fy)
    if p.grain == "all":
        p = periods.containing("quarter", window(con, period_label).as_of, fy)
    df = sql.df(con, "pipeline/quota_equity", period_start=p.start, period_end=p.end, territory=list(filt.territory))
    for c in ("quota", "pipeline_created", "won_amount", "leads"):
        df[c] = df[c].astype(float)
    out = []
    for level in ("owner", "territory"):
        x = df[df.level == level].reset_index(drop=True)
        for i, r in x.iterrows():
            # a rep against the other reps of the territory (the territory's own load is the
            # territory row's), a territory against the other territories
            rest = x.drop(index=i)
            if level == "owner":
                rest = rest[rest.territory == r.territory]
            row = {"level": level, "name": r["name"], "territory": r.territory, "quota": r.quota,
                   "leads": r.leads, "pipeline_created": r.pipeline_created, "won_amount": r.won_amount,
                   "peers": len(rest)}
            for measure in ("pipeline_created", "leads", "won_amount"):
                mine = metrics.ratio(r.quota, r[measure]) if r[measure] else None
                theirs = metrics.ratio(rest.quota.sum(), rest[measure].sum()) if rest[measure].sum() else None
                row[f"index_{measure}"] = metrics.ratio(mine, theirs) if mine is not None and theirs else None
            idx = row["index_pipeline_created"]
            row["flag"] = idx is not None and idx >= EQUITY_FLAG
            row["sentence"] = equity_sentence(row, p)
            out.append(row)
    frame = pd.DataFrame(out)
    return {"period": p.label, "window": f"the four quarters before {p.label}", "rows": frame,
            "flags": [r["sentence"] for r in out if r["flag"]]}


def equity_sentence(r: dict, p: periods.Period) -> str | None:
    """'Quinn Singh carries 2.1× the quota per dollar of pipeline of the other APAC reps: ...'"""
    idx = r.get("index_pipeline_created")
    if idx is None:
        return None
    if r["level"] == "owner":
        who, rest = r["name"], f"of the other {r['territory']} reps"
    else:
        who, rest = f"{r['name']} (the territory)", "of the other territories"
    if idx >= EQUITY_FLAG:
        return (f"{who} carries {idx:.1f}× the quota per dollar of pipeline {rest} (pipeline created in the year "
                f"before {p.label}): a much heavier quota for the opportunity.")
    if idx <= 1 / EQUITY_FLAG:
        return f"{who} carries {idx:.1f}× the quota per dollar of pipeline {rest}: a light quota for the opportunity."
    return f"{who} carries {idx:.1f}× the quota per dollar of pipeline {rest}: in line."


# --- 6. slippage -------------------------------------------------------------------------------------

def slippage(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters()) -> dict[str, Any]:
    """Close dates pushed in the period so far, per deal and owner; deals open past their close date."""
    w = window(con, period_label)
    p = w.full
    ws, we = p.start, min(p.end, w.as_of + dt.timedelta(days=1))
    df = sql.df(con, "pipeline/slippage", window_start=ws, window_end=we, as_of_day=w.as_of,
                period_start=p.start, period_end=p.end, **filt.params())
    df["amount"] = df.amount.astype(float)
    slipped = df[df.pushes > 0]
    owners = (slipped.groupby("owner").agg(deals_pushed=("deal_id", "count"), pushes=("pushes", "sum"),
                                            days_pushed=("days_pushed", "sum"), pushed_out=("pushed_out", "sum"),
                                            amount=("amount", "sum"))
              .reset_index().sort_values(["pushes", "days_pushed"], ascending=False))
    overdue = df[df.is_overdue]
    return {"window": periods.date_range(ws, we), "deals": slipped, "owners": owners, "overdue": overdue,
            "pushes": int(slipped.pushes.sum()), "days_pushed": int(slipped.days_pushed.sum()),
            "pushed_out": int(slipped.pushed_out.sum()), "inferred": bool(slipped.any_inferred.any())}


# --- 8. marketing's contribution ---------------------------------------------------------------------------

def marketing_target(con: duckdb.DuckDBPyConnection) -> float | None:
    v = con.execute("select value from config_settings where key = 'marketing_pipeline_target'").fetchall()
    try:
        f = float(v[0][0]) if v and v[0][0] not in (None, "") else None
    except ValueError:
        return None
    return f / 100 if f is not None and f > 1 else f


def save_marketing_target(share: float | None, path=None, actor=None) -> None:
    """Marketing's target share of pipeline created (0..1, or a percentage over 1); None removes it. A
    setting: kept in the app-state file and mirrored in the data file (state.change_config)."""

    if share is not None and not 0 <= share <= 100:
        raise UserError("marketing's share of pipeline is a share between 0 and 100%.")
    from revmachine import state

    value = "" if share is None else str(share / 100 if share > 1 else share)
    state.change_config(path, actor, "settings", lambda con: con.execute(
        "insert or replace into config_settings values ('marketing_pipeline_target', ?)", [value]),
        detail=f"marketing_pipeline_target: {value or '(none)'}")


def marketing(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters()) -> dict[str, Any]:
    """Pipeline created by marketing-sourced deals against marketing's target share, per territory
    and product line."""
    w = window(con, period_label)
    p = w.period if w.period.grain != "all" else w.full
    df = sql.df(con, "pipeline/marketing_pipeline", period_start=p.start, period_end=p.end, currency=w.currency,
                **{k: v for k, v in filt.params().items()})
    df["amount"] = df.amount.astype(float)
    target = marketing_target(con)

    def summarise(x: pd.DataFrame) -> dict[str, Any]:
        total = float(x.amount.sum()) if x.with_amount.sum() else None
        mk = x[x.sourced_by == "marketing"]
        mk_amount = float(mk.amount.sum()) if mk.with_amount.sum() else (0.0 if total is not None else None)
        share = metrics.ratio(mk_amount, total) if total else None
        return {"pipeline_created": total, "marketing": mk_amount, "share": share, "deals": int(x.deals.sum()),
                "marketing_deals": int(mk.deals.sum()),
                "unmapped": float(x[x.sourced_by == "unmapped"].amount.sum() or 0),
                "gap": (share - target) if share is not None and target is not None else None}

    by_t = [{"territory": t, **summarise(g)} for t, g in df.groupby("territory")]
    by_p = [{"product": t, **summarise(g)} for t, g in df.groupby("product")]
    return {"period": p.label, "target": target, **summarise(df), "by_territory": pd.DataFrame(by_t),
            "by_product": pd.DataFrame(by_p)}


# --- 9. hygiene ---------------------------------------------------------------------------------------

HYGIENE = (("past_close_date", "past its close date"), ("default_close_date", "close date left at a CRM default"),
           ("no_close_date", "no close date"), ("no_owner", "no owner"), ("no_amount", "no amount"),
           ("duplicate", "possible duplicate"))


def hygiene(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters()) -> dict[str, Any]:
    w = window(con, period_label)
    df = sql.df(con, "pipeline/hygiene", as_of_day=w.as_of, fy_start_month=int(metrics.settings(con)["fy_start"]),
                **filt.params())
    df["amount"] = df.amount.astype(float)
    counts = {k: int(df[k].sum()) for k, _ in HYGIENE}
    open_deals = con.execute("select count(*) from deals_at(?) where status = 'open'", [w.as_of]).fetchall()[0][0]
    return {"as_of": w.as_of, "deals": df, "counts": counts, "labels": dict(HYGIENE), "open_deals": open_deals,
            "flagged": len(df)}


# --- 5. the forecast call, judged -------------------------------------------------------------------------

def forecast_accuracy(con: duckdb.DuckDBPyConnection, all_calls: pd.DataFrame, filt: Filters = Filters(),
                      n_periods: int = 4) -> dict[str, Any]:
    """Each scope's last call per period against what it won, for the periods that have closed; each
    owner's (or territory's) bias over the last n periods. all_calls: forecast.calls() read from the
    app-state file, where the calls are kept."""
    fy = int(metrics.settings(con)["fy_start"])
    w = window(con, "all")
    if not len(all_calls):
        return {"calls": all_calls, "judged": pd.DataFrame(), "bias": pd.DataFrame(), "open": all_calls}
    parsed = {}
    for label in all_calls.period.unique():
        try:
            parsed[label] = periods.parse(label, fy).full(fy)
        except ValueError:
            continue
    closed = {k: v for k, v in parsed.items() if v.end <= w.as_of + dt.timedelta(days=1)}
    last = (all_calls.sort_values(["recorded_at", "call_id"]).groupby(["period", "scope_kind", "scope"]).tail(1))
    if filt.territory:
        last = last[(last.scope_kind != "territory") | last.scope.isin(filt.territory)]
    if filt.owner:
        last = last[(last.scope_kind != "owner") | last.scope.isin(filt.owner)]
    judged = last[last.period.isin(closed)].copy()
    open_calls = last[~last.period.isin(closed)].copy()
    if len(judged):
        keys = list(closed)
        act = sql.df(con, "pipeline/forecast_actuals", labels=keys, starts=[closed[k].start for k in keys],
                     ends=[closed[k].end for k in keys], currency=w.currency)
        act["won_amount"] = act.won_amount.astype(float)
        judged = judged.merge(act, on=["period", "scope_kind", "scope"], how="left")
        judged["won_amount"] = judged.won_amount.fillna(0.0)
        judged["commit_amount"] = judged.commit_amount.astype(float)
        judged["accuracy"] = [forecast.accuracy(f, a) for f, a in zip(judged.commit_amount, judged.won_amount,
                                                                     strict=True)]
        judged["bias"] = [forecast.bias(f, a) for f, a in zip(judged.commit_amount, judged.won_amount, strict=True)]
        judged["period_end"] = [closed[k].end for k in judged.period]
        recent = sorted(closed, key=lambda k: closed[k].end)[-n_periods:]
        b = judged[judged.period.isin(recent)]
        bias_tbl = (b.groupby(["scope_kind", "scope"]).agg(periods=("period", "count"), bias=("bias", "mean"),
                                                           accuracy=("accuracy", "mean")).reset_index())
        bias_tbl["tendency"] = [None if pd.isna(x) else ("over-calls" if x > 0.02 else "under-calls" if x < -0.02
                                                         else "calls it right") for x in bias_tbl.bias]
        judged = judged.sort_values(["period_end", "scope_kind", "scope"], ascending=[False, True, True])
    else:
        bias_tbl = pd.DataFrame()
    return {"calls": all_calls, "judged": judged, "bias": bias_tbl, "open": open_calls}


# --- everything, for the CLI and the home ---------------------------------------------------------------

def build(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters(), start: Any = None,
          end: Any = None, calls: pd.DataFrame | None = None) -> dict[str, Any]:
    """Every part of the Pipeline page for the window and filters (the CLI prints it); calls: the
    forecast calls (forecast.calls on the app-state file; none when not given)."""
    if calls is None:
        calls = pd.DataFrame(columns=forecast.CALL_COLUMNS)
    m = movement(con, period_label, filt, start, end)
    return {"window": m["window"], "movement": m, "forecast": forecast_categories(con, period_label, filt),
            "coverage": coverage(con, period_label, filt, "territory"),
            "coverage_owner": coverage(con, period_label, filt, "owner", earlier=0),
            "reps": reps(con, period_label, filt), "equity": quota_equity(con, period_label, filt),
            "slippage": slippage(con, period_label, filt), "marketing": marketing(con, period_label, filt),
            "hygiene": hygiene(con, period_label, filt), "accuracy": forecast_accuracy(con, calls, filt)}


def card(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters()) -> dict[str, Any]:
    """The meeting home's pipeline card: the movement's net change and biggest cause, the company's
    coverage against the required (and the territory shortest of it), and the share of reps on
    quota (the same functions as the page; one coverage query for the company and the territories)."""
    m = movement(con, period_label, filt, with_deals=False)
    cov = coverage(con, period_label, filt, "territory", earlier=0)
    fy = int(metrics.settings(con)["fy_start"])
    p = periods.parse(period_label, fy)
    r = sql.df(con, "pipeline/reps", labels=[p.label], starts=[p.start], ends=[p.end], currency=m["window"].currency,
               **filt.params())
    r["quota"], r["won_amount"] = r.quota.astype(float), r.won_amount.astype(float)
    share = reps_on_quota_share(r)
    with_quota = int((r.quota > 0).sum())
    on_quota = int(((r.quota > 0) & (r.won_amount >= r.quota)).sum())
    shortest = min((x for x in cov["rows"] if x["short"]), key=lambda x: x["coverage"] / x["required"], default=None)
    return {"start": m["start"]["amount"], "end": m["end"]["amount"], "net": m["end"]["amount"] - m["start"]["amount"],
            "start_day": m["start_day"], "end_day": m["end_day"], "period": m["period"], "sentence": m["sentence"],
            "biggest": max(m["bars"], key=lambda b: abs(b["amount"])) if any(b["amount"] for b in m["bars"]) else None,
            "coverage": cov["company"], "shortest": shortest, "reps_on_quota": share,
            "with_quota": with_quota, "on_quota": on_quota}


# --- the command line ------------------------------------------------------------------------------------

def _plain(v: Any) -> Any:
    """A value for JSON: None for unknown (never NaN), Python numbers, ISO dates."""
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if getattr(v, "ndim", 0) > 0 and hasattr(v, "tolist"):  # a list column (numpy array)
        return [_plain(x) for x in v.tolist()]
    if v is None or (not isinstance(v, str | list | dict) and pd.isna(v)):
        return None
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, pd.Timestamp | dt.datetime):
        return v.date().isoformat() if (v.hour, v.minute, v.second) == (0, 0, 0) else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _records(df: pd.DataFrame, cols: list[str] | None = None) -> list[dict[str, Any]]:
    if df is None or not len(df):
        return []
    x = df[[c for c in (cols or list(df.columns)) if c in df.columns]]
    return [_plain(r) for r in x.to_dict("records")]


def as_json(b: dict[str, Any]) -> dict[str, Any]:
    """The pipeline as `pipeline --format json` prints it (stable ids: movement, coverage,
    forecast_categories, weighted_pipeline, reps, reps_on_quota_share, quota_equity, slipped_deals...)."""
    w, m, f = b["window"], b["movement"], b["forecast"]
    r = b["reps"]
    reps_rows = r["all"].copy()
    reps_rows = reps_rows.assign(win_rate_amount=reps_rows.win_rate_amount)
    cur = {row["owner"]: row for row in _records(r["current"], ["owner", "coverage", "required"])}
    return _plain({
        "period": w.full.label, "as_of": w.as_of, "currency": w.currency or None, "notes": m["notes"],
        "movement": {"start_day": m["start_day"], "end_day": m["end_day"], "period": m["period"],
                     "start": m["start"], "bars": m["bars"], "end": m["end"],
                     "identity_holds": m["identity_holds"], "deals_without_amount": m["without_amount"],
                     "sentence": m["sentence"]},
        "forecast_categories": f["categories"],
        "forecast_rollup": f["rollup"],
        "weighted_pipeline": f["weighted"],
        "coverage": {"day": b["coverage"]["day"], "company": b["coverage"]["company"],
                     "territories": b["coverage"]["rows"], "owners": b["coverage_owner"]["rows"],
                     "company_history": b["coverage"]["company_history"]},
        "reps": [{**row, **{k: cur.get(row["owner"], {}).get(k) for k in ("coverage", "required")}}
                 if row["period"] == r["periods"][0] else row
                 for row in _records(reps_rows, ["period", "owner", "manager", "territory", "quota", "won_amount",
                                                 "attainment", "on_quota", "won_deals", "lost_deals", "win_rate",
                                                 "win_rate_amount", "avg_deal", "cycle", "created_deals",
                                                 "created_amount"])],
        "reps_on_quota_share": r["share"],
        "reps_on_quota_share_by_period": r["shares"],
        "managers": _records(r["managers"]),
        "quota_equity": {"period": b["equity"]["period"], "opportunity_window": b["equity"]["window"],
                         "rows": _records(b["equity"]["rows"]), "flags": b["equity"]["flags"]},
        "slipped_deals": _records(b["slippage"]["deals"]),
        "slippage_by_owner": _records(b["slippage"]["owners"]),
        "overdue_deals": _records(b["slippage"]["overdue"]),
        "marketing_pipeline": {k: v for k, v in b["marketing"].items() if k not in ("by_territory", "by_product")}
        | {"by_territory": _records(b["marketing"]["by_territory"]),
           "by_product": _records(b["marketing"]["by_product"])},
        "hygiene": {"as_of": b["hygiene"]["as_of"], "open_deals": b["hygiene"]["open_deals"],
                    "counts": b["hygiene"]["counts"], "deals": _records(b["hygiene"]["deals"])},
        "forecast_calls": _records(b["accuracy"]["open"]),
        "forecast_accuracy": _records(b["accuracy"]["judged"], ["period", "scope_kind", "scope", "commit_amount",
                                                                "best_case_amount", "won_amount", "accuracy",
                                                                "bias", "called_by", "recorded_at"]),
        "forecast_bias": _records(b["accuracy"]["bias"]),
    })


def as_text(b: dict[str, Any]) -> str:
    """The pipeline as `pipeline` prints it: the movement bar by bar with its deals, then the rest."""
    m, w = b["movement"], b["window"]
    cur = w.currency or None
    sym = f"{cur} " if cur else "$"

    def money(v):
        return fmt.money(v, sym)

    lines = [f"Pipeline closing in {w.full.describe()}; data as of {fmt.date(w.as_of)}", *[f"note: {n}" for n in m["notes"]],
             "", m["sentence"], "", f"{'Start':12} {money(m['start']['amount']):>10}  ({_deals(m['start']['count'])} "
             f"open on {fmt.date(m['start_day'])})"]
    for bar in m["bars"]:
        sign = "+" if bar["amount"] >= 0 and bar["bar"] not in ("decreased", "won", "lost", "pushed_out") else "−"
        lines.append(f"{bar['label']:12} {sign}{money(abs(bar['amount'])):>9}  ({_deals(bar['count'])})")
        for d in bar["deals"]:
            frm = money(d["from"]) if isinstance(d["from"], float) else (d["from"] or "—")
            to = money(d["to"]) if isinstance(d["to"], float) else (d["to"] or "—")
            lines.append(f"    {d['deal_id']}  {d['deal_name'] or ''}  {d['owner']}  {money(d['amount'])}  {frm} → {to}")
    lines.append(f"{'End':12} {money(m['end']['amount']):>10}  ({_deals(m['end']['count'])} open on "
                 f"{fmt.date(m['end_day'])})")
    lines.append(f"identity start + created + pulled in + increased − decreased − won − lost − pushed out = end: "
                 f"{'holds' if m['identity_holds'] else 'DOES NOT HOLD'}")
    f = b["forecast"]
    lines += ["", "What will close (forecast categories):"]
    lines += [f"  {c['label']:14} {money(c['amount']):>10}  ({_deals(c['deals'])})" for c in f["categories"]]
    wp = f["weighted"]
    lines.append(f"  weighted pipeline {money(wp['amount'])} ({wp['with_probability']:,} of {wp['open_deals']:,} open "
                 "deals have an amount and a probability)")
    c = b["coverage"]
    lines += ["", f"Coverage on {fmt.date(c['day'])} (open pipeline ÷ target left; required = 1 ÷ win rate):"]
    for r in [c["company"], *c["rows"]]:
        lines.append(f"  {r['segment']:20} {fmt.number(r['coverage'], 1) + '×' if r['coverage'] is not None else fmt.DASH:>7}"
                     f"  required {fmt.number(r['required'], 1) + '×' if r['required'] else fmt.DASH}"
                     + ("  SHORT" if r.get("short") else ""))
    r = b["reps"]
    lines += ["", f"Reps on quota: {fmt.pct(r['share'])} ({r['on_quota']:,} of {r['with_quota']:,} with a quota)"]
    for x in r["current"].itertuples():
        lines.append(f"  {x.owner:22} {fmt.pct(x.attainment):>6} of {money(x.quota)}  won {money(x.won_amount)}")
    lines += ["", "Quota equity:"] + [f"  {s}" for s in b["equity"]["flags"] or ["no quota much heavier than the rest's"]]
    s = b["slippage"]
    lines += ["", f"Slippage in {s['window'].describe()}: {s['pushes']:,} pushes, {s['days_pushed']:,} days; "
                  f"{len(s['overdue']):,} open deals past their close date"]
    mk = b["marketing"]
    lines += ["", f"Marketing-sourced pipeline created: {money(mk['marketing'])} of {money(mk['pipeline_created'])} "
                  f"({fmt.pct(mk['share'])}; target {fmt.pct(mk['target'])})"]
    h = b["hygiene"]
    lines += ["", "Hygiene: " + ", ".join(f"{n:,} {h['labels'][k]}" for k, n in h["counts"].items() if n)]
    return "\n".join(lines)


def call_scopes(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Who a forecast call can be for: the territories and owners of the deals, and the company."""
    t = [r[0] for r in con.execute("select distinct territory from deal_facts where deal_id is not null "
                                   "order by 1").fetchall()]
    o = [r[0] for r in con.execute("select distinct owner from deal_facts where deal_id is not null and "
                                   "owner <> 'Unassigned' order by 1").fetchall()]
    return {"territory": t, "owner": o, "company": ["All"]}

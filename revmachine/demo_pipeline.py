"""The demo's pipeline history: what a CRM's field history would say about the demo's deals.

Grown on top of the demo (revmachine/demo.py) without touching its story: every deal keeps its
created and close dates, outcome and final amount, so won revenue, the funnel and the targets are
the same. What it adds, with its own random stream (the demo's is unchanged):

* each deal's expected close date over its life: a first estimate (a fifth left at HubSpot's default,
  the last day of the month it was created), pushed when it passes (reps stop updating deals open
  for more than nine months: those sit past their close date), pushed or pulled in now and then, and
  set to the real close date when the deal closes;
* amount changes (the final amount is the deal's amount), forecast categories (Pipeline, Best Case
  from the proposal, Commit for most deals that will be won and some that will not, Closed / Omitted
  at the close), a few owner changes, probabilities by stage;
* the history as a Salesforce OpportunityFieldHistory export would give it (deal_field_history);
* personal quotas per rep that add up to the territory's target, with one rep carrying a much
  heavier share than the opportunity in their book (quota equity has something to flag);
* the forecast calls of the last four complete quarters per territory (EMEA and APAC over-call,
  North America under-calls) and marketing's target share of pipeline created (50%).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ANCHOR = pd.Timestamp(2026, 11, 20)
HEAVY_QUOTA_REP = "Quinn Singh"  # APAC: carries 40% of APAC's quota with a quarter of its opportunity
CATEGORY_NAMES = {"pipeline": "Pipeline", "best_case": "Best Case", "commit": "Commit", "closed": "Closed",
                  "omitted": "Omitted"}
STAGE_PROBABILITY = {"opportunity": 0.2, "proposal": 0.6, "won": 1.0}
MARKETING_PIPELINE_TARGET = 0.5
CALL_BIAS = {"North America": 0.93, "EMEA": 1.18, "APAC": 1.32, "LATAM": 1.02}


def _days(ts) -> np.ndarray:
    return (pd.to_datetime(pd.Series(ts)) - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy() / 86400


def _ts(days: np.ndarray) -> pd.Series:
    return pd.Series(pd.Timestamp("1970-01-01") + pd.to_timedelta(np.asarray(days, dtype=float) * 86400, unit="s"))


def grow(tables: dict[str, pd.DataFrame], seed: int) -> dict[str, pd.DataFrame]:
    """The demo's tables with the pipeline history added (deals gain expected close dates,
    probabilities and forecast categories; deal_field_history; personal quotas in targets)."""
    rng = np.random.default_rng(seed + 7919)
    deals = tables["deals"].copy()
    leads = tables["leads"]
    n = len(deals)
    created = _days(deals.created_at)
    closed = _days(deals.closed_at)
    is_closed = ~np.isnan(closed)
    anchor = _days([ANCHOR])[0]
    end = np.where(is_closed, closed, anchor)
    proposal = _days(deals.lead_id.map(leads.set_index("lead_id").proposal_at))
    won = deals.is_won.to_numpy()
    lost = deals.is_lost.to_numpy()
    events: list[tuple[np.ndarray, str, np.ndarray, np.ndarray, np.ndarray]] = []  # (idx, field, at, old, new)

    # --- expected close date ------------------------------------------------------------------
    month_end = _days(deals.created_at.dt.to_period("M").dt.end_time.dt.normalize())
    default = rng.random(n) < 0.2
    e = np.where(default, month_end, np.floor(created + rng.uniform(21, 90, n)))
    week = created.copy()
    for _ in range(160):  # one step a week over the deal's life
        week = week + 7
        live = week < end
        if not live.any():
            break
        stale = (week - created) > 270  # nobody updates a deal open for nine months
        r = rng.random(n)
        overdue = live & ~stale & (e < week) & (r < 0.7)
        pull = live & ~stale & ~overdue & (e - week > 28) & (r < 0.025)
        push = live & ~stale & ~overdue & ~pull & (e >= week) & (r > 0.965)
        new_e = e.copy()
        new_e[overdue] = np.floor(week[overdue] + rng.uniform(14, 50, overdue.sum()))
        new_e[pull] = np.floor(e[pull] - rng.uniform(10, np.maximum(11, np.minimum(40, e[pull] - week[pull] - 10))))
        new_e[push] = np.floor(e[push] + rng.uniform(14, 60, push.sum()))
        moved = overdue | pull | push
        at = week - rng.uniform(0, 6, n)
        at = np.maximum(at, created + 0.01)
        idx = np.flatnonzero(moved & (at < end))
        if len(idx):
            events.append((idx, "close_date", at[idx], e[idx], new_e[idx]))
            e[idx] = new_e[idx]
    close_day = np.floor(np.where(is_closed, closed, np.nan))
    fix = np.flatnonzero(is_closed & (np.floor(e) != close_day))
    events.append((fix, "close_date", closed[fix], e[fix], close_day[fix]))
    expected = np.where(is_closed, np.nan, e)

    # --- amount: a first estimate, changed once or twice, ending at the deal's amount ---------------
    amount = deals.amount.to_numpy(dtype=float)
    k = np.where(rng.random(n) < 0.35, rng.integers(1, 3, n), 0)
    f1 = np.exp(rng.normal(0, 0.2, n))
    f2 = np.exp(rng.normal(0, 0.15, n))
    a0 = np.round(amount / np.where(k >= 1, f1, 1) / np.where(k >= 2, f2, 1), 2)
    a1 = np.where(k >= 2, np.round(a0 * f1, 2), amount)
    t1 = created + (end - created) * rng.uniform(0.15, 0.5, n)
    t2 = created + (end - created) * rng.uniform(0.55, 0.95, n)
    one = np.flatnonzero(k >= 1)
    events.append((one, "amount", t1[one], a0[one], a1[one]))
    two = np.flatnonzero(k >= 2)
    events.append((two, "amount", t2[two], a1[two], amount[two]))

    # --- forecast category ----------------------------------------------------------------------
    cat = np.array(["pipeline"] * n, dtype=object)
    has_prop = ~np.isnan(proposal) & (proposal < end + 1)
    bc = np.flatnonzero(has_prop)
    events.append((bc, "forecast_category", np.maximum(proposal[bc], created[bc] + 0.02),
                   cat[bc], np.array(["best_case"] * len(bc), dtype=object)))
    cat[bc] = "best_case"
    p_commit = np.where(won, 0.75, np.where(lost, 0.25, 0.5))
    commit_at = np.where(is_closed, closed - rng.uniform(7, 35, n), e - rng.uniform(10, 30, n))
    commit = has_prop & (rng.random(n) < p_commit) & (commit_at > proposal) & (commit_at < end)
    ci = np.flatnonzero(commit)
    events.append((ci, "forecast_category", commit_at[ci], cat[ci], np.array(["commit"] * len(ci), dtype=object)))
    cat[ci] = "commit"
    cl = np.flatnonzero(is_closed)
    final = np.where(won[cl], "closed", "omitted").astype(object)
    events.append((cl, "forecast_category", closed[cl], cat[cl], final))
    cat[cl] = final

    # --- a few owner changes within the territory ------------------------------------------------
    reps = tables["owners"].groupby("territory").owner.apply(list).to_dict()
    owner = deals.owner.to_numpy(dtype=object)
    moved_owner = np.flatnonzero(rng.random(n) < 0.04)
    before = np.array([rng.choice([r for r in reps.get(t, [o]) if r != o] or [o])
                       for t, o in zip(deals.territory.to_numpy()[moved_owner], owner[moved_owner], strict=True)],
                      dtype=object)
    t_own = created + rng.uniform(3, 30, n)
    keep = moved_owner[t_own[moved_owner] < end[moved_owner]]
    before = before[np.isin(moved_owner, keep)]
    events.append((keep, "owner", t_own[keep], before, owner[keep]))

    deals["expected_close_at"] = _ts(expected).where(~np.isnan(expected)).to_numpy()
    deals["forecast_category"] = [CATEGORY_NAMES[c] for c in cat]
    stage = deals.stage.where(deals.stage.notna(), "lost").to_numpy(dtype=object)
    deals["probability"] = [0.0 if s == "lost" else STAGE_PROBABILITY.get(s, 0.2) for s in stage]
    history = _history(deals, events)
    out = dict(tables)
    out["deals"] = deals
    out["deal_field_history"] = history
    out["targets"] = personal_quotas(tables["targets"], deals, tables["owners"], rng)
    return out


def _history(deals: pd.DataFrame, events) -> pd.DataFrame:
    """The events as OpportunityFieldHistory rows: text values as the export writes them."""
    ids = deals.deal_id.to_numpy()
    parts = []
    for idx, field, at, old, new in events:
        if not len(idx):
            continue

        def text(v, field=field):
            v = np.asarray(v)
            if field == "close_date":
                return _ts(v).dt.strftime("%Y-%m-%d").to_numpy()
            if field == "amount":
                return np.array([f"{x:.2f}" for x in v], dtype=object)
            if field == "forecast_category":
                return np.array([CATEGORY_NAMES[x] for x in v], dtype=object)
            return v.astype(object)

        parts.append(pd.DataFrame({"deal_id": ids[idx], "field": field,
                                   "changed_at": _ts(at).dt.floor("s").to_numpy(),
                                   "old_value": text(old), "new_value": text(new)}))
    h = pd.concat(parts, ignore_index=True)
    h = h[h.old_value != h.new_value]
    h = h.sort_values(["changed_at", "deal_id", "field"]).drop_duplicates(["deal_id", "field", "changed_at",
                                                                          "new_value"])
    h = h[h.changed_at <= ANCHOR].reset_index(drop=True)
    h.insert(1, "source_row", np.arange(2, len(h) + 2))
    return h


def personal_quotas(targets: pd.DataFrame, deals: pd.DataFrame, owners: pd.DataFrame,
                    rng: np.random.Generator) -> pd.DataFrame:
    """Each territory's quarterly target split among its reps as personal quotas (scope personal),
    near their share of the territory's deals; one rep's share is much heavier (HEAVY_QUOTA_REP)."""
    team = targets.assign(scope="team")
    rows = []
    by_territory = owners.groupby("territory").owner.apply(list).to_dict()
    for r in team.itertuples():
        reps = by_territory.get(r.territory, [])
        if not reps:
            continue
        weight = rng.uniform(0.9, 1.1, len(reps))
        if HEAVY_QUOTA_REP in reps:
            i = reps.index(HEAVY_QUOTA_REP)
            rest = [j for j in range(len(reps)) if j != i]
            weight[rest] = weight[rest] / weight[rest].sum() * 0.6
            weight[i] = 0.4
        share = weight / weight.sum()
        quotas = np.round(r.revenue_target * share, -2)
        for rep, q in zip(reps, quotas, strict=True):
            rows.append({"period_start": r.period_start, "period_end": r.period_end, "territory": r.territory,
                         "revenue_target": float(q), "mql_quota": None, "owner": rep, "scope": "personal"})
    personal = pd.DataFrame(rows)
    out = pd.concat([team, personal], ignore_index=True)
    out["source_row"] = np.arange(2, len(out) + 2)
    return out


def as_it_stood(t: dict[str, pd.DataFrame], full: dict[str, pd.DataFrame], cut: pd.Timestamp
                ) -> dict[str, pd.DataFrame]:
    """The pipeline fields of the demo's deals as an export taken at `cut` gives them: the history
    up to then, and each open deal's expected close, amount, category and owner as they were."""
    if "deal_field_history" not in full:
        return t
    h = full["deal_field_history"]
    h = h[h.changed_at <= cut]
    t = dict(t)
    t["deal_field_history"] = h.copy()
    deals = t["deals"].copy()
    later = full["deal_field_history"]
    later = later[later.changed_at > cut].sort_values("changed_at")
    first_after = later.drop_duplicates(["deal_id", "field"])  # its old value is the value at the cut
    for field in ("amount", "close_date", "forecast_category", "owner"):
        vals = first_after[first_after.field == field].set_index("deal_id").old_value
        hit = deals.deal_id.isin(vals.index)
        if not hit.any():
            continue
        v = deals.loc[hit, "deal_id"].map(vals)
        if field == "amount":
            deals.loc[hit, "amount"] = v.astype(float).to_numpy()
        elif field == "close_date":
            deals.loc[hit, "expected_close_at"] = pd.to_datetime(v).to_numpy()
        elif field == "forecast_category":
            deals.loc[hit, "forecast_category"] = v.to_numpy()
        else:
            deals.loc[hit, "owner"] = v.to_numpy()
    # a deal closed after the cut was open then: expected to close on the day it did, unless a
    # close-date change after the cut says otherwise (handled above); not yet Closed / Omitted
    closed_full = deals.deal_id.map(full["deals"].set_index("deal_id").closed_at)
    reopened = deals.closed_at.isna() & closed_full.notna()
    no_change = reopened & deals.expected_close_at.isna()
    deals.loc[no_change, "expected_close_at"] = closed_full[no_change].dt.normalize().to_numpy()
    was = deals.deal_id.map(first_after[first_after.field == "forecast_category"].set_index("deal_id").old_value)
    deals.loc[reopened & was.isna(), "forecast_category"] = "Pipeline"
    deals.loc[deals.closed_at.notna(), "expected_close_at"] = pd.NaT
    open_now = deals.closed_at.isna()
    deals.loc[open_now, "probability"] = np.where(deals.loc[open_now, "stage"] == "proposal",
                                                  STAGE_PROBABILITY["proposal"], STAGE_PROBABILITY["opportunity"])
    t["deals"] = deals
    if "targets" in full:
        t["targets"] = full["targets"]
    return t


def forecast_calls(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The calls of the last four complete quarters before the anchor, one per territory, recorded
    six weeks before each quarter ended: commit = what the quarter went on to win, times the
    territory's habit (CALL_BIAS: EMEA and APAC over-call, North America under-calls) and a little
    noise; best case 20% above."""
    deals = tables["deals"]
    won = deals[deals.is_won].assign(q=lambda d: d.closed_at.dt.to_period("Q"))
    actual = won.groupby(["territory", "q"]).amount.sum()
    rows = []
    quarters = pd.period_range((ANCHOR - pd.DateOffset(months=12)).to_period("Q"), ANCHOR.to_period("Q") - 1, freq="Q")
    for q in quarters:
        for terr, bias in CALL_BIAS.items():
            a = float(actual.get((terr, q), 0.0))
            if not a:
                continue
            commit = round(a * bias * (1 + 0.04 * np.sin(q.quarter + len(terr))), -3)
            made = (q.end_time - pd.Timedelta(days=42)).normalize() + pd.Timedelta(hours=10)
            rows.append({"period": f"{q.year}-Q{q.quarter}", "scope_kind": "territory", "scope": terr,
                         "commit_amount": commit, "best_case_amount": round(commit * 1.2, -3),
                         "called_by": f"{terr} Manager", "note": None, "recorded_at": made.to_pydatetime(),
                         "recorded_by": "demo", "data_as_of": (made - pd.Timedelta(days=1)).date()})
    return pd.DataFrame(rows)


def seed_meeting(path, tables: dict[str, pd.DataFrame]) -> None:
    """The demo's forecast calls and marketing's pipeline target, in one write."""
    from revmachine import forecast, pipeline, state

    calls = forecast_calls(tables)
    with state.write(path, None, "forecast", "forecast.add", "demo forecast calls", f"{len(calls)} calls") as w:
        forecast.insert_calls(w.con, calls)
    pipeline.save_marketing_target(MARKETING_PIPELINE_TARGET, path)


def spreadsheet_columns(deals: pd.DataFrame) -> pd.DataFrame:
    """The deals as a Salesforce report exports them: an open deal's Close Date is its expected close,
    Probability (%) on the 0-100 scale, the Forecast Category."""
    d = deals.copy()
    if "expected_close_at" in d:
        d["closed_at"] = d.closed_at.where(d.closed_at.notna(), d.expected_close_at)
        d = d.drop(columns=["expected_close_at"])
    if "probability" in d:
        d["probability"] = (d.probability * 100).round()
    return d


def quota_sheet(targets: pd.DataFrame) -> pd.DataFrame | None:
    """The personal quotas as a quota sheet (Quarter, Sales Rep, Quota)."""
    if "scope" not in targets:
        return None
    p = targets[targets.scope == "personal"].copy()
    p["Quarter"] = pd.to_datetime(p.period_start).dt.to_period("Q").astype(str).str.replace("Q", "-Q")
    return p.rename(columns={"owner": "Sales Rep", "revenue_target": "Quota"})[["Quarter", "Sales Rep", "Quota"]]


def history_sheet(history: pd.DataFrame) -> pd.DataFrame:
    """deal_field_history as Salesforce's OpportunityFieldHistory export names it."""
    fields = {"amount": "Amount", "close_date": "CloseDate", "forecast_category": "ForecastCategoryName",
              "owner": "Owner"}
    return pd.DataFrame({"OpportunityId": history.deal_id, "Field": history.field.map(fields),
                         "OldValue": history.old_value, "NewValue": history.new_value,
                         "CreatedDate": pd.to_datetime(history.changed_at).dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")})


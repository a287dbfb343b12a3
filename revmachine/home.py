"""The meeting home: this period's story on one screen, from the same functions as the pages.

Every figure comes from the function its own page calls, for the same window and filters, so the
home and the dashboard / funnel / matrix can never disagree: won revenue and attainment from
metrics.scorecard, the target from metrics.attainment_by_territory over the whole period, the SLA
from metrics.sla_by_territory and sla_breaches, the bottleneck from funnel.build, the spin doctors
and silent operatives from matrix.build over its own window (the last four complete quarters: a
quarter's campaigns have too few leads to judge). The open actions (open_actions) come from
meeting.actions on the app-state file, so adding one leaves the story's cached figures as they are.
"""

from __future__ import annotations

from typing import Any

import duckdb

from revmachine import funnel, matrix, meeting, metrics, periods
from revmachine.filters import Filters

HOME_FIGURES = ("won_revenue", "won_deals", "attainment", "mql_quota_attainment")


def _known(v) -> bool:
    return matrix.known(v)


def matrix_window(con: duckdb.DuckDBPyConnection) -> periods.Period:
    """The marketer matrix's default window: the last four complete quarters of the data."""
    return matrix.default_window(con)


def pace(won: float | None, target: float | None, p: periods.Period, fy_start: int = 1) -> float | None:
    """Where the period ends at today's rate, against its whole target: won so far x (days in the
    period / days so far) / the period's target. For a complete period: the attainment itself."""
    if not _known(won) or not _known(target) or not target:
        return None
    full = p.full(fy_start)
    return float(won) * full.days / p.days / float(target)


def story(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters()) -> dict[str, Any]:
    cfg = metrics.settings(con)
    fy = int(cfg["fy_start"])
    p = periods.parse(period_label, fy)
    full = p.full(fy)
    # the four scorecard figures the home shows, from the dashboard's own function
    card = metrics.scorecard(con, period_label, filt, trend_n=1, figures=HOME_FIGURES)
    rows = {r.metric: r for r in card["rows"] if r.segment is None}
    won = rows["won_revenue"].value
    beyond = bool(filt.channel or filt.owner or filt.sourced_by)

    # attainment: to date against the whole period's target, and the pace
    att_full = metrics.attainment_by_territory(con, full.label, filt)
    target = None
    if not beyond and len(att_full) and att_full.revenue_target.notna().any():
        target = float(att_full.revenue_target.sum())
    attainment = {
        "won": won, "won_deals": rows["won_deals"].value, "target": target,
        "share_of_target": metrics.ratio(won, target) if target else None,
        "pace": pace(won, target, p, fy), "dashboard_attainment": rows["attainment"].value,
        "full_period": full, "days_so_far": p.days, "days_in_period": full.days,
        "note": "Targets are set per territory: clear the channel, owner and sourced-by filters." if beyond else
                (None if target else "No revenue target covers this period (targets sheet)."),
    }

    # the territory furthest behind its target for the window (prorated, as on the dashboard)
    att = metrics.attainment_by_territory(con, period_label, filt)
    behind = None
    if not beyond and len(att):
        ranked = [(r.won_revenue / r.revenue_target, r) for r in att.itertuples()
                  if _known(r.revenue_target) and r.revenue_target > 0]
        if ranked:
            a, r = min(ranked, key=lambda x: x[0])
            behind = {"territory": r.territory, "attainment": a, "won": float(r.won_revenue),
                      "target": float(r.revenue_target), "gap": float(r.revenue_target - r.won_revenue),
                      "territories": len(ranked)}

    # the bottleneck, as the funnel page names it
    # (a period to date is often too recent to judge: then the last complete period's, said so)
    f = funnel.build(con, period_label, filt)
    bottleneck_window, why = p, None
    if not f.bottleneck and p.grain in ("month", "quarter", "year"):
        earlier = p.full(fy).shift(-1, fy)
        f_prev = funnel.build(con, earlier.label, filt)
        if f_prev.bottleneck:
            why = f"{p.describe()} has no step mature enough to judge yet: {f.sentence}"
            f, bottleneck_window = f_prev, earlier
    bottleneck = None
    if f.bottleneck:
        b = f.bottleneck
        bottleneck = {"step": b["step"], "rate": b["rate"], "benchmark": b["benchmark"],
                      "revenue_at_stake": b["revenue_at_stake"], "entered": b["entered"],
                      "window": bottleneck_window, "why": why}

    # both sides of the SLA, as the dashboard's scoreboard: marketing's own MQLs against its quota
    # (the sales-sourced ones beside it), sales judged on marketing's handoffs
    sla = metrics.sla_by_territory(con, period_label, filt)
    breaches = metrics.sla_breaches(con, period_label, filt)
    sla_out: dict[str, Any] = {"mqls": 0, "sales_sourced_mqls": 0, "unmapped_mqls": 0, "quota": None,
                               "within": None, "attempts": None, "feedback": None, "never_touched": None,
                               "breaches": len(breaches), "worst": None, "hours": cfg["sla_hours"],
                               "min_attempts": cfg["min_attempts"]}
    if len(sla):
        sla_out.update(sales_sourced_mqls=int(sla.sales_sourced_mqls.sum()),
                       unmapped_mqls=int(sla.unmapped_mqls.sum()))
    # marketing's quota attainment is the scorecard's own figure (the dashboard tile's, same function)
    quota_row = rows.get("mql_quota_attainment")
    if quota_row is not None and quota_row.detail:
        sla_out.update(quota=quota_row.detail.get("quota"), quota_share=quota_row.value,
                       quota_note=quota_row.note)
    if len(sla) and sla.mqls.sum() > 0:
        mqls = int(sla.mqls.sum())
        sla_out.update(mqls=mqls,
                       within=metrics.ratio(sla.within_sla.sum(), mqls) if cfg["sla_hours"] is not None else None,
                       attempts=metrics.ratio(sla.min_attempts_met.sum(), mqls),
                       feedback=metrics.ratio(sla.with_feedback.sum(), mqls),
                       never_touched=metrics.ratio(sla.never_touched.sum(), sla.past_first_touch_window.sum()))
        key = "within_sla" if cfg["sla_hours"] is not None else "with_feedback"
        per = [(getattr(r, key) / r.mqls, r) for r in sla.itertuples() if r.mqls]
        if per:
            share, r = min(per, key=lambda x: x[0])
            sla_out["worst"] = {"territory": r.territory, "within": share,
                                "breaches": int((breaches.territory == r.territory).sum()) if len(breaches) else 0,
                                "median_hours": None if not _known(r.median_response_hours) else
                                float(r.median_response_hours)}

    # spin doctors and silent operatives over the matrix's window
    mw = matrix_window(con)
    m = matrix.build(con, mw.label, filt, "campaign")  # against the team's alternate channel
    pts = m.points.sort_values("spend", ascending=False, na_position="last")
    quadrants = {q: pts[pts.quadrant == q].entity.tolist() for q in ("spin doctor", "silent operative")}

    return {"period": p, "card_period": card["period"], "filters": filt.describe(), "attainment": attainment,
            "behind": behind, "bottleneck": bottleneck, "bottleneck_sentence": f.sentence, "sla": sla_out,
            "matrix_window": mw, "matrix_baseline": m.baseline.name, "matrix_median_split": not m.with_interval,
            "spin_doctors": quadrants["spin doctor"],
            "silent_operatives": quadrants["silent operative"], "currency": cfg["currency"]}


def open_actions(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The open action items for the home's card, on a connection of the app-state file (they are
    kept apart from the data: adding one leaves the story's cached figures as they are)."""
    items = meeting.actions(con)
    open_items = items[items.status == "open"] if len(items) else items
    return {"actions": open_items[["action_id", "step", "title", "owner", "due_date"]].head(4)
            if len(open_items) else open_items, "open_actions": len(open_items)}

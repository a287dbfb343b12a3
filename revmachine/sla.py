"""Handoff SLAs (domain.md "Revenue SLA"; seed 003: SLAs "at key lead handoff points"): one
scoreboard per handoff that has SLA hours set in the stage settings, each with its own clock.

The clock starts when a record enters the stage and stops at the first sales touch for the MQL
stage (speed to lead) and, at any other stage, when the record moves on or exits
(queries/sla/handoff_clocks.sql). A stage marketing owns counts only marketing-sourced records.
The worst territory and owner are those with the most breaches (the smallest share within the SLA
among the records whose clock has run, on a tie; the waiting ones are not judged yet).
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from revmachine import metrics, periods, sql
from revmachine.filters import Filters


def _share(within: float, judged: float) -> float | None:
    return metrics.ratio(within, judged) if judged else None


def _worst(rows: pd.DataFrame, key: str) -> dict[str, Any] | None:
    """The territory or owner with the most breaches (the smallest share within the SLA on a tie);
    None when nobody breaches."""
    if rows.empty:
        return None
    judged = rows.assign(judged=rows.entered - rows.waiting)
    judged = judged[(judged.judged > 0) & (judged.breaches > 0)]
    if judged.empty:
        return None
    pool = judged.assign(share=judged.within_sla / judged.judged)
    r = pool.sort_values(["breaches", "share", key], ascending=[False, True, True]).iloc[0]
    return {"name": r[key], "within": float(r.share), "breaches": int(r.breaches), "judged": int(r.judged)}


def clock_text(stage: str, to_label: str) -> str:
    """What stops the clock, in words."""
    if stage == "mql":
        return "from the handoff (MQL date) to the first sales touch"
    return f"from entering the stage to reaching {to_label} or exiting"


def handoffs(con: duckdb.DuckDBPyConnection, period_label: str, filt: Filters = Filters()) -> list[dict[str, Any]]:
    """Every handoff with an SLA set, in funnel order: label, clock, hours, entered, within (share),
    breaches, waiting, median hours, the worst territory and owner. A handoff with no record in
    the window is listed with 0 entered."""
    cfg = metrics.settings(con)
    p = periods.parse(period_label, int(cfg["fy_start"]))
    rows = sql.df(con, "sla/handoff_clocks", period_start=p.start, period_end=p.end, **filt.params())
    configured = con.execute("""
        select s.stage_index, s.stage, s.label, s.sla_hours, s.owner,
               coalesce(
                   (select n.label from funnel_stages as n where n.stage_index > s.stage_index and n.in_funnel
                    order by n.stage_index limit 1),
                   (select n.label from funnel_stages as n where n.stage_index = s.stage_index + 1)
               ) as to_label
        from funnel_stages as s
        where s.sla_hours is not null and s.in_funnel
        order by s.stage_index
    """).fetchall()
    out = []
    for idx, stage, label, hours, stage_owner, to_label in configured:
        if to_label is None:  # the last stage: nothing to hand off to (the stage editor refuses it)
            continue
        mine = rows[rows.stage_index == idx]
        total = mine[mine.territory.isna() & mine.owner.isna()]
        t = total.iloc[0] if len(total) else None
        entered = int(t.entered) if t is not None else 0
        waiting = int(t.waiting) if t is not None else 0
        within = int(t.within_sla) if t is not None else 0
        out.append({
            "stage": stage, "handoff": f"{label} → {to_label}", "clock": clock_text(stage, to_label),
            "sla_hours": float(hours), "entered": entered, "within_sla": within,
            "within": _share(within, entered - waiting), "breaches": int(t.breaches) if t is not None else 0,
            "waiting": waiting,
            "median_hours": None if t is None or pd.isna(t.median_hours) else float(t.median_hours),
            "marketing_sourced_only": stage == "mql" or stage_owner == "marketing",
            "worst_territory": _worst(mine[mine.territory.notna()], "territory"),
            "worst_owner": _worst(mine[mine.owner.notna()], "owner"),
        })
    return out


"""Meeting mode (seed 002, "Optimization and feedback loops"): the weekly brief from dated snapshots,
action items with owners, and the meeting pack.

A snapshot is taken in every load's transaction, so "last week" is the data as it stood then and a
later upload never rewrites it. It holds, up to the data's latest timestamp: the records entering
each stage in the last 7 days; the conversion at each step over the last 91 days; the SLA breaches
(lead by lead), won revenue per territory and leads per channel over the last 28 days; and the
bottleneck of the latest complete quarter. Snapshots are company-wide (no filters).

"Last week" is the snapshot whose data runs to the date nearest seven days before the latest
snapshot's (among snapshots of earlier data): not the previous load, so loading the same data
again compares with the same week and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import duckdb
import pandas as pd

from revmachine import access, funnel, metrics, periods, sql, state
from revmachine import format as fmt
from revmachine.errors import UserError

WINDOW_DAYS = 28
RATE_DAYS = 91
WEEK_DAYS = 7
STATUSES = ("open", "done", "dropped")


def window(con: duckdb.DuckDBPyConnection, days: int = WINDOW_DAYS) -> periods.Period | None:
    """The `days` days up to the data's latest timestamp."""
    last = con.execute("select max(cast(data_as_of as date)) from funnel_records").fetchall()[0][0]
    if last is None:
        return None
    return periods.date_range(last - dt.timedelta(days=days - 1), last + dt.timedelta(days=1))


def snapshot(con: duckdb.DuckDBPyConnection, batch_id: int | None, at: dt.datetime | None = None) -> None:
    """Record this load's meeting snapshot (inside the load's transaction)."""
    w = window(con)
    if w is None:
        return
    at = (at or dt.datetime.now()).replace(microsecond=0)
    rows: list[list[Any]] = []

    def add(metric, segment, value, num=None, den=None):
        rows.append([at, batch_id, w.label, metric, segment, value, num, den])

    f = funnel.build(con, window(con, RATE_DAYS).label)
    for r in f.steps.itertuples():
        add("step_rate", r.step, r.rate, r.converted, r.entered)
    week = window(con, WEEK_DAYS)
    for r in sql.df(con, "meeting/stage_entries", period_start=week.start, period_end=week.end).itertuples():
        add("stage_entries", r.label, float(r.entered))
    q = funnel.build(con, metrics.default_period_label(con))
    if q.bottleneck:
        add("bottleneck", q.bottleneck["step"], q.bottleneck["revenue_at_stake"])
    for lead_id in metrics.sla_breaches(con, w.label)["lead_id"]:
        add("sla_breach", lead_id, 1.0)
    # won revenue and leads from their per-day counts and sums built at load time (the rollups)
    for t, v in con.execute("""
            select territory, coalesce(sum(amount), 0) from rollup_funnel_won
            where won_date >= ? and won_date < ? group by territory""", [w.start, w.end]).fetchall():
        add("territory_won", t, float(v))
    for c, n in con.execute("""
            select channel, sum(records) from rollup_funnel_records
            where record_type = 'lead' and created_date >= ? and created_date < ? group by channel""",
                            [w.start, w.end]).fetchall():
        add("channel_leads", c, float(n))
    # one insert of all rows (an executemany runs one statement per row: seconds for 5,000 breaches)
    frame = pd.DataFrame(rows, columns=["snapshot_at", "batch_id", "period", "metric", "segment",
                                        "value", "numerator", "denominator"])
    con.register("snapshot_rows", frame.astype({"value": "float64", "numerator": "float64",
                                                "denominator": "float64"}))
    try:
        con.execute("insert into scorecard_snapshots select * from snapshot_rows")
    finally:
        con.unregister("snapshot_rows")


def snapshots(con: duckdb.DuckDBPyConnection) -> list[dt.datetime]:
    return [r[0] for r in con.execute(
        "select distinct snapshot_at from scorecard_snapshots order by snapshot_at").fetchall()]


def _snap(con, at) -> pd.DataFrame:
    return con.execute("select * from scorecard_snapshots where snapshot_at = ?", [at]).df()


def _pct(x: float | None) -> str:
    return fmt.pct(x)


def _money(v: float) -> str:
    return fmt.money(v)


def _as_of(window_label: str, at: dt.datetime) -> dt.date:
    """The last day of the data a snapshot was taken from (its window's end), else its own date."""
    try:
        return periods.parse(window_label).end - dt.timedelta(days=1)
    except ValueError:
        return at.date()


def last_week(con: duckdb.DuckDBPyConnection) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(this week's snapshot, last week's): the latest snapshot, and among the snapshots of earlier
    data the one whose data ends nearest seven days before (the later one on a tie)."""
    rows = con.execute("select snapshot_at, any_value(period) from scorecard_snapshots group by 1 order by 1").fetchall()
    if not rows:
        return None, None
    now_at, now_window = rows[-1]
    now_day = _as_of(now_window, now_at)
    earlier = [(at, _as_of(w, at)) for at, w in rows[:-1] if _as_of(w, at) < now_day]
    if not earlier:
        return now_at, None
    goal = now_day - dt.timedelta(days=WEEK_DAYS)
    prev_at, _ = min(earlier, key=lambda x: (abs((x[1] - goal).days), -x[0].timestamp()))
    return now_at, prev_at


def brief(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """This week vs last week: the latest snapshot against the one of the data nearest seven days
    before it (module docstring), company-wide, each figure with its window."""
    now_at, prev_at = last_week(con)
    if now_at is None:
        return {"available": False, "sentences": ["No snapshot yet: one is taken at every load."]}
    cur = _snap(con, now_at)
    prev = _snap(con, prev_at) if prev_at else cur.iloc[0:0]
    now_day = _as_of(cur.period.iloc[0], now_at)
    prev_day = _as_of(prev.period.iloc[0], prev_at) if prev_at else None
    out: dict[str, Any] = {"available": True, "current_at": now_at, "previous_at": prev_at,
                           "window": cur.period.iloc[0], "as_of": now_day, "previous_as_of": prev_day,
                           "sentences": []}
    say = out["sentences"]
    if prev_at is None:
        say.append("Only one state of the data so far: next week's brief will show the changes.")
    elif (now_day - prev_day).days != WEEK_DAYS:
        say.append(f"No data exactly a week older: comparing with the data as of {fmt.date(prev_day)} "
                   f"({(now_day - prev_day).days} days before).")

    # conversion points
    steps = []
    pr = prev[prev.metric == "step_rate"].set_index("segment")
    for r in cur[cur.metric == "step_rate"].itertuples():
        before = pr.value.get(r.segment) if len(pr) else None
        before = None if before is None or pd.isna(before) else float(before)
        now = None if pd.isna(r.value) else float(r.value)
        change = None if before is None or now is None else now - before
        steps.append({"step": r.segment, "rate": now, "previous": before, "change": change,
                      "entered": r.denominator, "converted": r.numerator})
    out["steps"] = steps
    ent_prev = prev[prev.metric == "stage_entries"].set_index("segment").value
    entries = [{"stage": r.segment, "this_week": int(r.value),
                "last_week": int(ent_prev[r.segment]) if r.segment in ent_prev.index else None}
               for r in cur[cur.metric == "stage_entries"].itertuples()]
    out["entries"] = entries
    if entries:
        say.append(f"This week (the 7 days to {fmt.date(now_day)}) at each conversion point: " + ", ".join(
            f"{e['this_week']:,} {e['stage']}" + (f" ({e['this_week'] - e['last_week']:+,})"
                                                  if e["last_week"] is not None else "") for e in entries) + ".")
    moved = [s for s in steps if s["change"] is not None]
    if moved:
        m = max(moved, key=lambda s: abs(s["change"]))
        say.append(f"Biggest move in conversion (the {RATE_DAYS} days to each date): {m['step']} at "
                   f"{_pct(m['rate'])} ({fmt.pts(m['change'])} on last week's {_pct(m['previous'])}).")
    # bottleneck
    b_now = cur[cur.metric == "bottleneck"]
    b_prev = prev[prev.metric == "bottleneck"]
    if len(b_now):
        step, stake = b_now.segment.iloc[0], float(b_now.value.iloc[0])
        if len(b_prev) and b_prev.segment.iloc[0] == step:
            say.append(f"The bottleneck of the last complete quarter is still {step}: {_money(stake)} of won "
                       f"revenue at stake (last week {_money(float(b_prev.value.iloc[0]))}).")
        elif len(b_prev):
            say.append(f"The bottleneck of the last complete quarter moved from {b_prev.segment.iloc[0]} to {step} "
                       f"({_money(stake)} at stake).")
        else:
            say.append(f"The bottleneck of the last complete quarter is {step}: {_money(stake)} of won revenue at stake.")
        out["bottleneck"] = {"step": step, "revenue_at_stake": stake,
                             "previous": b_prev.segment.iloc[0] if len(b_prev) else None}
    # SLA breaches opened and closed
    now_b = set(cur[cur.metric == "sla_breach"].segment)
    prev_b = set(prev[prev.metric == "sla_breach"].segment)
    opened, closed = sorted(now_b - prev_b), sorted(prev_b - now_b)
    out["sla"] = {"open": len(now_b), "opened": opened, "closed": closed}
    say.append(f"SLA breaches among the leads handed off in the {WINDOW_DAYS} days to {fmt.date(now_day)}: "
               f"{len(now_b):,}; {len(opened):,} new and {len(closed):,} resolved since last week.")
    # movers
    for metric, what, fmt_v in (("territory_won", "won revenue", _money),
                                ("channel_leads", "leads", fmt.count)):
        a = cur[cur.metric == metric].set_index("segment").value
        b = prev[prev.metric == metric].set_index("segment").value
        if prev_at is None or not len(a):
            continue
        delta = a.subtract(b, fill_value=0).sort_values(key=abs, ascending=False)
        if len(delta) and delta.iloc[0] != 0:
            seg = delta.index[0]
            say.append(f"Biggest mover in {what} (the {WINDOW_DAYS} days to each date): {seg}, "
                       f"{fmt_v(float(a.get(seg, 0)))} ({'+' if delta.iloc[0] > 0 else '−'}"
                       f"{fmt_v(abs(float(delta.iloc[0])))} on last week).")
        out[metric] = delta
    return out


# --- action items ---------------------------------------------------------------------------------
# kept in the app-state file (state.py): adding one writes a file of a few MB, never the data file;
# any role may add and change them (they are the meeting's own), and each names who did it

def add_action(step: str, title: str, owner: str, due: dt.date | None = None, segment_kind: str | None = None,
               segment: str | None = None, notes: str | None = None, metric_at_creation: float | None = None,
               path=None, *, actor: access.Actor | None = None) -> int:
    if not title or not title.strip():
        raise UserError("an action item needs a title: what will be done.")
    if not owner or not owner.strip():
        raise UserError("an action item needs an owner: who will do it.")
    now = dt.datetime.now().replace(microsecond=0)
    with state.write(path, actor, "action", "action.add") as w:
        new_id = w.con.execute("select coalesce(max(action_id), 0) + 1 from action_items").fetchall()[0][0]
        w.con.execute("insert into action_items values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)",
                      [new_id, now, now, step, segment_kind, segment, title.strip(), owner.strip(), due, notes,
                       metric_at_creation, w.actor.id, w.actor.id])
        w.target, w.detail = f"action item {new_id}", f"{title.strip()} (owner {owner.strip()}, due {due or '—'})"
    return new_id


def update_action(action_id: int, path=None, *, actor: access.Actor | None = None, **fields: Any) -> None:
    allowed = {"status", "owner", "due_date", "notes", "title"}
    bad = set(fields) - allowed
    if bad:
        raise UserError(f"cannot change {', '.join(sorted(bad))} of an action item.")
    if "status" in fields and fields["status"] not in STATUSES:
        raise UserError(f"status must be one of {', '.join(STATUSES)}.")
    with state.write(path, actor, "action", "action.update", f"action item {action_id}") as w:
        old = w.con.execute(f"select {', '.join(sorted(fields)) or 'action_id'} from action_items "
                            "where action_id = ?", [action_id]).fetchall()
        if not old:
            raise UserError(f"no action item {action_id}.")
        now = dt.datetime.now().replace(microsecond=0)
        for k, v in fields.items():  # k is from the fixed set above
            w.con.execute(f"update action_items set {k} = ?, updated_at = ?, updated_by = ? where action_id = ?",
                          [v, now, w.actor.id, action_id])
        w.detail = "; ".join(f"{k}: {'—' if o is None else o} → {'—' if v is None else v}"
                             for (k, v), o in zip(sorted(fields.items()), old[0], strict=True))


def actions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The action items (a connection of the app-state file: state.read, cache.state_call)."""
    return con.execute("select * from action_items order by status = 'open' desc, due_date nulls last, action_id").df()


def from_last_week(con: duckdb.DuckDBPyConnection, items: pd.DataFrame) -> pd.DataFrame:
    """Items (meeting.actions) created before this week's snapshot, with what happened to the step
    they targeted."""
    b = brief(con)
    if items.empty or not b.get("available"):
        return items.iloc[0:0]
    items = items[items.created_at < b["current_at"]].copy()
    rates = {s["step"]: s["rate"] for s in b.get("steps", [])}
    items["metric_now"] = [rates.get(s) for s in items.step]
    items["metric_change"] = [None if n is None or c is None or pd.isna(c) else n - c
                              for n, c in zip(items.metric_now, items.metric_at_creation, strict=True)]
    return items


# --- the meeting pack ---------------------------------------------------------------------------

def pack_html(b: dict[str, Any], card: dict[str, Any], charts_svg: dict[str, str], items: pd.DataFrame) -> str:
    """One self-contained HTML file: the brief, the scorecard, charts as inline SVG, the actions.
    Every piece of data text is escaped; the charts are SVG made by vl-convert from our specs."""
    e = html.escape
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>Revenue machine meeting pack</title>",
             "<style>body{font-family:Arial,Helvetica,sans-serif;margin:32px;color:#222}"
             "h1{font-size:28px}h2{font-size:22px;margin-top:32px}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:left}"
             ".chart{margin:16px 0}</style></head><body>",
             f"<h1>Revenue machine meeting pack</h1><p>Data window {e(str(b.get('window', '')))}; "
             f"scorecard {e(card['period'])} ({e(card['filters'])}); made {dt.datetime.now():%d %b %Y %H:%M}.</p>",
             "<h2>This week</h2><ul>"]
    parts += [f"<li>{e(s)}</li>" for s in b.get("sentences", [])]
    parts.append("</ul><h2>Scorecard</h2><table><tr><th>metric</th><th>segment</th><th>value</th>"
                 "<th>previous</th><th>owner</th></tr>")
    for r in card["rows"]:
        m = metrics.BY_ID[r.metric]
        parts.append(f"<tr><td>{e(m.label)}</td><td>{e(r.segment or '')}</td><td>{e(_fmt(r.value, r.unit))}</td>"
                     f"<td>{e(_fmt(r.previous, r.unit))}</td><td>{e(r.owner)}</td></tr>")
    parts.append("</table>")
    for title, svg in charts_svg.items():
        parts.append(f"<h2>{e(title)}</h2><div class='chart'>{svg}</div>")
    parts.append("<h2>Action items</h2><table><tr><th>#</th><th>step</th><th>title</th><th>owner</th>"
                 "<th>due</th><th>status</th><th>notes</th></tr>")
    for r in items.itertuples():
        parts.append(f"<tr><td>{r.action_id}</td><td>{e(str(r.step))}</td><td>{e(str(r.title))}</td>"
                     f"<td>{e(str(r.owner))}</td><td>{e('' if pd.isna(r.due_date) else str(r.due_date))}</td>"
                     f"<td>{e(str(r.status))}</td><td>{e('' if r.notes is None or pd.isna(r.notes) else str(r.notes))}</td></tr>")
    parts.append("</table></body></html>")
    return "".join(parts)


def _fmt(v, unit: str) -> str:
    return fmt.value(v, unit)


def build_pack(con: duckdb.DuckDBPyConnection, period_label: str, filt=None, items: pd.DataFrame | None = None) -> str:
    """The meeting pack for the period and filters: brief, scorecard, funnel, attainment, matrix
    (charts rendered to SVG), and the action items (meeting.actions; none when not given)."""
    from revmachine import charts, matrix
    from revmachine.filters import Filters

    filt = filt or Filters()
    b = brief(con)
    card = metrics.scorecard(con, period_label, filt)
    f = funnel.build(con, period_label, filt)
    svgs = {}
    if not f.steps.empty:
        svgs["Funnel"] = chart_svg(charts.funnel_volume(f.steps, f.period.label, "period"))
    att = metrics.attainment_by_territory(con, period_label, filt)
    if len(att) and att.revenue_target.notna().any():
        svgs["Attainment by territory"] = chart_svg(charts.attainment_by_territory(att, card["period"]))
    # the matrix's own window and the team's alternate channel, as on its page
    m = matrix.build(con, matrix.default_window(con).label, filt)
    if len(m.points):
        svgs["Marketer matrix"] = chart_svg(charts.marketer_matrix(m.points, m.x_threshold, m.y_threshold, "campaign",
                                                                   m.period.describe(), m.baseline.name,
                                                                   measure=m.measure))
    b = {**b, "sentences": [f.sentence, *b.get("sentences", [])]}
    return pack_html(b, card, svgs, items if items is not None else pd.DataFrame(columns=['title']))


def chart_svg(chart) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_dict())

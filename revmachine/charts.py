"""Altair chart builders: titled, labelled axes, colour-blind-safe (Okabe-Ito) colours."""

from __future__ import annotations

import altair as alt
import pandas as pd

OWNER_COLORS = {"marketing": "#E69F00", "sales": "#0072B2", "shared": "#009E73"}
FONT = 16


def _style(chart: alt.Chart, font: int = FONT) -> alt.Chart:
    return chart.configure_axis(labelFontSize=font - 2, titleFontSize=font, labelLimit=320).configure_title(
        fontSize=font + 4, subtitleFontSize=font - 2, anchor="start").configure_legend(
        labelFontSize=font - 2, titleFontSize=font, labelLimit=320, titleLimit=320).configure_text(fontSize=font - 2)


ROOM_FONT = 22


def for_room(chart: alt.Chart) -> alt.Chart:
    """The same chart with type sized for a projector (presentation mode)."""
    return _style(chart, ROOM_FONT)


def _title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    """A chart title that states its window (in the subtitle when there is more to say)."""
    return alt.TitleParams(text, subtitle=subtitle) if subtitle else alt.TitleParams(text)


def attainment_by_territory(df: pd.DataFrame, period: str, currency: str = "$") -> alt.Chart:
    """Bullet-style: a bar of won revenue per territory and a tick at its target."""
    d = df.copy()
    d["attainment"] = [(w / t) if t else None for w, t in zip(d.won_revenue, d.revenue_target, strict=True)]
    d["label"] = [f"{a * 100:.0f}%" if a is not None else "no target" for a in d.attainment]
    d["status"] = ["on target" if (a or 0) >= 1 else "below target" for a in d.attainment]
    base = alt.Chart(d).encode(y=alt.Y("territory:N", title="Territory", sort="-x"))
    bars = base.mark_bar(height=28).encode(
        x=alt.X("won_revenue:Q", title="Won revenue", axis=alt.Axis(format="$~s" if currency == "$" else "~s")),
        color=alt.Color("status:N", title="", scale=alt.Scale(domain=["on target", "below target"],
                                                              range=["#009E73", "#D55E00"])),
        tooltip=[alt.Tooltip("territory:N", title="Territory"),
                 alt.Tooltip("won_revenue:Q", format="$,.2f" if currency == "$" else ",.2f", title="Won"),
                 alt.Tooltip("revenue_target:Q", format="$,.2f" if currency == "$" else ",.2f", title="Target"),
                 alt.Tooltip("label:N", title="Attainment")],
    )
    ticks = base.mark_tick(color="black", thickness=3, size=40).encode(x="revenue_target:Q")
    text = base.mark_text(align="left", dx=6, fontSize=FONT).encode(
        x=alt.X("max_x:Q"), text="label:N").transform_calculate(
        max_x="max(datum.won_revenue, datum.revenue_target || 0)")
    return _style((bars + ticks + text).properties(
        title=_title("Won revenue vs target by territory", f"{period} · black tick = the target"),
        height=alt.Step(48)))


def trend(values: list[float | None], labels: list[str], title: str, unit_title: str) -> alt.Chart:
    d = pd.DataFrame({"period": labels, "value": values})
    return _style(alt.Chart(d).mark_line(point=True).encode(
        x=alt.X("period:N", title="Period", sort=None), y=alt.Y("value:Q", title=unit_title),
    ).properties(title=title, height=220))


def sla_compliance(df: pd.DataFrame, period: str, sla_hours: float | None, min_attempts: int) -> alt.Chart:
    """Per territory: % touched within the SLA (when the MQL stage has SLA hours), % with the minimum
    attempts, % given feedback, of the marketing-sourced handoffs."""
    rows = []
    for r in df.itertuples():
        if not r.mqls:
            continue
        if sla_hours is not None:
            rows.append({"territory": r.territory, "measure": f"touched within {sla_hours:g} h",
                         "share": r.within_sla / r.mqls})
        rows += [
            {"territory": r.territory, "measure": f"≥ {min_attempts} attempts", "share": r.min_attempts_met / r.mqls},
            {"territory": r.territory, "measure": "feedback given", "share": r.with_feedback / r.mqls},
        ]
    d = pd.DataFrame(rows, columns=["territory", "measure", "share"])
    return _style(alt.Chart(d).mark_bar().encode(
        y=alt.Y("territory:N", title="Territory"),
        yOffset=alt.YOffset("measure:N"),
        x=alt.X("share:Q", title="Share of marketing-sourced handed-off leads", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("measure:N", title="Sales side of the SLA",
                        scale=alt.Scale(range=["#0072B2", "#56B4E9", "#009E73"])),
        tooltip=[alt.Tooltip("territory:N", title="Territory"), alt.Tooltip("measure:N", title="Measure"),
                 alt.Tooltip("share:Q", format=".0%", title="Share")],
    ).properties(title=_title("Sales SLA compliance by territory", f"leads handed off in {period}"),
                 height=alt.Step(16)))


def funnel_volume(steps: pd.DataFrame, period: str, view: str) -> alt.Chart:
    """Volume reaching each stage (the from-stage of every step, plus the last stage)."""
    rows = [{"stage": r.step.split(" → ")[0], "order": r.step_index, "records": r.entered} for r in steps.itertuples()]
    if len(steps):
        last = steps.iloc[-1]
        rows.append({"stage": last.step.split(" → ")[1], "order": last.step_index + 1, "records": last.converted})
    d = pd.DataFrame(rows)
    what = "records entering each stage" if view == "period" else "leads created in the period, by stage reached"
    base = alt.Chart(d).encode(y=alt.Y("stage:N", sort=alt.SortField("order"), title="Stage"))
    bars = base.mark_bar(color="#0072B2").encode(
        x=alt.X("records:Q", title="Records"), tooltip=["stage:N", alt.Tooltip("records:Q", format=",")])
    text = base.mark_text(align="left", dx=4, fontSize=FONT).encode(x="records:Q", text=alt.Text("records:Q", format=","))
    return _style((bars + text).properties(title=_title(f"Funnel, {period}", what),
                                           height=alt.Step(44)))


def gap_heatmap(steps: pd.DataFrame, by: str, period: str) -> alt.Chart:
    """Rows = segment, columns = step, colour = conversion minus benchmark (red = below)."""
    d = steps.copy()
    d["gap_pts"] = d["gap"] * 100
    d["label"] = [("—" if g is None or pd.isna(g) else f"{g * 100:+.0f}") for g in d["gap"]]
    d["immature"] = ~d["mature"]
    sel = alt.selection_point(name="cell", fields=["segment", "step_index"], on="click")
    base = alt.Chart(d).encode(
        x=alt.X("step:N", sort=alt.SortField("step_index"), title="Step", axis=alt.Axis(labelAngle=-20, labelLimit=240)),
        y=alt.Y("segment:N", title=by.replace("_", " ").title(), sort="ascending"),
    )
    rect = base.mark_rect(stroke="white").encode(
        color=alt.Color("gap_pts:Q", title="Conversion − benchmark (pts)",
                        legend=alt.Legend(orient="bottom", gradientLength=280),
                        scale=alt.Scale(scheme="redblue", domainMid=0, domain=[-30, 30], clamp=True)),
        opacity=alt.condition(sel, alt.value(1.0), alt.value(0.45)),
        tooltip=["segment:N", "step:N", alt.Tooltip("entered:Q", format=","),
                 alt.Tooltip("rate:Q", format=".0%", title="conversion"),
                 alt.Tooltip("benchmark:Q", format=".0%"), alt.Tooltip("revenue_at_stake:Q", format=",.0f"),
                 "immature:N"],
    ).add_params(sel)
    text = base.mark_text(fontSize=FONT - 2).encode(text="label:N")
    return _style((rect + text).properties(
        title=_title(f"Gap to benchmark by {by.replace('_', ' ')}", f"{period} · click a cell to filter the page"),
        height=alt.Step(34)))


def response_histogram(hours: pd.Series, sla_hours: float | None, period: str) -> alt.Chart:
    """Hours from handoff to first touch, with the MQL stage's SLA hours as a rule (none when unset)."""
    cap = (sla_hours or 24.0) * 4
    d = pd.DataFrame({"hours": hours.clip(upper=cap)})
    bars = alt.Chart(d).mark_bar(color="#56B4E9").encode(
        x=alt.X("hours:Q", bin=alt.Bin(maxbins=40), title=f"Hours from handoff to first touch (capped at {cap:g})"),
        y=alt.Y("count():Q", title="Handed-off leads"))
    layers = [bars]
    if sla_hours is not None:
        layers.append(alt.Chart(pd.DataFrame({"sla": [sla_hours]})).mark_rule(color="#D55E00", strokeWidth=3)
                      .encode(x="sla:Q"))
        layers.append(alt.Chart(pd.DataFrame({"sla": [sla_hours], "t": [f"SLA {sla_hours:g} h"]})).mark_text(
            align="left", dx=6, dy=-8, color="#D55E00", fontSize=FONT).encode(x="sla:Q", y=alt.value(12), text="t:N"))
    return _style(alt.layer(*layers).properties(
        title=_title("Speed to lead", f"marketing-sourced leads handed off in {period}"), height=260))


QUADRANT_COLORS = {"aligned marketer": "#009E73", "spin doctor": "#E69F00",
                   "silent operative": "#56B4E9", "mis-aligned marketer": "#D55E00",
                   "too few leads to judge": "#999999"}


def marketer_matrix(points: pd.DataFrame, x_thr: float, y_thr: float, entity: str, period: str,
                    baseline: str, moves: pd.DataFrame | None = None, height: int = 560,
                    legends: bool = True, measure: str = "revenue per lead") -> alt.Chart:
    """The 2x2: x = delivers (lift over the baseline, on a symmetric-log scale so 0× and 30× both
    fit), each with its 95% interval drawn as a line where it has one, y = demonstrates
    (closed-loop evidence), size = spend, colour = quadrant; thresholds drawn and labelled; quadrant
    names in the corners; points with too few leads to judge drawn hollow."""
    d = points.copy()
    d = d[d.delivers.notna() & d.demonstrates.notna()]
    d["spend_size"] = d["spend"].fillna(0)
    d["hollow"] = d["quadrant"] == "too few leads to judge"
    x_max = max(float(d.delivers.max()) if len(d) else 1.0, x_thr * 2, 1.0) * 1.25
    x_scale = alt.Scale(domain=[0, x_max], nice=False, type="symlog", constant=1)
    y_scale = alt.Scale(domain=[-0.05, 1.12], nice=False)
    has_interval = {"lift_low", "lift_high"} <= set(d.columns) and d["lift_high"].notna().any()
    tooltip = [alt.Tooltip("entity:N", title=entity.capitalize()), alt.Tooltip("quadrant:N", title="Quadrant"),
               alt.Tooltip("delivers:Q", format=".2f", title="Delivers (lift)")]
    if has_interval:
        d["interval"] = [("—" if pd.isna(lo) or pd.isna(hi) else f"{lo:.2f}–{hi:.2f}")
                         for lo, hi in zip(d.lift_low, d.lift_high, strict=True)]
        tooltip.append(alt.Tooltip("interval:N", title="95% interval"))
    tooltip += [alt.Tooltip("demonstrates:Q", format=".0%", title="Demonstrates"),
                alt.Tooltip("leads:Q", format=",", title="Leads"), alt.Tooltip("spend:Q", format="$,.2f", title="Spend"),
                alt.Tooltip("revenue_per_lead:Q", format="$,.2f", title="Revenue per lead"),
                alt.Tooltip("acceptance:Q", format=".0%", title="Accepted by sales"),
                alt.Tooltip("revenue_traceable:Q", format=".0%", title="Revenue traceable"),
                alt.Tooltip("record_completeness:Q", format=".0%", title="Record complete")]
    enc = dict(
        x=alt.X("delivers:Q", scale=x_scale,
                title=f"Delivers value: lift in {measure} over {baseline} (1 = as good)",
                axis=alt.Axis(values=[v for v in (0, 0.5, 1, 2, 4, 8, 16, 32, 64, 128) if v <= x_max],
                              format="~g", labelExpr="datum.label + '×'")),
        y=alt.Y("demonstrates:Q", scale=y_scale, title="Demonstrates value (evidence)" if legends else "Demonstrates",
                axis=alt.Axis(format=".0%", values=[0, 0.25, 0.5, 0.75, 1.0])),
        size=alt.Size("spend_size:Q", title="Spend", scale=alt.Scale(range=[60, 1400]),
                      legend=alt.Legend(format="$~s", tickCount=3) if legends else None),
        color=alt.Color("quadrant:N", title="Quadrant",
                        scale=alt.Scale(domain=list(QUADRANT_COLORS), range=list(QUADRANT_COLORS.values())),
                        legend=alt.Legend() if legends else None),
        tooltip=tooltip,
    )
    filled = alt.Chart(d[~d.hollow]).mark_circle(opacity=0.85, stroke="black", strokeWidth=0.5).encode(**enc)
    hollow = alt.Chart(d[d.hollow]).mark_point(filled=False, strokeWidth=2).encode(**enc)
    rules = pd.DataFrame({"x": [x_thr], "y": [y_thr]})
    vrule = alt.Chart(rules).mark_rule(strokeDash=[6, 4], color="#444").encode(x=alt.X("x:Q", scale=x_scale))
    hrule = alt.Chart(rules).mark_rule(strokeDash=[6, 4], color="#444").encode(y=alt.Y("y:Q", scale=y_scale))
    x_text = (f"delivers threshold {x_thr:.2f}" if x_thr != 1.0 or baseline == "the median point"
              else f"delivers threshold 1.00: {baseline}")
    # low on the line, above the bottom corner's name: the top row is where the named points sit
    x_label = alt.Chart(pd.DataFrame({"x": [x_thr], "y": [0.045], "t": [x_text]})).mark_text(
        align="left", dx=4, fontSize=FONT - 3, color="#444").encode(
        x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale), text="t:N")
    y_label = alt.Chart(pd.DataFrame({"x": [x_max * 0.995], "y": [y_thr], "t": [f"demonstrates threshold {y_thr:.0%}"]})).mark_text(
        align="right", dy=-8, fontSize=FONT - 3, color="#444").encode(
        x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale), text="t:N")
    corners = pd.DataFrame([
        {"x": 0, "y": 1.105, "t": "SPIN DOCTOR", "a": "left"},
        {"x": x_max * 0.99, "y": 1.105, "t": "ALIGNED MARKETER", "a": "right"},
        {"x": 0, "y": -0.035, "t": "MIS-ALIGNED MARKETER", "a": "left"},
        {"x": x_max * 0.99, "y": -0.035, "t": "SILENT OPERATIVE", "a": "right"},
    ])
    left = alt.Chart(corners[corners.a == "left"]).mark_text(align="left", dx=4, fontSize=FONT + 2, fontWeight="bold",
                                                             opacity=0.55).encode(
        x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale), text="t:N")
    right = alt.Chart(corners[corners.a == "right"]).mark_text(align="right", fontSize=FONT + 2, fontWeight="bold",
                                                               opacity=0.55).encode(
        x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale), text="t:N")
    layers = [vrule, hrule, left, right, x_label, y_label]
    if has_interval:
        iv = d[d.lift_high.notna()].copy()
        iv["hi"] = iv.lift_high.clip(upper=x_max)
        layers.append(alt.Chart(iv).mark_rule(strokeWidth=1.5, opacity=0.35).encode(
            x=alt.X("lift_low:Q", scale=x_scale), x2="hi:Q", y=alt.Y("demonstrates:Q", scale=y_scale),
            color=alt.Color("quadrant:N", scale=alt.Scale(domain=list(QUADRANT_COLORS),
                                                          range=list(QUADRANT_COLORS.values())), legend=None)))
    if moves is not None and len(moves):
        m = moves.dropna(subset=["delivers_from", "demonstrates_from", "delivers_to", "demonstrates_to"])
        layers.append(alt.Chart(m).mark_rule(color="#666", strokeWidth=1.5, strokeDash=[2, 2]).encode(
            x=alt.X("delivers_from:Q", scale=x_scale), y=alt.Y("demonstrates_from:Q", scale=y_scale),
            x2="delivers_to:Q", y2="demonstrates_to:Q"))
        layers.append(alt.Chart(m).mark_point(shape="circle", filled=False, color="#666", size=40).encode(
            x=alt.X("delivers_from:Q", scale=x_scale), y=alt.Y("demonstrates_from:Q", scale=y_scale),
            tooltip=[alt.Tooltip("entity:N"), alt.Tooltip("quadrant_from:N", title="was")]))
    layers += [filled, hollow]
    named = d[d.entity.isin(names_that_matter(d))].sort_values("delivers").copy()
    if len(named):
        # neighbours' names are staggered above and below their points so they do not overprint
        named["label_y"] = [y + (0.035, -0.045, 0.075, -0.085)[i % 4] for i, y in enumerate(named.demonstrates)]
        layers.append(alt.Chart(named).mark_text(align="left", dx=9, fontSize=FONT - 3, color="#222").encode(
            x=alt.X("delivers:Q", scale=x_scale), y=alt.Y("label_y:Q", scale=y_scale), text="entity:N"))
    sub = ("leads created in " + period + " · size = spend · line = 95% interval · hollow = too few leads to judge"
           if has_interval else "leads created in " + period + " · size = spend · hollow = too few leads to judge")
    return _style(alt.layer(*layers).properties(
        title=_title(f"Marketer matrix by {entity}", sub), height=height))


def names_that_matter(points: pd.DataFrame, per_group: int = 3) -> list[str]:
    """The points named on the matrix: the largest spend, and the spin doctors and silent
    operatives (the largest spenders first, a few each, so the names stay readable)."""
    d = points.sort_values("spend", ascending=False, na_position="last")
    out = d.entity.head(3).tolist()
    for q in ("spin doctor", "silent operative"):
        out += d[d.quadrant == q].entity.head(per_group).tolist()
    return list(dict.fromkeys(out))


def waterfall(rows: pd.DataFrame, labels: dict[str, str], title: str) -> alt.Chart:
    """Needed volume per stage (square-root scale: leads dwarf won deals), labelled with when it must enter."""
    d = rows.copy()
    d["stage_label"] = d["stage"].map(labels).fillna(d["stage"])
    d["order"] = range(len(d))
    d["text"] = [("—" if pd.isna(n) else f"{int(n):,} during the period" if i == len(d) - 1
                  else f"{int(n):,} (enter-by date unknown)" if not isinstance(e, str)
                  else f"{int(n):,} by {pd.Timestamp(e):%d %b %Y}")
                 for i, (n, e) in enumerate(zip(d["needed"], d["enter_by"], strict=True))]
    base = alt.Chart(d).encode(y=alt.Y("stage_label:N", sort=alt.SortField("order"), title="Stage"))
    bars = base.mark_bar(color="#0072B2").encode(
        x=alt.X("needed:Q", title="Needed (square-root scale)", scale=alt.Scale(type="sqrt")),
        tooltip=["stage_label:N", alt.Tooltip("needed:Q", format=","), "enter_by:N", "rate_source:N"])
    text = base.mark_text(align="left", dx=4, fontSize=FONT - 2).encode(x="needed:Q", text="text:N")
    return _style((bars + text).properties(title=title, height=alt.Step(40)))


def top_down_bottom_up(summary: pd.DataFrame, period: str) -> alt.Chart:
    """Per territory: the target beside pipeline + new leads (demand) and sales capacity."""
    rows = []
    for r in summary.itertuples():
        if pd.isna(getattr(r, "demand_revenue", float("nan"))):
            continue
        rows += [
            {"territory": r.territory, "what": "1 target (top-down)", "part": "target", "revenue": r.target or 0},
            {"territory": r.territory, "what": "2 pipeline + new leads", "part": "open pipeline", "revenue": r.pipeline_revenue},
            {"territory": r.territory, "what": "2 pipeline + new leads", "part": "new leads at run-rate", "revenue": r.new_lead_revenue},
            {"territory": r.territory, "what": "3 sales capacity", "part": "capacity", "revenue": r.capacity_revenue},
        ]
    d = pd.DataFrame(rows, columns=["territory", "what", "part", "revenue"])
    return _style(alt.Chart(d).mark_bar().encode(
        y=alt.Y("what:N", title=None, axis=alt.Axis(labelExpr="slice(datum.label, 2)", labelLimit=300)),
        x=alt.X("sum(revenue):Q", title="Revenue", axis=alt.Axis(format="$~s")),
        color=alt.Color("part:N", title="", scale=alt.Scale(
            domain=["target", "open pipeline", "new leads at run-rate", "capacity"],
            range=["#000000", "#0072B2", "#56B4E9", "#E69F00"])),
        row=alt.Row("territory:N", title=None, header=alt.Header(labelFontSize=FONT, labelAngle=0, labelAlign="left")),
        tooltip=["territory:N", "part:N", alt.Tooltip("sum(revenue):Q", format=",.0f")],
    ).properties(title=f"Top-down target vs bottom-up, {period}", height=alt.Step(22), width=480))


def pipeline_waterfall(m: dict, title: str, subtitle: str, currency: str = "$", height: int = 300) -> alt.Chart:
    """The pipeline's movement as a waterfall: start, each bar rising or falling from where the last
    one ended, end; each bar labelled with its amount and number of deals."""
    from revmachine import format as fmt

    rows, level = [], 0.0
    rows.append({"bar": "Start", "order": 0, "y0": 0.0, "y1": m["start"]["amount"], "kind": "total",
                 "label": fmt.money(m["start"]["amount"], currency), "deals": m["start"]["count"]})
    level = m["start"]["amount"]
    for i, b in enumerate(m["bars"], start=1):
        nxt = level + b["amount"]
        rows.append({"bar": b["label"], "order": i, "y0": level, "y1": nxt,
                     "kind": "up" if b["amount"] > 0 else "down" if b["amount"] < 0 else "none",
                     "label": ("+" if b["amount"] > 0 else "−" if b["amount"] < 0 else "") +
                     fmt.money(abs(b["amount"]), currency), "deals": b["count"]})
        level = nxt
    rows.append({"bar": "End", "order": len(rows), "y0": 0.0, "y1": m["end"]["amount"], "kind": "total",
                 "label": fmt.money(m["end"]["amount"], currency), "deals": m["end"]["count"]})
    d = pd.DataFrame(rows)
    d["top"] = d[["y0", "y1"]].max(axis=1)
    d["text"] = [f"{lbl} ({n:,})" for lbl, n in zip(d.label, d.deals, strict=True)]
    x = alt.X("bar:N", sort=alt.SortField("order"), title=None, axis=alt.Axis(labelAngle=0, labelLimit=200))
    # room above the highest bar for its label, inside the plot (a label above it would push the title out)
    y_scale = alt.Scale(domain=[0, float(d.top.max() or 1) * 1.18], nice=False)
    bars = alt.Chart(d).mark_bar(size=48).encode(
        x=x, y=alt.Y("y0:Q", title="Open pipeline", scale=y_scale,
                     axis=alt.Axis(format="$~s" if currency == "$" else "~s")), y2="y1:Q",
        color=alt.Color("kind:N", title=None, legend=None, scale=alt.Scale(
            domain=["total", "up", "down", "none"], range=["#0072B2", "#009E73", "#D55E00", "#999999"])),
        tooltip=[alt.Tooltip("bar:N", title="Bar"), alt.Tooltip("label:N", title="Amount"),
                 alt.Tooltip("deals:Q", title="Deals", format=",")])
    text = alt.Chart(d).mark_text(dy=-8, fontSize=FONT - 3).encode(x=x, y=alt.Y("top:Q", scale=y_scale), text="text:N")
    return _style((bars + text).properties(title=_title(title, subtitle), height=height, padding={"top": 12}))


def forecast_categories(df: pd.DataFrame, period: str, currency: str = "$") -> alt.Chart:
    """What will close in the period: amount per forecast category, stacked by territory."""
    d = df.copy()
    d["amount"] = d["amount"].fillna(0.0)
    order = ["Closed (won)", "Commit", "Best case", "Pipeline", "Omitted"]
    return _style(alt.Chart(d).mark_bar().encode(
        y=alt.Y("label:N", sort=order, title=None),
        x=alt.X("sum(amount):Q", title="Amount", axis=alt.Axis(format="$~s" if currency == "$" else "~s")),
        color=alt.Color("territory:N", title="Territory", scale=alt.Scale(scheme="tableau10")),
        tooltip=[alt.Tooltip("label:N", title="Category"), alt.Tooltip("territory:N", title="Territory"),
                 alt.Tooltip("sum(amount):Q", format=",.2f", title="Amount"),
                 alt.Tooltip("sum(deals):Q", format=",", title="Deals")],
    ).properties(title=_title("What will close, by forecast category", period), height=alt.Step(34)))


def coverage_bars(rows: pd.DataFrame, day: str) -> alt.Chart:
    """Coverage per segment (bars) against the coverage its win rate requires (black ticks)."""
    d = rows.dropna(subset=["coverage"]).copy()
    d["status"] = ["short" if s else "enough" for s in d["short"].fillna(False)]
    base = alt.Chart(d).encode(y=alt.Y("segment:N", title=None, sort="-x"))
    bars = base.mark_bar(height=24).encode(
        x=alt.X("coverage:Q", title="Coverage (× the target still to win)"),
        color=alt.Color("status:N", title=None, scale=alt.Scale(domain=["enough", "short"],
                                                               range=["#009E73", "#D55E00"])),
        tooltip=[alt.Tooltip("segment:N", title="Segment"), alt.Tooltip("coverage:Q", format=".1f", title="Coverage"),
                 alt.Tooltip("required:Q", format=".1f", title="Required")])
    ticks = base.mark_tick(color="black", thickness=3, size=34).encode(x="required:Q")
    return _style((bars + ticks).properties(
        title=_title("Coverage against the coverage required", f"on {day} · black tick = 1 ÷ trailing win rate"),
        height=alt.Step(38)))

"""Pipeline: the sales half of the meeting - what moved, what will close, where coverage is short,
who is on quota and whether the quotas are fair, and the forecast call for next week's accuracy."""

import re

import pandas as pd
import streamlit as st

from revmachine import cache, charts, db, export, forecast, metrics, pipeline, signin, ui
from revmachine import format as fmt
from revmachine.errors import UserError
from revmachine.format import esc

period, filt = ui.start_page("Pipeline")
try:
    w = cache.call(pipeline.window, period.label)
except UserError as exc:
    ui.user_error(exc)
    st.stop()
cur = f"{w.currency} " if w.currency else cache.call(metrics.settings)["currency"]


def money(v) -> str:
    return fmt.money(v, cur)


def dates(v) -> str:
    """ISO dates in a deal's from / to read as dates ('lost on 19 Nov 2026')."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return fmt.DASH
    return re.sub(r"\d{4}-\d{2}-\d{2}", lambda x: fmt.date(x.group()), str(v))


def times(v) -> str:
    return fmt.DASH if v is None or pd.isna(v) else f"{v:,.1f}×"


st.caption(ui.window(period, filt) + esc(f" · deals closing in {w.full.describe()} · data as of {fmt.date(w.as_of)}"))
for note in w.notes:
    st.info(esc(note))

# ---------------------------------------------------------------- the movement's two days
c1, c2, c3 = st.columns([1, 1, 3])
start = c1.date_input("From", value=w.start_day, key="pl_from", format="DD/MM/YYYY",
                      help="Default: the load nearest a week before the data's as-of date.")
end = c2.date_input("To", value=w.end_day, key="pl_to", format="DD/MM/YYYY", max_value=w.as_of)
try:
    m = cache.call(pipeline.movement, period.label, filt, start, end, with_deals=False)
except UserError as exc:
    ui.user_error(exc)
    st.stop()
fc = cache.call(pipeline.forecast_categories, period.label, filt)
cov = cache.call(pipeline.coverage, period.label, filt, "territory")
reps = cache.call(pipeline.reps, period.label, filt)

k1, k2, k3, k4 = st.columns(4)
k1.metric(esc(f"Pipeline closing in {w.full.label}"), money(m["end"]["amount"]),
          delta=money(m["end"]["amount"] - m["start"]["amount"]).replace("−", "-") + f" vs {m['start_day']:%-d %b}",
          help=esc(f"{m['end']['count']:,} open deals on {fmt.date(m['end_day'])} whose close date is in "
                   f"{w.full.label}."), border=True)
roll = fc["rollup"]
k2.metric("Closed + commit", money(roll["commit"]),
          help=esc(f"Won so far {money(roll['closed'])}; with best case {money(roll['best_case'])}."), border=True)
company = cov["company"]
k3.metric("Coverage (required)", f"{times(company['coverage'])} ({times(company['required'])})",
          help=esc(pipeline.DEFINITIONS["coverage"]), border=True)
k4.metric("Reps on quota", fmt.pct(reps["share"]),
          help=esc(f"{reps['on_quota']:,} of {reps['with_quota']:,} reps with a quota. "
                   + pipeline.DEFINITIONS["reps_on_quota_share"]), border=True)

# ---------------------------------------------------------------- 1. what moved and why
st.subheader("What moved")
st.markdown(esc(m["sentence"]))
st.altair_chart(charts.pipeline_waterfall(m, "Pipeline movement", f"deals closing in {w.full.describe()} · "
                                          f"{fmt.date(m['start_day'])} → {fmt.date(m['end_day'])}",
                                          "$" if not w.currency else ""), width="stretch")
if m["without_amount"]:
    st.caption(esc(f"{m['without_amount']:,} deals in the movement have no amount (counted as 0)."))
options = ["start"] + [b["bar"] for b in m["bars"]] + ["end"]
bar = st.selectbox("Show the deals of", options, index=1 + max(range(len(m["bars"])),
                                                              key=lambda i: abs(m["bars"][i]["amount"])),
                   format_func=lambda k: pipeline.BAR_LABELS[k], key="pl_bar")
d = cache.call(pipeline.movement_deals, period.label, filt, start, end, bar)
if len(d):
    money_cols = bar in ("increased", "decreased")
    view = pd.DataFrame({
        "Deal": d.deal_name.fillna(d.deal_id), "Account": d.company.fillna(fmt.DASH), "Owner": d.owner,
        "Territory": d.territory, "Amount": [money(v) for v in d.amount],
        "From": [money(v) if money_cols else dates(v) for v in d["from"]],
        "To": [money(v) if money_cols else dates(v) for v in d["to"]]})
    # names are cut to fit the projector's width (the whole name in the cell's tooltip and the csv)
    st.dataframe(view, hide_index=True, width="stretch",
                 column_config={"Deal": st.column_config.TextColumn(width="medium"),
                                "Account": st.column_config.TextColumn(width="small")})
    st.download_button("Download these deals (csv)", export.csv_bytes(d), f"pipeline_{bar}_{m['end_day']}.csv",
                       "text/csv", key="dl_bar")
else:
    st.caption("No deal on this bar.")
with st.expander("How is this computed? (movement)"):
    st.markdown(esc(pipeline.DEFINITIONS["movement"]))

tabs = st.tabs(["What will close", "Coverage", "Reps and quotas", "Forecast call", "Slippage", "Marketing",
                "Hygiene"])

# ---------------------------------------------------------------- 3. forecast categories
with tabs[0]:
    cats = pd.DataFrame(fc["categories"])
    wp = fc["weighted"]
    a, b, c = st.columns(3)
    a.metric("Commit", money(roll["commit"] - roll["closed"]), border=True)
    b.metric("Best case", money(next(x["amount"] for x in fc["categories"] if x["category"] == "best_case")),
             border=True)
    c.metric("Weighted pipeline", money(wp["amount"]),
             help=esc(f"{wp['with_probability']:,} of {wp['open_deals']:,} open deals have an amount and a "
                      f"probability. " + pipeline.DEFINITIONS["weighted_pipeline"]), border=True)
    by_t = fc["by_territory"].copy()
    if len(by_t):
        by_t["label"] = by_t.category.map(forecast.LABELS)
        st.altair_chart(charts.forecast_categories(by_t, w.full.describe(), "$" if not w.currency else ""),
                        width="stretch")
    st.dataframe(pd.DataFrame({"Category": cats.label, "Deals": [fmt.count(v) for v in cats.deals],
                               "Amount": [money(v) for v in cats.amount]}), hide_index=True, width="stretch")
    st.caption(esc(f"{fc['from_export']:,} of {fc['deals']:,} deals have the CRM's own forecast category; the "
                   "others are mapped from their stage (settings below)."))
    with st.expander("How is this computed? (forecast categories)"):
        st.markdown(esc(pipeline.DEFINITIONS["forecast_categories"]))
    with st.expander("Settings: forecast category by stage"):
        stages = cache.call(forecast.stage_categories)
        if len(stages):
            edit = stages[["stage", "open_deals", "category"]].copy()
            edited = st.data_editor(edit, hide_index=True, width="stretch", key="pl_stage_editor",
                                    disabled=["stage", "open_deals"],
                                    column_config={"stage": st.column_config.TextColumn("Stage (as exported)"),
                                                   "open_deals": st.column_config.NumberColumn("Open deals"),
                                                   "category": st.column_config.SelectboxColumn(
                                                       "Forecast category", options=list(forecast.CATEGORIES[:4]))})
            if st.button("Save the stage mapping", key="pl_save_stages"):
                try:
                    n = forecast.save_stage_categories(dict(zip(edited.stage, edited.category, strict=True)),
                                                       db.resolve(), actor=signin.actor())
                    st.success(f"Saved the category of {n} stages.")
                except UserError as exc:
                    ui.user_error(exc)
        else:
            st.caption("No open deal to map.")

# ---------------------------------------------------------------- 4. coverage
with tabs[1]:
    by = st.segmented_control("Coverage by", ["territory", "owner"], default="territory", key="pl_cov_by",
                              format_func=str.capitalize) or "territory"
    cv = cov if by == "territory" else cache.call(pipeline.coverage, period.label, filt, "owner")
    rows = pd.DataFrame(cv["rows"])
    if len(rows):
        st.altair_chart(charts.coverage_bars(rows, fmt.date(cv["day"])), width="stretch")
        short = rows[rows["short"].fillna(False).astype(bool)]
        if len(short):
            st.warning(esc("Coverage short of what the win rate requires: " + ", ".join(
                f"{r.segment} ({times(r.coverage)} against {times(r.required)})" for r in short.itertuples()) + "."))
        earlier = [p for p, _d in cv["periods"][1:]]
        table = pd.DataFrame({
            by.capitalize(): rows.segment, "Open": [money(v) for v in rows.open_amount],
            "Target": [money(v) for v in rows.target], "Won": [money(v) for v in rows.won_amount],
            "Coverage": [times(v) for v in rows.coverage], "Required": [times(v) for v in rows.required],
            **{p: [times(next((e["coverage"] for e in r if e["period"] == p), None)) for r in rows.earlier]
               for p in earlier[:4]}})
        st.dataframe(table, hide_index=True, width="stretch")
        if earlier:
            st.caption(esc(f"{', '.join(earlier[:4])}: the coverage held on the same day of those quarters "
                           "(from the deal history)."))
    else:
        st.info("— No open deal closes in this period.")
    with st.expander("How is this computed? (coverage)"):
        st.markdown(esc(pipeline.DEFINITIONS["coverage"]))

# ---------------------------------------------------------------- 7. reps against quota
with tabs[2]:
    cur_reps = reps["current"]
    st.markdown(esc(f"{reps['on_quota']:,} of {reps['with_quota']:,} reps with a quota are on it "
                    f"({fmt.pct(reps['share'])}) in {period.describe()}; before: " + ", ".join(
                        f"{p} {fmt.pct(s)}" for p, s in list(reps["shares"].items())[1:])))
    if len(cur_reps):
        st.dataframe(pd.DataFrame({
            "Rep": cur_reps.owner,
            "Quota": [money(v) for v in cur_reps.quota], "Won": [money(v) for v in cur_reps.won_amount],
            "Attainment": [fmt.pct(v) for v in cur_reps.attainment],
            "Created": [money(v) for v in cur_reps.created_amount],
            "Win rate": [fmt.pct(v) for v in cur_reps.win_rate],
            "Win rate ($)": [fmt.pct(v) for v in cur_reps.win_rate_amount],
            "Avg deal": [money(v) for v in cur_reps.avg_deal], "Cycle": [fmt.days(v) for v in cur_reps.cycle],
            "Coverage": ["met" if (q or 0) > 0 and w_ >= q else times(v)
                         for v, q, w_ in zip(cur_reps.coverage, cur_reps.quota, cur_reps.won_amount, strict=True)]}),
            hide_index=True, width="stretch")
        mg = reps["managers"]
        st.caption(esc("Per manager: " + "; ".join(
            f"{r.manager}: {fmt.pct(r.attainment)} of quota, {r.on_quota} of {r.with_quota} reps on it"
            for r in mg.itertuples()) + ". Created = pipeline created in the period."))
    eq = cache.call(pipeline.quota_equity, period.label, filt)
    st.markdown("**Are the quotas fair?**")
    for s in eq["flags"]:
        st.warning(esc(s))
    if not eq["flags"]:
        st.caption(esc(f"No rep or territory carries a much heavier quota per dollar of pipeline than the rest "
                       f"({eq['period']})."))
    er = eq["rows"]
    if len(er):
        st.dataframe(pd.DataFrame({
            "Who": [f"{n} (territory)" if lv == "territory" else n for n, lv in zip(er.name, er.level, strict=True)],
            "Quota": [money(v) for v in er.quota], "Pipeline created": [money(v) for v in er.pipeline_created],
            "Leads": [fmt.count(v) for v in er.leads], "Won": [money(v) for v in er.won_amount],
            "Quota per $ of pipeline vs the rest": [times(v) for v in er.index_pipeline_created]}),
            hide_index=True, width="stretch")
    with st.expander("How is this computed? (reps and quota equity)"):
        st.markdown(esc(pipeline.DEFINITIONS["reps"]))
        st.markdown(esc(pipeline.DEFINITIONS["quota_equity"]))

# ---------------------------------------------------------------- 5. the forecast call
with tabs[3]:
    acc = cache.call(pipeline.forecast_accuracy, cache.state_call(forecast.calls), filt)
    st.markdown(esc(f"Record each territory's call for {w.full.label}: what it commits to close, and its best case."))
    opts = cache.call(pipeline.call_scopes)
    with st.form("pl_call"):
        a, b, c = st.columns([1.2, 2, 2])
        kind = a.selectbox("For", ["territory", "owner", "company"], key="pl_call_kind")
        scope = b.selectbox("Which", opts.get(kind, []) or ["All"], key="pl_call_scope", accept_new_options=True)
        called_by = c.text_input("Called by", key="pl_call_by", placeholder="Who makes the call")
        d, e, f_ = st.columns([1, 1, 2])
        commit = d.number_input("Commit", min_value=0.0, step=1000.0, key="pl_call_commit")
        best = e.number_input("Best case", min_value=0.0, step=1000.0, key="pl_call_best")
        note = f_.text_input("Note", key="pl_call_note")
        if st.form_submit_button("Record the call"):
            try:
                user = getattr(st, "user", None)
                who = user.get("email") if user is not None and hasattr(user, "get") else None
                new = forecast.save_call(w.full.label, kind, scope if kind != "company" else "All", commit,
                                         best or None, called_by, note, who, w.as_of, w.currency or None,
                                         db.resolve(), actor=signin.actor())
                st.success(f"Recorded call {new}.")
            except UserError as exc:
                st.error(esc(str(exc)))
    if len(acc["open"]):
        o = acc["open"]
        st.markdown("**Calls for periods still open**")
        st.dataframe(pd.DataFrame({"Period": o.period, "For": o.scope, "Commit": [money(v) for v in o.commit_amount],
                                   "Best case": [money(v) for v in o.best_case_amount], "Called by": o.called_by,
                                   "Recorded": [fmt.when(v) for v in o.recorded_at]}), hide_index=True, width="stretch")
    if len(acc["judged"]):
        j = acc["judged"]
        st.markdown("**Accuracy once the period closed**")
        st.dataframe(pd.DataFrame({"Period": j.period, "For": j.scope, "Commit": [money(v) for v in j.commit_amount],
                                   "Won": [money(v) for v in j.won_amount], "Accuracy": [fmt.pct(v) for v in j.accuracy],
                                   "Bias": [fmt.change(v) for v in j.bias]}), hide_index=True, width="stretch")
        bt = acc["bias"]
        st.markdown(esc("Bias over the last quarters: " + "; ".join(
            f"{r.scope} {r.tendency} ({fmt.change(r.bias)} on average, {r.periods} quarters)"
            for r in bt.itertuples() if r.tendency) + "."))
    with st.expander("How is this computed? (forecast accuracy)"):
        st.markdown(esc(pipeline.DEFINITIONS["forecast_accuracy"]))

# ---------------------------------------------------------------- 6. slippage
with tabs[4]:
    sl = cache.call(pipeline.slippage, period.label, filt)
    st.markdown(esc(f"{sl['pushes']:,} close-date pushes ({sl['days_pushed']:,} days) in {sl['window'].describe()}; "
                    f"{sl['pushed_out']:,} out of {w.full.label}; {len(sl['overdue']):,} open deals past their "
                    "close date."))
    if len(sl["owners"]):
        o = sl["owners"]
        st.dataframe(pd.DataFrame({"Owner": o.owner, "Deals pushed": [fmt.count(v) for v in o.deals_pushed],
                                   "Pushes": [fmt.count(v) for v in o.pushes], "Days pushed": [fmt.count(v) for v in o.days_pushed],
                                   "Out of the period": [fmt.count(v) for v in o.pushed_out],
                                   "Amount": [money(v) for v in o.amount]}), hide_index=True, width="stretch")
    sd = pd.concat([sl["deals"], sl["overdue"][~sl["overdue"].deal_id.isin(sl["deals"].deal_id)]])
    if len(sd):
        st.dataframe(pd.DataFrame({"Deal": sd.deal_name.fillna(sd.deal_id), "Owner": sd.owner,
                                   "Amount": [money(v) for v in sd.amount], "Pushes": [fmt.count(v) for v in sd.pushes],
                                   "Days pushed": [fmt.count(v) for v in sd.days_pushed],
                                   "Close date": [fmt.date(v) for v in sd.close_date],
                                   "Days overdue": [fmt.count(v) for v in sd.days_overdue]}).head(200),
                     hide_index=True, width="stretch")
        st.download_button("Download the slipped and overdue deals (csv)", export.csv_bytes(sd),
                           f"slippage_{w.as_of}.csv", "text/csv", key="dl_slip")
    with st.expander("How is this computed? (slippage)"):
        st.markdown(esc(pipeline.DEFINITIONS["slippage"]))

# ---------------------------------------------------------------- 8. marketing's contribution
with tabs[5]:
    mk = cache.call(pipeline.marketing, period.label, filt)
    a, b = st.columns(2)
    a.metric("Marketing-sourced pipeline created", money(mk["marketing"]),
             help=esc(f"Of {money(mk['pipeline_created'])} created in {period.describe()}."), border=True)
    b.metric("Share of pipeline created", fmt.pct(mk["share"]),
             delta=(fmt.pts(mk["gap"]) + " on the target").replace("−", "-") if mk["gap"] is not None else None,
             help=esc(f"Target: {fmt.pct(mk['target'])} (settings)."), border=True)
    for key, title in (("by_territory", "Territory"), ("by_product", "Product line")):
        t = mk[key]
        if len(t):
            st.dataframe(pd.DataFrame({title: t.iloc[:, 0], "Pipeline created": [money(v) for v in t.pipeline_created],
                                       "Marketing-sourced": [money(v) for v in t.marketing],
                                       "Share": [fmt.pct(v) for v in t.share],
                                       "Against the target": [fmt.pts(v) for v in t.gap]}), hide_index=True,
                         width="stretch")
    with st.form("pl_target"):
        tgt = st.number_input("Marketing's target share of pipeline created (%)", 0.0, 100.0,
                              value=float((mk["target"] or 0) * 100), step=5.0, key="pl_mk_target")
        if st.form_submit_button("Save the target"):
            try:
                pipeline.save_marketing_target(tgt if tgt else None, db.resolve(), actor=signin.actor())
                st.success("Saved.")
            except UserError as exc:
                st.error(esc(str(exc)))
    with st.expander("How is this computed? (marketing's contribution)"):
        st.markdown(esc(pipeline.DEFINITIONS["marketing"]))

# ---------------------------------------------------------------- 9. hygiene
with tabs[6]:
    hy = cache.call(pipeline.hygiene, period.label, filt)
    st.markdown(esc(f"{hy['flagged']:,} of {hy['open_deals']:,} open deals need a look before the numbers are "
                    "trusted: " + ", ".join(f"{n:,} {hy['labels'][k]}" for k, n in hy["counts"].items() if n) + "."))
    hd = hy["deals"]
    if len(hd):
        st.dataframe(pd.DataFrame({"Deal": hd.deal_name.fillna(hd.deal_id), "Owner": hd.owner,
                                   "Amount": [money(v) for v in hd.amount],
                                   "Close date": [fmt.date(v) for v in hd.close_date],
                                   "Issues": ["; ".join(x) for x in hd.issues]}).head(200), hide_index=True,
                     width="stretch")
        st.download_button("Download the deals to fix (csv)", export.csv_bytes(hd.assign(
            issues=["; ".join(x) for x in hd.issues])), f"hygiene_{hy['as_of']}.csv", "text/csv", key="dl_hygiene")
    with st.expander("How is this computed? (hygiene)"):
        st.markdown(esc(pipeline.DEFINITIONS["hygiene"]))


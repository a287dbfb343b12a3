"""A deal's field history beside its stages: what a history export says about amount, close date,
forecast category, owner and probability (deal_field_history; the stages stay in stage_history).

Two shapes of a stage-history sheet give it:

* a change log, one row per field change with a Field / Old Value / New Value column:
  Salesforce OpportunityFieldHistory (OpportunityId, Field, OldValue, NewValue, CreatedDate; Field
  names the API field: Amount, CloseDate, ForecastCategoryName, Owner, Probability; Object
  Reference "OpportunityFieldHistory"), Pipedrive's deal change log (field_key, old_value,
  new_value, log_time; field keys value, expected_close_date, user_id, probability; API "List
  updates about deal field values"), Dynamics 365 audit history exported from an opportunity
  (Changed Date, Changed Field, Old Value, New Value; display names Est. Revenue, Est. Close Date,
  Forecast Category, Owner, Probability), HubSpot property history (amount, closedate,
  hs_manual_forecast_category, hubspot_owner_id, hs_deal_stage_probability);
* a row per change holding the deal's fields as they became: Salesforce OpportunityHistory
  (StageName, Amount, CloseDate, ForecastCategory, Probability, CreatedDate; Object Reference
  "OpportunityHistory"): each of Amount, CloseDate and ForecastCategory becomes a change with no old
  value (the row before gives it; the deal history mart compares them).

HubSpot's stage-calculated properties on a deals export ('Date entered "Contract Sent (Sales
Pipeline)"', hs_date_entered_<stage id>, and since 2024 hs_v2_date_entered_<stage id>; knowledge
base "Use stage calculated properties", developer changelog "sunset of legacy stage calculated
properties") are real stage-entry dates: `entered_columns` names them, `stage_entries` turns them
into stage_history rows.

Amounts are normalised to plain decimals ('1234.50') and dates to ISO ('2026-05-18') here, so the
deal history mart only casts. A change log's dates whose day/month order cannot be told are left
out with a warning (never guessed).
"""

from __future__ import annotations

import re

import pyarrow as pa

from revmachine.ingest import parsing

# a change log's field name, folded (lower case, letters and digits) -> the field it changes
FIELD_NAMES = {
    # Salesforce OpportunityFieldHistory.Field (API names) and OpportunityHistory columns
    "amount": "amount", "closedate": "close_date", "forecastcategoryname": "forecast_category",
    "forecastcategory": "forecast_category", "owner": "owner", "ownerid": "owner", "probability": "probability",
    # Pipedrive deal change log field_key
    "value": "amount", "expectedclosedate": "close_date", "userid": "owner",
    # HubSpot property history
    "hsmanualforecastcategory": "forecast_category", "hubspotownerid": "owner",
    "hsdealstageprobability": "probability", "dealowner": "owner",
    # Dynamics 365 audit history (display names) and its column logical names
    "estrevenue": "amount", "estimatedrevenue": "amount", "estimatedvalue": "amount", "estclosedate": "close_date",
    "estimatedclosedate": "close_date", "msdynforecastcategory": "forecast_category", "closeprobability": "probability",
    # report labels
    "opportunityowner": "owner", "dealvalue": "amount", "expectedclose": "close_date",
}
FIELDS = ("amount", "close_date", "forecast_category", "owner", "probability")
LEAD_WORDS = {"lead", "contact", "person", "prospect"}


def _fold(col: str) -> str:
    return f"lower(regexp_replace({col}, '[^A-Za-z0-9]', '', 'g'))"


def _canonical(col: str) -> str:
    whens = " ".join(f"when '{k}' then '{v}'" for k, v in FIELD_NAMES.items())
    return f"case {_fold(col)} {whens} end"


def field_changes(st, parts) -> dict[str, pa.Table]:
    """deal_field_history rows from the stage-history sheets of an upload (parts: (sheet, typed view))."""
    selects = []
    for i, (res, t) in enumerate(parts):
        has = st.columns_of(t)
        if not {"record_id", "entered_at"} <= has:
            continue
        if set(st.header_words(res, "record_id")) & LEAD_WORDS:
            continue  # a lead's or contact's history: its stages are all it gives
        if "field" in has and "stage" in has:
            old = '"old_value"' if "old_value" in has else "cast(null as varchar)"
            selects.append(f"""
                select {i} as __part, source_row, "record_id" as deal_id, {_canonical('"field"')} as field,
                    "entered_at" as changed_at, nullif(trim({old}), '') as old_value,
                    nullif(trim("stage"), '') as new_value, true as __raw
                from {t}
                where {_canonical('"field"')} is not null and "record_id" is not null
            """)
            continue
        for name, expr in (("amount", "printf('%.2f', \"amount\")"),
                           ("close_date", "strftime(\"close_date\", '%Y-%m-%d')"),
                           ("forecast_category", "nullif(trim(\"forecast_category\"), '')")):
            if name in has:
                selects.append(f"""
                    select {i} as __part, source_row, "record_id" as deal_id, '{name}' as field,
                        "entered_at" as changed_at, cast(null as varchar) as old_value, {expr} as new_value,
                        false as __raw
                    from {t}
                    where "record_id" is not null and "{name}" is not null
                """)
    if not selects:
        return {}
    st.con.execute("create or replace table u_deal_field_history as "
                   + " union all ".join(f"({s})" for s in selects))
    _normalise(st, parts)
    # one row per change (the natural key): a repeated row of the export is the same change
    return {"deal_field_history": st.con.sql("""
        select deal_id, any_value(source_row) as source_row, field, changed_at, any_value(old_value) as old_value,
            new_value
        from u_deal_field_history
        where not (old_value is not distinct from new_value and __raw)
        group by deal_id, field, changed_at, new_value
        order by deal_id, changed_at, field
    """).to_arrow_table()}


def _normalise(st, parts) -> None:
    """A change log's values are text as the CRM wrote them: amounts and probabilities become plain
    numbers, dates ISO dates (their day/month order detected over all of them)."""
    con = st.con
    for col in ("old_value", "new_value"):
        con.execute(f"""
            update u_deal_field_history set {col} = printf('%.2f', {parsing.amount_expr(col)})
            where __raw and field = 'amount' and {parsing.amount_expr(col)} is not null
        """)
        # a probability as the CRM writes it ('75', '75%', '0.75'): kept as text, read on its scale later
        con.execute(f"update u_deal_field_history set {col} = trim(replace({col}, '%', '')) "
                    "where __raw and field = 'probability'")
    dates = "(select old_value as a, new_value as b from u_deal_field_history where __raw and field = 'close_date')"
    fmts = parsing.detect_dates(con, dates, ["a", "b"])
    orders = {f.order for f in fmts.values() if f.order}
    ambiguous = any(f.ambiguous for f in fmts.values()) and not orders
    if ambiguous:
        n = con.execute("select count(*) from u_deal_field_history where __raw and field = 'close_date'").fetchall()[0][0]
        first = next((res for res, _t in parts), None)
        st.add("warning", f"{n:,} close-date changes in the change log have dates like 03/04/2025 whose day/month "
               "order cannot be told; they are left out of the deal history.", first, code="history_dates")
        con.execute("delete from u_deal_field_history where __raw and field = 'close_date'")
        return
    order = "mdy" if "mdy" in orders else ("dmy" if orders else None)
    fmt = parsing.DateFormat(order, any(f.has_serials for f in fmts.values()), any(f.has_tz for f in fmts.values()),
                             False)
    for col in ("old_value", "new_value"):
        expr = parsing.timestamp_expr(col, fmt, order, st.tz)
        con.execute(f"update u_deal_field_history set {col} = strftime(cast({expr} as date), '%Y-%m-%d') "
                    f"where __raw and field = 'close_date' and {col} is not null")


# --- HubSpot's stage-calculated properties on a deals export -------------------------------------

_ENTERED = re.compile(r"""(?ix)^(?:
    date \s+ entered \s+ ["'“”]?(?P<label>.+?)["'“”]?           # 'Date entered "Contract Sent (Sales Pipeline)"'
  | hs_(?:v2_)?date_entered_(?P<id>[a-z0-9_]+)                  # hs_date_entered_123, hs_v2_date_entered_closedwon
)\s*$""")


def entered_columns(headers: list[str]) -> dict[int, str]:
    """{column index: the stage it dates} for HubSpot's 'Date entered' / hs_date_entered_* /
    hs_v2_date_entered_* columns (not hs_v2_date_entered_current_stage, which names no stage)."""
    out = {}
    for i, h in enumerate(headers):
        m = _ENTERED.match(str(h).strip())
        if not m:
            continue
        stage = (m.group("label") or m.group("id") or "").strip()
        if not stage or stage.lower() in {"current_stage", "currentstage"}:
            continue
        # 'Contract Sent (Sales Pipeline)': the stage, without its pipeline
        out[i] = re.sub(r"\s*\([^)]*\)\s*$", "", stage) or stage
    return out


def map_entered_columns(res) -> None:
    """A deals sheet's stage-entry date columns, not otherwise mapped, read as 'stage:@<index>'
    (timestamps; the stage's name stays in the header, never in SQL text)."""
    from revmachine.ingest import recognise

    for i, label in entered_columns(res.raw.headers).items():
        if i in res.mapping:
            continue
        res.mapping[i] = f"stage:@{i}"
        res.decisions[i] = recognise.Decision(i, res.raw.headers[i], f"stage:@{i}", "name", 0.8,
                                              f"HubSpot's date the deal entered the stage '{label}'")


def stage_entries(st, parts) -> dict[str, pa.Table]:
    """stage_history rows (real stage-entry dates) from the 'stage:@<index>' columns of deals sheets."""
    rows = []
    for i, (res, t) in enumerate(parts):
        has = st.columns_of(t)
        labels = entered_columns(res.raw.headers)
        cols = [(f"stage:@{ci}", label) for ci, label in labels.items() if f"stage:@{ci}" in has]
        if not cols or "deal_id" not in has:
            continue
        for col, label in cols:
            rows.append((i, col, label))
    if not rows:
        return {}
    names = pa.table({"col": [c for _i, c, _l in rows], "stage_raw": [lbl for _i, _c, lbl in rows]})
    st.con.register("entered_labels", names)
    try:
        selects = [f"""select source_row, "deal_id" as record_id, '{col}' as col, "{col}" as entered_at
                       from {parts[i][1]} where "{col}" is not null and "deal_id" is not null"""
                   for i, col, _label in rows]
        return {"stage_history": st.con.sql(f"""
            with entries as ({" union all ".join(selects)}),
            labelled as (
                select e.source_row, e.record_id, 'deal' as record_type, l.stage_raw, e.entered_at
                from entries as e inner join entered_labels as l on e.col = l.col
            )
            select x.record_id, x.source_row, x.record_type, x.stage_raw,
                case when m.v = 'converted' then '{st.sql_stage}' else m.v end as stage, x.entered_at
            from labelled as x
            left join stage_map as m
                on m.k = lower(regexp_replace(strip_accents(x.stage_raw), '[^A-Za-z0-9]', '', 'g'))
        """).to_arrow_table()}
    finally:
        st.con.unregister("entered_labels")


def extra_tables(st, typed: dict, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """What the history shapes add to an upload's tables: deal_field_history from its stage-history
    sheets, and stage_history rows from the stage-entry dates of its deals sheets (added to those of
    its stage-history sheets)."""
    out: dict[str, pa.Table] = {}
    if "stage_history" in typed:
        out.update(field_changes(st, typed["stage_history"]))
    if "deals" in typed:
        entries = stage_entries(st, typed["deals"]).get("stage_history")
        if entries is not None and entries.num_rows:
            have = tables.get("stage_history")
            if have is not None:
                entries = pa.concat_tables([have, entries.select(have.column_names).cast(have.schema)])
            out["stage_history"] = entries
    return out

"""Stage typed tables: from a sheet's typed columns to business-table rows, one SELECT per kind of sheet.

`union(st, kind, parts)` puts the rows of every sheet of a kind into table u_<table> of the staging
(`__part` = the sheet's place among them, `source_row` = its row in the sheet); checks.py then works
on those rows, and `arrow(st, table)` hands the table's columns over for loading.

Each `select_<kind>(st, res, t, c, i)` returns the SQL that turns typed table `t` (one column per mapped
field, named after the field, plus source_row) into the rows of the kind's table. `c(name, cast)` is
the field's column, or a typed NULL when the sheet has none: every rule below holds whichever columns
an export has. Only code constants, column names and values Python derived from fixed vocabularies
(hex digests, ISO dates, stage keys) are placed in the SQL text; cell values never are.

Outcomes mean what the vendor means (issue: real exports): a deal is won when the export says so (a
won flag, a won status, a won stage, a won time); it is lost only when the export says it is closed
and not won (a closed flag, a lost status or stage, a lost time); anything else is open, and an open
deal's close date is its expected close date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pandas as pd
import pyarrow as pa

from revmachine import periods
from revmachine.ingest.fields import KINDS
from revmachine.ingest.platforms import platform_of
from revmachine.ingest.state import SheetResult, Staging
from revmachine.schema import columns
from revmachine.textsafe import cut_list


def generated_id(res: SheetResult, prefix: str) -> str:
    """SQL of a stable id for rows that have none: the file (and sheet) name's digest and the row number.
    Loading the same file again replaces those rows; a re-export whose rows moved does not match them."""
    digest = hashlib.sha256(res.label.encode()).hexdigest()[:8]
    return f"'{prefix}-{digest}-' || cast(source_row as varchar)"


def stage_join(t: str, c, column: str = "current_stage", alias: str = "sm") -> str:
    """`t` joined once to the stage lookup on `column`; the mapped stage is <alias>.v. Each distinct
    text is folded once, not once per row (accents stripped like stages.stage_key)."""
    cs = c(column)
    return f"""left join (
            select d.s, m.v
            from (select distinct {cs} as s from {t}) as d
            left join stage_map as m
                on m.k = lower(regexp_replace(strip_accents(coalesce(d.s, '')), '[^A-Za-z0-9]', '', 'g'))
        ) as {alias} on {cs} = {alias}.s"""


def status_join(t: str, c) -> str:
    cs = c("status")
    return f"""left join (
            select d.s, w.v
            from (select distinct {cs} as s from {t}) as d
            left join status_words as w
                on w.k = lower(regexp_replace(strip_accents(coalesce(d.s, '')), '[^A-Za-z0-9]', '', 'g'))
        ) as sw on {cs} = sw.s"""


def blank_is_false(expr: str) -> str:
    """A flag column written as 1 / blank (no explicit false anywhere in the sheet): blank means false.
    (A sheet without the column has a typed NULL: no window over its rows.)"""
    if expr.startswith("cast(null"):
        return expr
    return (f"coalesce({expr}, case when bool_or({expr} = false) over () then null "
            f"when bool_or({expr}) over () then false end)")


def currency(st: Staging, res: SheetResult, c, field: str = "amount") -> str:
    """The row's currency: the currency column, else the code or sign in its amount, else the unit in the
    amount header ('Amount (USD)')."""
    unit = st.header_unit(res, field)
    return f"coalesce({c('currency')}, {c('__cur_' + field)}{', ' + repr(unit) if unit else ''})"


def select_leads(st: Staging, res: SheetResult, t: str, c, i: int) -> str:
    stage = "sm.v"
    sql_stage = st.sql_stage
    extra = [f for f in res.mapping.values() if f.startswith("stage:")]
    extras = ", ".join(f"\"{f}\"" for f in extra)
    converted = (f"coalesce({blank_is_false(c('is_converted', 'boolean'))}, {stage} = 'converted' "
                 f"or {c('converted_at', 'timestamp')} is not null or {c('converted_deal_id')} is not null)")
    lead_id = f"coalesce({c('lead_id')}, {c('contact_id')}, lower({c('email')}), {generated_id(res, 'lead')})"
    return f"""
        select {i} as __part, source_row, {lead_id} as lead_id,
            {c('lead_id')} is null and {c('contact_id')} is null and {c('email')} is null as __id_generated,
            {c('created_at', 'timestamp')} as created_at, {c('channel')} as channel,
            {c('campaign')} as campaign, {c('company')} as company, {c('territory')} as territory,
            {c('owner')} as owner, {c('current_stage')} as current_stage,
            case when {stage} like 'exit:%' then null
                 when {stage} = 'converted' or ({stage} is null and {converted}) then '{sql_stage}'
                 else {stage} end as stage,
            {c('mql_at', 'timestamp')} as mql_at, {c('sal_at', 'timestamp')} as sal_at,
            coalesce({c('opportunity_at', 'timestamp')},
                     case when {converted} then {c('converted_at', 'timestamp')} end) as opportunity_at,
            {c('proposal_at', 'timestamp')} as proposal_at, {c('won_at', 'timestamp')} as won_at,
            {c('exit_at', 'timestamp')} as exit_at,
            coalesce({c('exit_reason')}, case when {stage} like 'exit:%'
                then substr({stage}, 6) end) as exit_reason,
            {c('assigned_at', 'timestamp')} as assigned_at,
            {c('first_response_at', 'timestamp')} as first_response_at,
            {c('followup_count', 'integer')} as followup_count,
            {c('amount', 'decimal(18,2)')} as amount,
            lower({c('email')}) as email, {c('contact_id')} as contact_id, {c('account_id')} as account_id,
            {converted} as is_converted, {c('converted_at', 'timestamp')} as converted_at,
            {c('converted_deal_id')} as converted_deal_id,
            {c('current_stage')} is not null and {stage} is null as __unknown_stage
            {', ' + extras if extras else ''}
        from {t} {stage_join(t, c)}
    """


def select_deals(st: Staging, res: SheetResult, t: str, c, i: int) -> str:
    stage, status = "sm.v", "sw.v"
    won_flag = blank_is_false(c("is_won", "boolean"))
    closed_flag = blank_is_false(c("is_closed", "boolean"))
    won_time, lost_time = c("won_time", "timestamp"), c("lost_time", "timestamp")
    close_col = c("closed_at", "timestamp")
    has = st.columns_of(t)
    # Outcome precedence, the one rule every deals sheet follows: an explicit won / closed flag, else a
    # stage column holding won / lost vocabulary, else a status column (open / won / lost), else a won or
    # lost time. A stage or status that is no outcome word (Prospecting; lifecycle statuses such as
    # customer, churned, new, qualified, accepted, opportunity) decides nothing and the next source is read.
    stage_d = f"case when {stage} = 'won' then 'won' when {stage} like 'exit:%' then 'lost' end"
    status_d = f"case when {status} = 'won' then 'won' when {status} = 'lost' then 'lost' end"
    won_parts = [won_flag, f"case when {stage_d} is not null then {stage_d} = 'won' end",
                 f"case when {status_d} is not null then {status_d} = 'won' end"]
    if "won_time" in has:
        won_parts.append(f"{won_time} is not null")
    is_won = f"coalesce({', '.join(won_parts)}, false)"
    active = blank_is_false(c("active", "boolean"))
    closed_parts = [closed_flag, f"case when {active} = false then true end",
                    f"case when {stage_d} is not null then true end",
                    f"case when {status_d} is not null then true when {status} = 'open' then false end"]
    if "won_time" in has or "lost_time" in has:
        closed_parts.append(f"{won_time} is not null or {lost_time} is not null")
    is_closed = f"({is_won} or coalesce({', '.join(closed_parts)}, false))"
    flag_d = (f"case when {won_flag} then 'won' when {won_flag} = false and {closed_flag} then 'lost' "
              f"when {won_flag} is null and {closed_flag} = false then 'open' end")
    # the sources that say something and disagree (the report counts the rows; the first source wins)
    conflict = f"len(list_distinct([{flag_d}, {stage_d}, {status_d}])) > 1"
    # a sheet whose only close column is an expected close date (SuiteCRM's date_closed, labelled
    # "Expected Close Date") closes its closed deals on it; one with an actual close column does not guess
    close_fallback = "" if "closed_at" in has else f", {c('expected_close_at', 'timestamp')}"
    amount = c("amount", "decimal(18,2)")
    if "actual_amount" in has:
        amount = (f"case when {is_won} and {c('actual_amount', 'decimal(18,2)')} is not null "
                  f"then {c('actual_amount', 'decimal(18,2)')} else {amount} end")
    return f"""
        select {i} as __part, source_row,
            coalesce({c('deal_id')}, {generated_id(res, 'deal')}) as deal_id,
            {c('deal_id')} is null as id_generated, {c('deal_id')} is null as __id_generated,
            {c('lead_id')} as lead_id, {c('deal_name')} as deal_name, {c('company')} as company,
            {c('owner')} as owner, {c('territory')} as territory, {c('channel')} as channel,
            {c('campaign')} as campaign, {c('product')} as product,
            coalesce({c('current_stage')}, {c('status')}) as current_stage,
            case when {is_won} then 'won' when {stage} like 'exit:%' then null
                 when {stage} = 'converted' then '{st.sql_stage}' else {stage} end as stage,
            {c('created_at', 'timestamp')} as created_at,
            case when {is_closed} then coalesce({close_col},
                case when {is_won} then {won_time} else {lost_time} end{close_fallback}) end as closed_at,
            {amount} as amount,
            {is_won} as is_won,
            {is_closed} and not {is_won} as is_lost,
            case when {is_closed} and not {is_won} then coalesce({c('lost_reason')},
                case when {stage} like 'exit:%' and {stage} <> 'exit:lost' then substr({stage}, 6) end) end
                as lost_reason,
            {is_closed} as is_closed,
            {c('probability', 'double')} as probability,
            case when not {is_closed} then coalesce({c('expected_close_at', 'timestamp')}, {close_col}) end
                as expected_close_at,
            {currency(st, res, c)} as currency,
            {c('contact_id')} as contact_id, {c('account_id')} as account_id, {c('pipeline')} as pipeline,
            {c('deal_type')} as deal_type,
            {c('forecast_category')} as forecast_category,
            {c('current_stage')} is not null and {stage} is null as __unknown_stage,
            {c('status')} is not null and {status} is null and {stage} is null as __unknown_status,
            coalesce({conflict}, false) as __outcome_conflict
        from {t} {stage_join(t, c)} {status_join(t, c)}
    """


def select_campaigns(st: Staging, res: SheetResult, t: str, c, i: int) -> str:
    return f"""
        select {i} as __part, source_row,
            coalesce({c('campaign_id')}, {c('campaign_name')}) as campaign_id,
            coalesce({c('campaign_name')}, {c('campaign_id')}) as campaign_name,
            {c('channel')} as channel, {c('owner')} as owner,
            {c('start_date', 'date')} as start_date, {c('end_date', 'date')} as end_date,
            {c('targeting')} as targeting, {c('content')} as content,
            {c('spend', 'decimal(18,2)')} as spend,
            {currency(st, res, c, 'spend')} as currency, {c('status')} as status
        from {t}
    """


# Meta result indicators that count reach, clicks, views or engagement, not conversions
NOT_CONVERSIONS = ("link_click|reach|impressions|video_view|thruplay|post_engagement|page_engagement|"
                   "landing_page_view|estimated_ad_recallers|profile_visit|like|follow")


def _monthly(st: Staging, t: str, col: str) -> bool:
    """Every date of the column is a month's first day, and there are several months."""
    r = st.q(f'select bool_and(day("{col}") = 1), count(distinct date_trunc(\'month\', "{col}")) from {t}')[0]
    return bool(r[0]) and (r[1] or 0) >= 2


def select_ads(st: Staging, res: SheetResult, t: str, c, i: int) -> str:
    has = st.columns_of(t)
    rng = res.report_range
    words = set(st.header_words(res, "period"))
    if "period_start" in has and "period_end" not in has and _monthly(st, t, "period_start"):
        # rows that carry only a month's first day (LinkedIn's monthly report): the month, cut at the
        # report's own end
        start = c("period_start", "date")
        end = f"cast(date_trunc('month', {start}) + interval 1 month - interval 1 day as date)"
        if rng:
            end = f"least({end}, date '{rng[1].isoformat()}')"
    elif "period_start" in has or "period_end" in has:
        start = f"coalesce({c('period_start', 'date')}, {c('period_end', 'date')})"
        end = f"coalesce({c('period_end', 'date')}, {c('period_start', 'date')})"
    elif "period" in has:
        start = c("period", "date")
        # a 'Month' or 'Week' column (in the report's language: 'Monat', 'Mois', 'Week', 'Semaine'...) holds
        # each period's first day
        month = words & {"month", "monat", "mois", "mes", "mese", "maand"}
        week = words & {"week", "woche", "semaine", "semana", "settimana"}
        end = (f"cast(date_trunc('month', {start}) + interval 1 month - interval 1 day as date)"
               if month else f"cast({start} + interval 6 day as date)" if week else start)
    elif rng:
        start, end = f"date '{rng[0].isoformat()}'", f"date '{rng[1].isoformat()}'"
    else:
        start = end = "cast(null as date)"
    platform = platform_of(res.raw)
    conversions = c("conversions", "double")
    if "result_indicator" in has:  # Meta: a result is a conversion only for conversion objectives
        conversions = (f"case when regexp_matches(lower(coalesce({c('result_indicator')}, '')), "
                       f"'{NOT_CONVERSIONS}') then null else {conversions} end")
    return f"""
        select {i} as __part, source_row, {start} as period_start, {end} as period_end,
            coalesce({c('platform')}{", '" + platform + "'" if platform else ''}) as platform,
            {c('account')} as account, {c('campaign')} as campaign, {c('campaign_id')} as campaign_id,
            {c('ad_group')} as ad_group,
            cast(round({c('impressions', 'double')}) as bigint) as impressions,
            cast(round({c('clicks', 'double')}) as bigint) as clicks,
            {c('cost', 'decimal(18,2)')} as cost, {conversions} as conversions,
            {currency(st, res, c, 'cost')} as currency
        from {t}
    """


def period_table(st: Staging, res: SheetResult, t: str) -> str:
    """period text -> (period_start, period_end) for the distinct values of one sheet ('2026-Q3',
    'Quarter 1' with a Fiscal Year column 'FY2025', 'Jan 2026', a date: that month)."""
    name = f"periods_{t}"
    has = st.columns_of(t)
    fy = "fiscal_year" in has
    sel = "period, fiscal_year" if fy else "period, null"
    values = st.q(f"select distinct {sel} from {t} where period is not null")
    rows, bad = [], []
    for v, year in values:
        text = re.sub(r"(?i)\bquarter\s*(\d)", r"Q\1", str(v)).strip()
        if year and not re.search(r"\d{4}", text):
            text = f"{text} {year}"
        try:
            p = periods.parse(text, st.ctx.fy_start)
        except ValueError:
            p = None
            try:  # a date or an Excel serial: that month
                d = pd.Timestamp(v) if not str(v).replace(".", "").isdigit() else (
                    pd.Timestamp("1899-12-30") + pd.Timedelta(days=float(v)))
                p = periods.containing("month", d.date(), st.ctx.fy_start)
            except (ValueError, OverflowError):
                bad.append(str(v))
        if p is not None and p.grain != "all":
            rows.append((v, year, p.start, p.end - dt.timedelta(days=1)))
    if bad:
        n, rws = st.rows(f"select source_row from {t} where period in (select unnest($bad))", {"bad": bad})
        st.add("warning", f"{n} row(s) have a period that is not understood (e.g. "
               f"{cut_list(bad, 3, 40, quote=True)}; rows {st.rows_sample(rws)}); use 2026-07, "
               "2026-Q3 or 2026. Those rows are skipped.", res, row=rws[0] if rws else None,
               column=st.header(res, "period"), count=n, code="bad_period")
    st.con.execute(f"create or replace table {name} (v varchar, y varchar, s date, e date)")
    if rows:
        st.con.execute(f"insert into {name} select unnest($v), unnest($y), unnest($s), unnest($e)",
                       {"v": [r[0] for r in rows], "y": [r[1] for r in rows], "s": [r[2] for r in rows],
                        "e": [r[3] for r in rows]})
    return name


def _period_bounds(st: Staging, res: SheetResult, t: str, c) -> tuple[str, str, str]:
    """(FROM clause, start, end): start and end date columns, else a period column joined to its
    parsed periods."""
    has = st.columns_of(t)
    if "period_start" in has or "period_end" in has:
        return (t, f"coalesce({c('period_start', 'date')}, {c('period_end', 'date')})",
                f"coalesce({c('period_end', 'date')}, {c('period_start', 'date')})")
    pt = period_table(st, res, t)
    on = f"{t}.period = p.v" + (f" and p.y is not distinct from {t}.fiscal_year" if "fiscal_year" in has else "")
    return f"{t} inner join {pt} as p on {on}", "p.s", "p.e"


def select_spend(st: Staging, res: SheetResult, t: str, c, i: int) -> str:
    src, start, end = _period_bounds(st, res, t, c)
    fn = c("function")
    return f"""
        select {i} as __part, source_row, {start} as period_start, {end} as period_end,
            case when lower({fn}) like '%market%' then 'marketing'
                 when lower({fn}) like '%sale%' then 'sales'
                 else lower({fn}) end as function,
            {c('channel')} as channel, {c('amount', 'decimal(18,2)')} as amount,
            {currency(st, res, c)} as currency
        from {src}
    """


COUNT_GOALS = r"count|quantity|number|no\. of|won deals|deals won|calls|meetings|activities|units|\bqty\b"


def select_targets(st: Staging, res: SheetResult, t: str, c, i: int) -> str:
    if res.wide_periods:
        return " union all ".join(_select_target_column(st, res, t, c, i, ci, a, b)
                                  for ci, (a, b) in sorted(res.wide_periods.items()))
    src, start, end = _period_bounds(st, res, t, c)
    has = st.columns_of(t)
    # team and personal goals are never added together: a goal under a parent goal is a person's;
    # with no parent column, a row naming an owner is a personal quota
    if "parent_goal" in has:
        scope = f"case when {c('parent_goal')} is not null then 'personal' else 'team' end"
    else:
        scope = f"case when {c('owner')} is not null then 'personal' else 'team' end"
    target = c("revenue_target", "decimal(18,2)")
    if "metric_type" in has or "goal_metric" in has:
        # a goal that counts something (won deals, calls) is no revenue target
        counts = (f"regexp_matches(lower(coalesce({c('metric_type')}, '') || ' ' || coalesce({c('goal_metric')}, '')), "
                  f"'{COUNT_GOALS}')")
        money = f"regexp_matches(lower(coalesce({c('metric_type')}, '')), 'amount|money|revenue')"
        target = f"case when {counts} and not {money} then null else {target} end"
    return f"""
        select {i} as __part, source_row, {start} as period_start, {end} as period_end,
            {c('territory')} as territory,
            {target} as revenue_target,
            {c('mql_quota', 'integer')} as mql_quota, {c('owner')} as owner,
            {scope} as scope, {c('goal_name')} as goal_name,
            {currency(st, res, c, 'revenue_target')} as currency
        from {src}
    """


def _select_target_column(st: Staging, res: SheetResult, t: str, c, i: int, ci: int, a, b) -> str:
    """One period column of a wide targets sheet: each territory's (or owner's) target for that period."""
    scope = f"case when {c('owner')} is not null and {c('territory')} is null then 'personal' else 'team' end"
    return f"""
        select {i} as __part, source_row, date '{a.isoformat()}' as period_start, date '{b.isoformat()}' as period_end,
            {c('territory')} as territory, "period:{int(ci)}" as revenue_target,
            cast(null as integer) as mql_quota, {c('owner')} as owner, {scope} as scope,
            {c('goal_name')} as goal_name, {currency(st, res, c, f'period:{int(ci)}')} as currency
        from {t}
    """


def select_activities(st: Staging, res: SheetResult, t: str, c, i: int) -> str:
    key = (f"concat_ws('|', {c('lead_id')}, {c('deal_id')}, cast({c('occurred_at', 'timestamp')} as varchar), "
           f"{c('activity_type')}, {c('subject')}, {c('owner')}, cast(source_row as varchar))")
    return f"""
        select {i} as __part, source_row,
            coalesce({c('activity_id')}, 'a-' || substr(md5({key}), 1, 16)) as activity_id,
            {c('lead_id')} as lead_id, {c('occurred_at', 'timestamp')} as occurred_at,
            {c('activity_type')} as activity_type, {c('owner')} as owner,
            {c('deal_id')} as deal_id, {c('subject')} as subject
        from {t}
    """


def select_owners(st: Staging, res: SheetResult, t: str, c, i: int) -> str:
    full = f"nullif(trim(concat_ws(' ', {c('first_name')}, {c('last_name')})), '')"
    return f"""
        select {i} as __part, source_row, coalesce({c('owner')}, {full}, {c('email')}, {c('owner_id')}) as owner,
            {c('manager')} as manager, {c('territory')} as territory, {c('owner_id')} as owner_id,
            lower({c('email')}) as email, {c('title')} as title
        from {t}
    """


def select_accounts(st: Staging, res: SheetResult, t: str, c, i: int) -> str:
    return f"""
        select {i} as __part, source_row, coalesce({c('company')}, {c('account_id')}) as company,
            {c('account_id')} as account_id, {c('territory')} as territory, {c('industry')} as industry,
            {c('owner')} as owner, {c('country')} as country,
            {c('status')} as status, {c('is_churned', 'boolean')} as is_churned,
            {c('churned_at', 'timestamp')} as churned_at, {c('potential', 'decimal(18,2)')} as potential
        from {t}
    """


STAGE_FIELDS = ("stage", "stagename", "dealstage", "stageid", "lifecyclestage", "leadstatus", "status",
                "salesstage", "hsleadstatus", "pipelinestage")


def select_stage_history(st: Staging, res: SheetResult, t: str, c, i: int) -> str:
    has = st.columns_of(t)
    rid_words = set(st.header_words(res, "record_id"))
    record_type = "lead" if rid_words & {"lead", "contact", "person", "prospect"} else "deal"
    keep = "true"
    if "field" in has:  # a generic change log: only the rows that change a stage
        keep = (f"lower(regexp_replace({c('field')}, '[^A-Za-z0-9]', '', 'g')) in "
                f"({', '.join(repr(f) for f in STAGE_FIELDS)})")
    return f"""
        select {i} as __part, source_row, coalesce({c('record_id')}, {c('record_name')}) as record_id,
            '{record_type}' as record_type, {c('record_id')} is null as __by_name,
            {c('amount', 'decimal(18,2)')} as __amount, {currency(st, res, c)} as __currency,
            {c('stage')} as stage_raw,
            case when sm.v = 'converted' then '{st.sql_stage}' else sm.v end as stage,
            {c('entered_at', 'timestamp')} as entered_at,
            {c('stage')} is not null and sm.v is null as __unknown_stage
        from {t} {stage_join(t, c, 'stage')}
        where {keep}
    """


SELECTS = {"leads": select_leads, "deals": select_deals, "campaigns": select_campaigns, "ads": select_ads,
           "spend": select_spend, "targets": select_targets, "activities": select_activities,
           "owners": select_owners, "accounts": select_accounts, "stage_history": select_stage_history}


def union(st: Staging, kind: str, parts: list[tuple[SheetResult, str]]) -> str:
    """Table u_<table>: the rows of every sheet of a kind (parts: (sheet, its typed view)), in upload
    order (parts in order, each in file order). Returns the table's name."""
    def c(tname: str, name: str, cast: str = "varchar") -> str:
        return f"\"{name}\"" if name in st.columns_of(tname) else f"cast(null as {cast})"

    table = KINDS[kind].table
    selects = [SELECTS[kind](st, res, t, lambda n, cast="varchar", t=t: c(t, n, cast), i)
               for i, (res, t) in enumerate(parts)]
    body = " union all by name ".join(f"({s})" for s in selects)
    st.con.execute(f"create or replace table u_{table} as {body}")
    return f"u_{table}"


def arrow(st: Staging, table: str) -> pa.Table:
    """The staged rows of a business table as Arrow, with the table's columns that the rows have."""
    have = st.columns_of(f"u_{table}")
    cols = [c for c in columns(table, with_batch=False) if c in have]
    # u_<table> is in upload order already (a dedupe sorts back): no sort here. The relation API hands
    # the rows to Arrow without the extra copy a DB-API result makes.
    return st.con.sql(f"select {', '.join(cols)} from u_{table}").to_arrow_table()


def derive_deals(st: Staging) -> int:
    """Deals from a stage history when the upload has no deals sheet: one deal per record of type deal;
    its stage is the latest row's, it is won or lost by its outcome row (the close date is that row's
    date), created on its first row, and its amount is the latest row's that has one. Returns how many."""
    if "__amount" not in st.columns_of("u_stage_history"):
        return 0
    st.con.execute("""
        create or replace table u_deals as
        with h as (
            select * from u_stage_history where record_type = 'deal'
        ),
        per as (
            select record_id,
                arg_max(stage_raw, (entered_at, source_row)) as current_stage,
                arg_max(stage, (entered_at, source_row)) as last_stage,
                coalesce(bool_or(stage = 'won'), false) as won,
                coalesce(bool_or(stage like 'exit:%'), false) as lost,
                max(entered_at) filter (where stage = 'won' or stage like 'exit:%') as closed_at,
                min(entered_at) as created_at,
                arg_max(__amount, (entered_at, source_row)) filter (where __amount is not null) as amount,
                arg_max(__currency, (entered_at, source_row)) filter (where __amount is not null) as currency,
                bool_or(__by_name) as by_name,
                min(source_row) as source_row
            from h group by record_id
        )
        select -1 as __part, source_row, record_id as deal_id, by_name as id_generated,
            case when by_name then record_id end as deal_name, current_stage,
            case when won then 'won' when last_stage like 'exit:%' then null else last_stage end as stage,
            created_at, case when won or lost then closed_at end as closed_at, amount, won as is_won,
            lost and not won as is_lost, won or lost as is_closed, currency
        from per order by source_row""")
    return st.q("select count(*) from u_deals")[0][0]

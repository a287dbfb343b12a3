-- data_checks: what the load report shows about the data as loaded (issue 13), over the business
-- tables and the marts. Not a mart: revmachine.marts.data_checks runs it.
--   future_dated: events dated after $today, per table and column (they never move the data's
--     as-of date; an open deal's expected close date is not an event and is not counted);
--   closed_before_created: won or lost deals whose close date is before their create date (a data
--     error: left out of the durations);
--   linked_deals: deals that continue a loaded lead, per matching key (converted_deal_id, lead_id,
--     contact_id; deal_links); unlinked_deals: deals naming a lead or contact that matches no
--     loaded lead (while leads are loaded).
-- Grain: one row per check x table x column with records > 0 (linked_deals: one row per key
--   that matched, column = the key).
-- Parameters: $today (a date).
with

cutoff as (
    select cast(cast($today as date) + 1 as timestamp) as t
),

future as (
    select 'leads' as table_name, unnest([
        {'c': 'created_at', 'n': count(*) filter (where l.created_at >= c.t)},
        {'c': 'mql_at', 'n': count(*) filter (where l.mql_at >= c.t)},
        {'c': 'sal_at', 'n': count(*) filter (where l.sal_at >= c.t)},
        {'c': 'opportunity_at', 'n': count(*) filter (where l.opportunity_at >= c.t)},
        {'c': 'proposal_at', 'n': count(*) filter (where l.proposal_at >= c.t)},
        {'c': 'won_at', 'n': count(*) filter (where l.won_at >= c.t)},
        {'c': 'exit_at', 'n': count(*) filter (where l.exit_at >= c.t)},
        {'c': 'converted_at', 'n': count(*) filter (where l.converted_at >= c.t)}
    ]) as x
    from leads as l cross join cutoff as c
    union all
    select 'deals', unnest([
        {'c': 'created_at', 'n': count(*) filter (where d.created_at >= c.t)},
        {'c': 'closed_at', 'n': count(*) filter (where d.closed_at >= c.t)}
    ])
    from deals as d cross join cutoff as c
    union all
    select 'activities', {'c': 'occurred_at', 'n': count(*) filter (where a.occurred_at >= c.t)}
    from activities as a cross join cutoff as c
    union all
    select 'stage_history', {'c': 'entered_at', 'n': count(*) filter (where h.entered_at >= c.t)}
    from stage_history as h cross join cutoff as c
    union all
    select 'lead_stage_dates', {'c': 'entered_at', 'n': count(*) filter (where s.entered_at >= c.t)}
    from lead_stage_dates as s cross join cutoff as c
),

checks as (
    select 'future_dated' as check_name, table_name, x.c as column_name, x.n as records
    from future
    union all
    select
        'closed_before_created', 'deals', 'closed_at',
        count(*) filter (where cast(d.closed_at as date) < cast(d.created_at as date))
    from deals as d
    inner join deal_links as k on d.deal_id = k.deal_id
    where k.is_won or k.is_lost
    union all
    select 'linked_deals', 'deals', link_key, count(*)
    from deal_links
    where link_key is not null
    group by link_key
    union all
    select
        'unlinked_deals', 'deals', 'lead_id or contact_id',
        count(*) filter (where k.lead_id is null and (d.lead_id is not null or d.contact_id is not null))
    from deals as d
    inner join deal_links as k on d.deal_id = k.deal_id
    where exists (select 1 from leads)
)

select * from checks where records > 0 order by check_name, table_name, column_name

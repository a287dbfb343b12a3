-- funnel_records: one row per record that moves through the funnel, with where it went.
-- Grain: one row per lead, plus one row per deal that is not linked to a loaded lead
-- (a deals-only export enters the funnel at the SQL stage, domain.md "The revenue process").
-- record_id is 'L:<lead_id>' or 'D:<deal_id>'.
-- Channel -> sourced_by comes from config_channels (domain.md: "the mapping of channels to a
-- source is configuration"); a lead's territory falls back to its owner's (owners sheet).
-- Exits: disqualified / rejected / lost as loaded, or 'stale' when a record that is neither won
-- nor exited has not moved for `stale_days` before the data's latest timestamp.
-- Stages reached (computed per row, so the stage_events and funnel_steps marts are a plain
-- unnest of this table): stage index i is the i-th configured stage in funnel order.
--   entry_index: 1 for a lead, the SQL stage for a deal with no loaded lead;
--   reached_index: the furthest stage with a date, or the current stage, or the last stage when
--     won (domain.md / issue 2: with only a current stage, a lead counts as having passed every
--     stage before its current one);
--   stage_at[i], entry_index <= i <= reached_index: the stage's own date; a stage without one was
--     reached by the earliest known later date, else the latest known earlier one, else creation;
--   stage_inferred[i]: stage_at[i] was inferred (days-in-stage leaves such steps out).
-- step_from_min / step_from_max: the earliest / latest from-date of the record's steps (stage_at
--   over entry_index .. the last stage but one it reached): a step query for a period first drops
--   the records whose steps all lie outside it, before the funnel_steps view unnests the rest.
-- Facts the scorecard reads: sql_at (entered the SQL stage), is_accepted (reached 'sal'),
-- first_touch_at (the earliest activity at or after the handoff, or First Response, whichever is
-- earlier) and touch_count (the lead's activities, else its Follow-ups column).
-- No parameters.
with

owners_src as (
    select
        owner,
        any_value(territory) as territory,
    from owners
    group by owner
),

settings as (
    select
        coalesce(max(case when key = 'stale_days' then try_cast(value as integer) end), 180)
            as stale_days
    from config_settings
),

funnel as (
    select
        list(stage order by position) as stages,
        count(*) as n_stages,
        coalesce(
            list_position(list(stage order by position), min(stage order by position) filter (where is_sql)),
            1
        ) as sql_index,
        coalesce(list_position(list(stage order by position), 'sal'), 0) as sal_index,
        -- each stage's place in the standard columns below (7: a stage without a column)
        list_transform(list(stage order by position), lambda s: coalesce(
            list_position(['lead', 'mql', 'sal', 'opportunity', 'proposal', 'won'], s), 7)) as column_index
    from config_stages
),

deals_by_lead as (
    select
        d.lead_id,
        min(d.created_at) as first_deal_created_at,
        min(case when d.is_won then d.closed_at end) as first_won_at,
        sum(case when d.is_won then d.amount end) as won_amount,
        count(*) filter (where d.is_won) as won_deal_count,
        bool_and(coalesce(d.is_lost, false)) as is_all_lost,
        max(case when d.is_lost then d.closed_at end) as last_lost_at
    from deals as d
    where d.lead_id is not null
    group by d.lead_id
),

-- dates of configured stages without a column of their own (e.g. 'demo'), per lead
extra_dates as (
    select
        lead_id,
        map_from_entries(list({'k': stage, 'v': entered_at})) as dates
    from (
        select lead_id, stage, min(entered_at) as entered_at
        from lead_stage_dates
        group by lead_id, stage
    )
    group by lead_id
),

touches as (
    select
        a.lead_id,
        count(a.activity_id) as activity_count,
        min(a.occurred_at) filter (where a.occurred_at >= l.mql_at) as first_activity_at
    from activities as a
    inner join leads as l on a.lead_id = l.lead_id
    group by a.lead_id
),

lead_records as (
    select
        'L:' || l.lead_id as record_id,
        'lead' as record_type,
        l.lead_id,
        cast(null as varchar) as deal_id,
        l.created_at,
        l.channel as channel_raw,
        l.campaign,
        l.company,
        coalesce(l.territory, o.territory) as territory,
        l.owner,
        case when dl.won_deal_count > 0 then 'won' else l.stage end as current_stage,
        l.mql_at,
        l.sal_at,
        coalesce(l.opportunity_at, dl.first_deal_created_at) as opportunity_at,
        l.proposal_at,
        coalesce(l.won_at, dl.first_won_at) as won_at,
        coalesce(
            l.exit_at,
            case when dl.is_all_lost and l.won_at is null then dl.last_lost_at end
        ) as exit_at_raw,
        coalesce(
            l.exit_reason,
            case when dl.is_all_lost and l.won_at is null then 'lost' end
        ) as exit_reason_raw,
        l.assigned_at,
        l.first_response_at,
        l.followup_count,
        coalesce(dl.won_amount, l.amount) as amount,
        x.dates as extra_dates,
        least(t.first_activity_at, l.first_response_at) as first_touch_at,
        coalesce(t.activity_count, l.followup_count) as touch_count
    from leads as l
    left join deals_by_lead as dl on l.lead_id = dl.lead_id
    left join owners_src as o on l.owner = o.owner
    left join extra_dates as x on l.lead_id = x.lead_id
    left join touches as t on l.lead_id = t.lead_id
),

deal_records as (
    select
        'D:' || d.deal_id as record_id,
        'deal' as record_type,
        cast(null as varchar) as lead_id,
        d.deal_id,
        d.created_at,
        d.channel as channel_raw,
        d.campaign,
        d.company,
        coalesce(d.territory, o.territory) as territory,
        d.owner,
        case when d.is_won then 'won' else d.stage end as current_stage,
        cast(null as timestamp) as mql_at,
        cast(null as timestamp) as sal_at,
        d.created_at as opportunity_at,
        cast(null as timestamp) as proposal_at,
        case when d.is_won then d.closed_at end as won_at,
        case when d.is_lost then d.closed_at end as exit_at_raw,
        case when d.is_lost then coalesce(d.lost_reason, 'lost') end as exit_reason_raw,
        cast(null as timestamp) as assigned_at,
        cast(null as timestamp) as first_response_at,
        cast(null as integer) as followup_count,
        d.amount,
        cast(null as map(varchar, timestamp)) as extra_dates,
        cast(null as timestamp) as first_touch_at,
        cast(null as bigint) as touch_count
    from deals as d
    left join owners_src as o on d.owner = o.owner
    where d.lead_id is null or d.lead_id not in (select lead_id from leads)
),

unioned as (
    select * from lead_records
    union all
    select * from deal_records
),

-- the data's latest timestamp: the latest date in leads and deals (read from the tables, not
-- from `unioned`, which is then scanned once as a stream instead of being held in memory)
as_of as (
    select greatest(
        (select greatest(max(created_at), max(mql_at), max(sal_at), max(opportunity_at),
            max(proposal_at), max(won_at), max(exit_at)) from leads),
        (select greatest(max(created_at), max(closed_at)) from deals)
    ) as data_as_of
),

-- the channel map, resolved once per distinct channel value rather than once per record
channel_map as (
    select
        v.channel_raw,
        coalesce(c.channel_label, nullif(trim(v.channel_raw), ''), 'Unknown') as channel,
        coalesce(c.sourced_by, 'unmapped') as sourced_by
    from (select channel as channel_raw from leads union select channel from deals) as v
    left join config_channels as c
        on lower(regexp_replace(coalesce(v.channel_raw, ''), '[^A-Za-z0-9]', '', 'g')) = c.channel_key
),

-- per record and configured stage: the stage's known date, and whether the record has one
known as (
    select
        u.*,
        u.won_at is not null or u.current_stage = 'won' as is_won_record,
        case when u.record_type = 'deal' then f.sql_index else 1 end as entry_index,
        list_select([
            u.created_at, u.mql_at, u.sal_at,
            case when u.record_type = 'lead' then u.opportunity_at end,
            u.proposal_at, u.won_at, null
        ], f.column_index) as column_at,
        list_select([
            u.record_type = 'lead', u.mql_at is not null, u.sal_at is not null,
            u.record_type = 'lead' and u.opportunity_at is not null,
            u.proposal_at is not null, u.won_at is not null, false
        ], f.column_index) as column_known
    from unioned as u
    cross join funnel as f
),

-- per record and configured stage: the stage's known date, and whether the record has one
known_stages as (
    select
        k.* exclude (column_at, column_known),
        case
            -- a deal with no loaded lead entered the SQL stage when it was created
            when k.record_type = 'deal' then list_transform(k.column_at, lambda v, i: case
                when i = f.sql_index then least(k.opportunity_at, v) else v end)
            -- dates of stages without a column of their own (lead_stage_dates)
            when k.extra_dates is not null then list_transform(k.column_at, lambda v, i: case
                when f.column_index[i] = 7 then k.extra_dates[f.stages[i]] else v end)
            else k.column_at
        end as known_at,
        case
            when k.record_type = 'deal' then list_transform(k.column_known, lambda h, i: h or i = f.sql_index)
            when k.extra_dates is not null then list_transform(k.column_known, lambda h, i: case
                when f.column_index[i] = 7 then list_contains(map_keys(k.extra_dates), f.stages[i])
                else h end)
            else k.column_known
        end as is_known
    from known as k
    cross join funnel as f
),

bounded as (
    select
        k.*,
        greatest(
            coalesce(list_max(list_transform(k.is_known, lambda h, i: case when h then i end)), 0),
            coalesce(list_position(f.stages, k.current_stage), 0),
            k.entry_index,
            case when k.is_won_record then f.n_stages else 0 end
        ) as reached_index
    from known_stages as k
    cross join funnel as f
),

reached as (
    select
        b.*,
        case
            -- most records sit at one stage: nothing to infer from neighbours
            when b.entry_index = b.reached_index then list_transform(range(1, f.n_stages + 1),
                lambda i: case when i = b.entry_index then coalesce(b.known_at[i], b.created_at) end)
            else list_transform(range(1, f.n_stages + 1), lambda i: case
                when i between b.entry_index and b.reached_index then coalesce(
                    b.known_at[i],
                    list_min(b.known_at[i:b.reached_index]),
                    list_max(b.known_at[b.entry_index:i]),
                    b.created_at
                )
            end)
        end as stage_at,
        list_transform(range(1, f.n_stages + 1), lambda i: case
            when i between b.entry_index and b.reached_index then b.known_at[i] is null
        end) as stage_inferred,
        f.sql_index,
        f.sal_index,
        least(b.reached_index, f.n_stages - 1) as last_step_index
    from bounded as b
    cross join funnel as f
),

final as (
    select
        r.record_id,
        r.record_type,
        r.lead_id,
        r.deal_id,
        r.created_at,
        cast(r.created_at as date) as created_date,
        m.channel,
        m.sourced_by,
        r.campaign,
        r.company,
        coalesce(nullif(trim(r.territory), ''), 'Unassigned') as territory,
        coalesce(nullif(trim(r.owner), ''), 'Unassigned') as owner,
        r.current_stage,
        r.mql_at,
        r.sal_at,
        r.opportunity_at,
        r.proposal_at,
        r.won_at,
        r.is_won_record as is_won,
        case
            when r.is_won_record then null
            when r.exit_at_raw is not null or r.exit_reason_raw is not null then r.exit_at_raw
            when greatest(r.created_at, r.mql_at, r.sal_at, r.opportunity_at, r.proposal_at, r.won_at)
                < a.data_as_of - to_days(s.stale_days)
                then greatest(r.created_at, r.mql_at, r.sal_at, r.opportunity_at, r.proposal_at, r.won_at)
                    + to_days(s.stale_days)
        end as exit_at,
        case
            when r.is_won_record then null
            when r.exit_at_raw is not null or r.exit_reason_raw is not null
                then coalesce(r.exit_reason_raw, 'exited')
            when greatest(r.created_at, r.mql_at, r.sal_at, r.opportunity_at, r.proposal_at, r.won_at)
                < a.data_as_of - to_days(s.stale_days) then 'stale'
        end as exit_reason,
        r.assigned_at,
        r.first_response_at,
        r.followup_count,
        r.amount,
        a.data_as_of,
        r.entry_index,
        r.reached_index,
        r.stage_at,
        r.stage_inferred,
        list_min(r.stage_at[r.entry_index:r.last_step_index]) as step_from_min,
        list_max(r.stage_at[r.entry_index:r.last_step_index]) as step_from_max,
        r.stage_at[r.sql_index] as sql_at,
        cast(r.stage_at[r.sql_index] as date) as sql_date,
        r.sal_index between r.entry_index and r.reached_index as is_accepted,
        r.first_touch_at,
        r.touch_count
    from reached as r
    cross join as_of as a
    cross join settings as s
    left join channel_map as m on r.channel_raw is not distinct from m.channel_raw
)

select * from final

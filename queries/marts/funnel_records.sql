-- funnel_records: one row per record that moves through the funnel.
-- Grain: one row per lead, plus one row per deal that is not linked to a loaded lead
-- (a deals-only export enters the funnel at the SQL stage, domain.md "The revenue process").
-- record_id is 'L:<lead_id>' or 'D:<deal_id>'.
-- Channel -> sourced_by comes from config_channels (domain.md: "the mapping of channels to a
-- source is configuration"); a lead's territory falls back to its owner's (owners sheet).
-- Exits: disqualified / rejected / lost as loaded, or 'stale' when a record that is neither won
-- nor exited has not moved for `stale_days` before the data's latest timestamp.
-- No parameters.
with

leads_src as (
    select * from leads
),

deals_src as (
    select * from deals
),

owners_src as (
    select
        owner,
        any_value(territory) as territory,
    from owners
    group by owner
),

channels as (
    select * from config_channels
),

settings as (
    select
        coalesce(max(case when key = 'stale_days' then try_cast(value as integer) end), 180)
            as stale_days
    from config_settings
),

deals_by_lead as (
    select
        d.lead_id,
        min(d.created_at) as first_deal_created_at,
        min(case when d.is_won then d.closed_at end) as first_won_at,
        sum(case when d.is_won then d.amount end) as won_amount,
        count(*) filter (where d.is_won) as won_deal_count,
        bool_and(coalesce(d.is_lost, false)) as is_all_lost,
        max(case when d.is_lost then d.closed_at end) as last_lost_at,
        max(case when d.stage = 'proposal' then coalesce(d.created_at, d.closed_at) end)
            as proposal_seen_at,
        any_value(d.lost_reason) as lost_reason
    from deals_src as d
    where d.lead_id is not null
    group by d.lead_id
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
        coalesce(dl.won_amount, l.amount) as amount
    from leads_src as l
    left join deals_by_lead as dl on l.lead_id = dl.lead_id
    left join owners_src as o on l.owner = o.owner
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
        d.amount
    from deals_src as d
    left join owners_src as o on d.owner = o.owner
    where d.lead_id is null or d.lead_id not in (select lead_id from leads_src)
),

unioned as (
    select * from lead_records
    union all
    select * from deal_records
),

as_of as (
    select
        greatest(
            max(created_at), max(mql_at), max(sal_at), max(opportunity_at),
            max(proposal_at), max(won_at), max(exit_at_raw)
        ) as data_as_of
    from unioned
),

enriched as (
    select
        u.*,
        lower(regexp_replace(coalesce(u.channel_raw, ''), '[^A-Za-z0-9]', '', 'g')) as channel_key,
        greatest(
            u.created_at, u.mql_at, u.sal_at, u.opportunity_at, u.proposal_at, u.won_at
        ) as last_moved_at
    from unioned as u
),

final as (
    select
        e.record_id,
        e.record_type,
        e.lead_id,
        e.deal_id,
        e.created_at,
        cast(e.created_at as date) as created_date,
        coalesce(c.channel_label, nullif(trim(e.channel_raw), ''), 'Unknown') as channel,
        coalesce(c.sourced_by, 'unmapped') as sourced_by,
        e.campaign,
        e.company,
        coalesce(nullif(trim(e.territory), ''), 'Unassigned') as territory,
        coalesce(nullif(trim(e.owner), ''), 'Unassigned') as owner,
        e.current_stage,
        e.mql_at,
        e.sal_at,
        e.opportunity_at,
        e.proposal_at,
        e.won_at,
        e.won_at is not null or e.current_stage = 'won' as is_won,
        case
            when e.won_at is not null or e.current_stage = 'won' then null
            when e.exit_at_raw is not null or e.exit_reason_raw is not null then e.exit_at_raw
            when e.last_moved_at < a.data_as_of - to_days(s.stale_days)
                then e.last_moved_at + to_days(s.stale_days)
        end as exit_at,
        case
            when e.won_at is not null or e.current_stage = 'won' then null
            when e.exit_at_raw is not null or e.exit_reason_raw is not null
                then coalesce(e.exit_reason_raw, 'exited')
            when e.last_moved_at < a.data_as_of - to_days(s.stale_days) then 'stale'
        end as exit_reason,
        e.assigned_at,
        e.first_response_at,
        e.followup_count,
        e.amount,
        a.data_as_of
    from enriched as e
    cross join as_of as a
    cross join settings as s
    left join channels as c on e.channel_key = c.channel_key
)

select * from final

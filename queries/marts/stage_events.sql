-- stage_events: the long stage-event view every funnel query reads.
-- Grain: one row per record x configured stage it reached (config_stages, in position order).
-- A record reached a stage when it has a date for it, or a later stage, or its current stage is
-- at or past it (domain.md / issue 2: with only a current stage, a lead counts as having passed
-- every stage before its current one). Records enter at 'lead' (leads) or at the SQL stage
-- (deals with no loaded lead). Inferred stages take the earliest known later date (they were
-- reached by then), else the latest known earlier one; is_inferred marks them so velocity
-- (days in stage) can leave them out.
-- No parameters.
with

records as (
    select * from funnel_records
),

stages as (
    select * from config_stages
),

sql_stage as (
    select coalesce(min(position) filter (where is_sql), min(position)) as position from stages
),

known_wide as (
    select record_id, 'lead' as stage, created_at as entered_at
    from records where record_type = 'lead'
    union all
    select record_id, 'mql', mql_at from records where mql_at is not null
    union all
    select record_id, 'sal', sal_at from records where sal_at is not null
    union all
    select record_id, 'opportunity', opportunity_at
    from records where opportunity_at is not null and record_type = 'lead'
    union all
    select record_id, 'proposal', proposal_at from records where proposal_at is not null
    union all
    select record_id, 'won', won_at from records where won_at is not null
    union all
    select 'L:' || lead_id, stage, entered_at from lead_stage_dates
),

known_deals as (
    select r.record_id, s.stage, r.opportunity_at as entered_at
    from records as r
    cross join sql_stage as q
    inner join stages as s on s.position = q.position
    where r.record_type = 'deal'
),

known as (
    select k.record_id, k.stage, s.position, min(k.entered_at) as entered_at
    from (select * from known_wide union all select * from known_deals) as k
    inner join stages as s on k.stage = s.stage
    group by k.record_id, k.stage, s.position
),

bounds as (
    select
        r.record_id,
        case
            when r.record_type = 'deal' then q.position
            else (select min(position) from stages)
        end as entry_position,
        greatest(
            coalesce(max(k.position), 0),
            coalesce(any_value(cs.position), 0),
            case when r.record_type = 'deal' then q.position else 1 end,
            case when bool_or(r.is_won) then (select max(position) from stages) else 0 end
        ) as reached_position,
        any_value(r.created_at) as created_at
    from records as r
    cross join sql_stage as q
    left join known as k on r.record_id = k.record_id
    left join stages as cs on r.current_stage = cs.stage
    group by r.record_id, r.record_type, q.position
),

expanded as (
    select
        b.record_id,
        s.stage,
        s.position,
        k.entered_at as known_at,
        b.created_at,
        b.reached_position = b.entry_position as is_single
    from bounds as b
    inner join stages as s
        on s.position between b.entry_position and b.reached_position
    left join known as k on b.record_id = k.record_id and s.stage = k.stage
),

single as (
    -- most records sit at one stage: nothing to infer from neighbours, no window needed
    select
        record_id,
        stage,
        position,
        coalesce(known_at, created_at) as entered_at,
        known_at is null as is_inferred
    from expanded
    where is_single
),

filled as (
    select
        record_id,
        stage,
        position,
        known_at,
        min(known_at) over (
            partition by record_id order by position desc
            rows between unbounded preceding and current row
        ) as next_known_at,
        max(known_at) over (
            partition by record_id order by position
            rows between unbounded preceding and current row
        ) as prev_known_at,
        created_at
    from expanded
    where not is_single
),

final as (
    select
        record_id,
        stage,
        position,
        coalesce(known_at, next_known_at, prev_known_at, created_at) as entered_at,
        known_at is null as is_inferred
    from filled
    union all
    select * from single
)

select * from final

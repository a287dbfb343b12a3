-- rollup_funnel_came_back: the leads that went quiet and came back, and the leads quiet now
-- (queries/funnel/came_back.sql), counted at load time.
-- Grain: one row per kind x day x created_date x territory x channel x owner x sourced_by x
-- campaign x stage_index:
--   kind 'came_back': leads that re-engaged (funnel_records.came_back_at), day = the day they came
--     back, stage_index = the stage they re-entered at (reentry_index);
--   kind 'recycled': leads quiet now (is_recycled), day = the day their quiet spell began
--     (recycled_at), stage_index = the stage they stopped at (reached_index).
-- The period view reads `day`, the cohort view `created_date`. No parameters.
with

states as (
    select
        'came_back' as kind,
        cast(came_back_at as date) as day,
        reentry_index as stage_index,
        *
    from funnel_records
    where record_type = 'lead' and came_back_at is not null
    union all
    select
        'recycled' as kind,
        cast(recycled_at as date) as day,
        reached_index as stage_index,
        *
    from funnel_records
    where record_type = 'lead' and is_recycled
)

select
    kind,
    day,
    created_date,
    territory,
    channel,
    owner,
    sourced_by,
    campaign,
    stage_index,
    count(*) as records
from states
group by kind, day, created_date, territory, channel, owner, sourced_by, campaign, stage_index

-- step_exits: why records left the funnel at each step without converting (disqualified,
-- rejected, lost, stale...), domain.md "Funnel bottlenecks: exits".
-- Grain: one row per step x exit reason, for the same records as step_conversion.
-- Parameters: as step_conversion ($view, $period_start, $period_end, filters, $campaign).
with

stages as (
    select stage, label, position, row_number() over (order by position) as idx from config_stages
),

steps as (
    select a.idx as step_index, a.label || ' → ' || b.label as step, a.stage as from_stage,
        b.stage as to_stage
    from stages as a
    inner join stages as b on b.idx = a.idx + 1
),

exited as (
    select s.step_index, s.step, x.exit_reason, x.record_id
    from steps as s
    inner join filtered_steps($territory, $channel, $owner, $sourced_by) as x on s.step_index = x.step_index
    where
        x.to_at is null
        and x.exit_reason is not null
        and ($campaign = '' or x.campaign = $campaign)
        and in_view($view, x.created_date, x.from_at, x.step_from_min, x.step_from_max,
            cast($period_start as date), cast($period_end as date))
),

final as (
    select step_index, step, exit_reason, count(*) as records
    from exited
    group by all
)

select * from final order by step_index, records desc, exit_reason

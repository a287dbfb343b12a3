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

records as (
    select record_id, created_date, exit_reason
    from filtered_records($territory, $channel, $owner, $sourced_by)
    where ($campaign = '' or campaign = $campaign) and exit_reason is not null
),

exited as (
    select
        s.step_index,
        s.step,
        r.exit_reason,
        f.record_id
    from steps as s
    inner join stage_events as f on s.from_stage = f.stage
    inner join records as r on f.record_id = r.record_id
    left join stage_events as t on f.record_id = t.record_id and s.to_stage = t.stage
    where
        t.record_id is null
        and case $view
            when 'cohort' then r.created_date >= cast($period_start as date)
                and r.created_date < cast($period_end as date)
            else cast(f.entered_at as date) >= cast($period_start as date)
                and cast(f.entered_at as date) < cast($period_end as date)
        end
),

final as (
    select step_index, step, exit_reason, count(*) as records
    from exited
    group by all
)

select * from final order by step_index, records desc, exit_reason

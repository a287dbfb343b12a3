-- step_exits: why records left the funnel at each step without converting (disqualified,
-- rejected, lost, stale...), domain.md "Funnel bottlenecks: exits". exit_kind groups the reasons:
-- lost | disqualified | rejected | stale (the age rule: no movement for the configured days).
-- Grain: one row per step x exit reason x exit kind, for the same records as step_conversion.
-- Parameters: as step_conversion ($view, $period_start, $period_end, filters); a campaign's exits:
-- step_exits_records. Reads rollup_funnel_step_exits (the exits per day, reason and kind).
with

steps as (
    select step_index, step from funnel_step_list
),

exited as (
    select step_index, exit_reason, exit_kind, cast(sum(records) as bigint) as records
    from rollup_funnel_step_exits
    where
        dated_by = case $view when 'cohort' then 'cohort' else 'period' end
        and day >= cast($period_start as date)
        and day < cast($period_end as date)
        and passes_filters($territory, $channel, $owner, $sourced_by, territory, channel, owner, sourced_by)
    group by all
),

final as (
    select s.step_index, s.step, x.exit_reason, x.exit_kind, x.records
    from steps as s
    inner join exited as x on s.step_index = x.step_index
)

select * from final order by step_index, records desc, exit_reason

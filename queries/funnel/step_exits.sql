-- step_exits: why records left the funnel at each step without converting (disqualified,
-- rejected, lost, stale...), domain.md "Funnel bottlenecks: exits". exit_kind groups the reasons:
-- lost | disqualified | rejected | stale (the age rule: no movement for the configured days).
-- Grain: one row per step x exit reason x exit kind, for the same records as step_conversion.
-- Parameters: as step_conversion ($view, $period_start, $period_end, filters, $campaign).
-- Reads the same rollups as step_conversion: their exit_reasons histograms ({reason, kind} ->
-- records) summed over the selection.
with

steps as (
    select step_index, step from funnel_step_list
),

in_period as (
    select step_index, territory, channel, owner, sourced_by, campaign, exit_reasons
    from rollup_funnel_steps
    where $view <> 'cohort' and from_date >= cast($period_start as date) and from_date < cast($period_end as date)
    union all
    select step_index, territory, channel, owner, sourced_by, campaign, exit_reasons
    from rollup_funnel_cohorts
    where $view = 'cohort' and created_date >= cast($period_start as date) and created_date < cast($period_end as date)
),

exited as (
    select step_index, unnest(map_keys(exit_reasons)) as reason, unnest(map_values(exit_reasons)) as records
    from in_period
    where
        exit_reasons is not null
        and passes_filters($territory, $channel, $owner, $sourced_by, territory, channel, owner, sourced_by)
        and ($campaign = '' or campaign = $campaign)
),

final as (
    select
        s.step_index,
        s.step,
        x.reason.exit_reason as exit_reason,
        x.reason.exit_kind as exit_kind,
        cast(sum(x.records) as bigint) as records
    from steps as s
    inner join exited as x on s.step_index = x.step_index
    group by all
)

select * from final order by step_index, records desc, exit_reason

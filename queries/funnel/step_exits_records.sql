-- step_exits_records: step_exits from the records, for a campaign (the rollups have no campaign
-- key: it would multiply their rows by the campaigns; one campaign is a small slice of the records).
-- why records left the funnel at each step without converting (disqualified,
-- rejected, lost, stale...), domain.md "Funnel bottlenecks: exits". exit_kind groups the reasons:
-- lost | disqualified | rejected | stale (the age rule: no movement for the configured days).
-- Grain: one row per step x exit reason x exit kind, for the same records as step_conversion.
-- Parameters: as step_conversion ($view, $period_start, $period_end, filters, $campaign).
with

steps as (
    select step_index, step from funnel_step_list
),

exited as (
    select s.step_index, s.step, x.exit_reason, x.exit_kind, x.record_id
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
    select step_index, step, exit_reason, exit_kind, count(*) as records
    from exited
    group by all
)

select * from final order by step_index, records desc, exit_reason

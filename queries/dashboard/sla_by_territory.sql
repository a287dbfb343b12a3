-- sla_by_territory: both sides of the revenue SLA (domain.md "Revenue SLA") per territory.
-- Marketing: its own MQLs, the marketing-sourced leads handed off in the period, against the MQL
-- quota (targets sheet, prorated by days); the sales-sourced MQLs are counted beside it
-- (sales_sourced_mqls), never in it, and so are MQLs from channels mapped to neither side.
-- Sales, on the marketing-sourced handoffs: touched within $sla_hours of the handoff (the MQL
-- stage's SLA hours; NULL: none set, within_sla NULL), with at least $min_attempts touches, never
-- touched by the data's as-of date (once the first-touch window has run out), and given feedback
-- (accepted, or rejected/disqualified with a reason).
-- Grain: one row per territory. Parameters: $period_start, $period_end, $territory, $channel,
--   $owner, $sourced_by, $sla_hours, $min_attempts.
with

records as (
    select *
    from handoffs_in(cast($period_start as date), cast($period_end as date),
        $territory, $channel, $owner, $sourced_by)
),

per_lead as (
    select
        r.territory,
        r.record_id,
        r.sourced_by = 'marketing' as is_marketing,
        r.sourced_by = 'sales' as is_sales,
        datediff('second', r.mql_at, r.first_touch_at) / 3600.0 as response_hours,
        r.touch_count,
        r.is_accepted,
        rejected_with_reason(r.is_accepted, r.exit_reason) as is_rejected_with_reason,
        datediff('second', r.mql_at, a.data_as_of) > coalesce($sla_hours, 0) * 3600 as is_past_window,
        never_touched_by(r.mql_at, r.first_touch_at, r.followup_count, a.data_as_of, $sla_hours)
            as is_never_touched
    from records as r
    cross join (select data_as_of() as data_as_of) as a
),

quota as (
    select territory, mql_quota
    from prorated_targets(cast($period_start as date), cast($period_end as date), $territory)
),

by_territory as (
    select
        territory,
        count(*) filter (where is_marketing) as mqls,
        count(*) filter (where is_sales) as sales_sourced_mqls,
        count(*) filter (where not is_marketing and not is_sales) as unmapped_mqls,
        case when $sla_hours is not null then
            count(*) filter (where is_marketing and response_hours between 0 and $sla_hours)
        end as within_sla,
        count(response_hours) filter (where is_marketing) as touched,
        median(response_hours) filter (where is_marketing and response_hours >= 0) as median_response_hours,
        count(*) filter (where is_marketing and touch_count >= $min_attempts) as min_attempts_met,
        count(touch_count) filter (where is_marketing) as with_touch_data,
        count(*) filter (where is_marketing and is_past_window) as past_first_touch_window,
        count(*) filter (where is_marketing and is_never_touched) as never_touched,
        count(*) filter (where is_marketing and (is_accepted or is_rejected_with_reason)) as with_feedback,
        count(*) filter (where is_marketing and is_accepted) as accepted,
        count(*) filter (where is_marketing and is_rejected_with_reason) as rejected_with_reason
    from per_lead
    group by territory
),

final as (
    select
        coalesce(b.territory, q.territory) as territory,
        coalesce(b.mqls, 0) as mqls,
        coalesce(b.sales_sourced_mqls, 0) as sales_sourced_mqls,
        coalesce(b.unmapped_mqls, 0) as unmapped_mqls,
        q.mql_quota,
        case when $sla_hours is not null then coalesce(b.within_sla, 0) end as within_sla,
        coalesce(b.touched, 0) as touched,
        b.median_response_hours,
        coalesce(b.min_attempts_met, 0) as min_attempts_met,
        coalesce(b.with_touch_data, 0) as with_touch_data,
        coalesce(b.past_first_touch_window, 0) as past_first_touch_window,
        coalesce(b.never_touched, 0) as never_touched,
        coalesce(b.with_feedback, 0) as with_feedback,
        coalesce(b.accepted, 0) as accepted,
        coalesce(b.rejected_with_reason, 0) as rejected_with_reason
    from by_territory as b
    full outer join quota as q on b.territory = q.territory
)

select * from final order by territory

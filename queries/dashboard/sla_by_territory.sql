-- sla_by_territory: both sides of the revenue SLA (domain.md "Revenue SLA") per territory.
-- Marketing: MQLs handed off in the period against the MQL quota (targets sheet, prorated).
-- Sales: handed-off leads touched within $sla_hours of the handoff, with at least $min_attempts
-- touches, and given feedback (accepted, or rejected/disqualified with a reason).
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
        datediff('second', r.mql_at, r.first_touch_at) / 3600.0 as response_hours,
        r.touch_count,
        r.is_accepted,
        rejected_with_reason(r.is_accepted, r.exit_reason) as is_rejected_with_reason
    from records as r
),

quota as (
    select territory, mql_quota
    from prorated_targets(cast($period_start as date), cast($period_end as date), $territory)
),

by_territory as (
    select
        territory,
        count(*) as mqls,
        count(*) filter (where response_hours between 0 and $sla_hours) as within_sla,
        count(response_hours) as touched,
        median(response_hours) filter (where response_hours >= 0) as median_response_hours,
        count(*) filter (where touch_count >= $min_attempts) as min_attempts_met,
        count(touch_count) as with_touch_data,
        count(*) filter (where is_accepted or is_rejected_with_reason) as with_feedback,
        count(*) filter (where is_accepted) as accepted,
        count(*) filter (where is_rejected_with_reason) as rejected_with_reason
    from per_lead
    group by territory
),

final as (
    select
        coalesce(b.territory, q.territory) as territory,
        coalesce(b.mqls, 0) as mqls,
        q.mql_quota,
        coalesce(b.within_sla, 0) as within_sla,
        coalesce(b.touched, 0) as touched,
        b.median_response_hours,
        coalesce(b.min_attempts_met, 0) as min_attempts_met,
        coalesce(b.with_touch_data, 0) as with_touch_data,
        coalesce(b.with_feedback, 0) as with_feedback,
        coalesce(b.accepted, 0) as accepted,
        coalesce(b.rejected_with_reason, 0) as rejected_with_reason
    from by_territory as b
    full outer join quota as q on b.territory = q.territory
)

select * from final order by territory

-- sla_breaches: the marketing-sourced handed-off leads that break the sales side of the revenue SLA,
-- so an owner can act (domain.md "Revenue SLA": the breaching records are listed). A sales-sourced
-- lead is a rep's own, not a handoff, and is never a breach of it.
-- A breach: no first touch within $sla_hours of the handoff (mql_at; the MQL stage's SLA hours,
-- NULL: no first-touch SLA is set and no lead breaches it); fewer than $min_attempts touches; or no
-- feedback (accepted, or rejected with a reason) within $decision_days days. never_touched: no
-- sales touch at all by the data's as-of date.
-- Leads handed off less than the SLA window before the data's end are not yet breaching.
-- Grain: one row per breaching lead handed off in [$period_start, $period_end).
-- Parameters: $period_start, $period_end, $territory, $channel, $owner, $sourced_by, $sla_hours,
--   $min_attempts, $decision_days.
with

records as (
    select *
    from marketing_handoffs_in(cast($period_start as date), cast($period_end as date),
        $territory, $channel, $owner, $sourced_by)
),

per_lead as (
    select
        r.lead_id,
        r.owner,
        r.territory,
        r.channel,
        r.mql_at,
        r.first_touch_at,
        r.touch_count,
        r.is_accepted,
        r.exit_reason,
        r.data_as_of,
        never_touched_by(r.mql_at, r.first_touch_at, r.followup_count, r.data_as_of, $sla_hours)
            as is_never_touched
    from records as r
),

flagged as (
    select
        *,
        datediff('second', mql_at, first_touch_at) / 3600.0 as response_hours,
        datediff('second', mql_at, data_as_of) / 3600.0 as age_hours,
        coalesce((first_touch_at is null and datediff('second', mql_at, data_as_of) > $sla_hours * 3600)
            or datediff('second', mql_at, first_touch_at) > $sla_hours * 3600, false) as is_late_touch,
        touch_count is not null and touch_count < $min_attempts
            and not is_accepted and exit_reason is null
            and datediff('second', mql_at, data_as_of) > $decision_days * 86400 as is_few_attempts,
        not is_accepted and not rejected_with_reason(is_accepted, exit_reason)
            and datediff('second', mql_at, data_as_of) > $decision_days * 86400 as is_no_feedback
    from per_lead
),

final as (
    select
        lead_id,
        owner,
        territory,
        channel,
        mql_at as handed_off_at,
        first_touch_at,
        round(response_hours, 1) as response_hours,
        touch_count,
        concat_ws(', ',
            case when is_never_touched then 'never touched' when is_late_touch then 'late first touch' end,
            case when is_few_attempts then 'too few attempts' end,
            case when is_no_feedback then 'no feedback' end
        ) as breach
    from flagged
    where is_late_touch or is_few_attempts or is_no_feedback or is_never_touched
)

select * from final order by handed_off_at desc, lead_id

-- handoff_leads: the MQL -> SAL handoff lead by lead (domain.md "Revenue SLA", seeds 000/002:
-- the feedback loop): marketing's handoffs, the marketing-sourced leads (a lead sales sourced itself
-- is a rep's own, not a handoff; acceptance is "sales from marketing").
-- Grain: one row per marketing-sourced lead handed off (mql_at) in [$period_start, $period_end).
-- status: accepted (reached SAL) | rejected (exited with a reason before SAL) | waiting (neither);
-- waiting_hours: how long a waiting lead has waited, at the data's latest timestamp.
-- Parameters: $period_start, $period_end, $territory, $channel, $owner, $sourced_by, $campaign.
with

records as (
    select *
    from marketing_handoffs_in(cast($period_start as date), cast($period_end as date),
        $territory, $channel, $owner, $sourced_by)
    where $campaign = '' or campaign = $campaign
),

final as (
    select
        r.lead_id,
        r.owner,
        r.territory,
        r.channel,
        r.campaign,
        r.mql_at as handed_off_at,
        r.first_touch_at,
        datediff('second', r.mql_at, r.first_touch_at) / 3600.0 as response_hours,
        r.touch_count,
        case
            when r.is_accepted then 'accepted'
            when r.exit_reason is not null and r.exit_reason not in ('stale', 'exited') then 'rejected'
            else 'waiting'
        end as status,
        case when not r.is_accepted then r.exit_reason end as rejection_reason,
        case when not r.is_accepted and r.exit_reason is null
            then datediff('second', r.mql_at, r.data_as_of) / 3600.0
        end as waiting_hours
    from records as r
)

select * from final order by handed_off_at desc, lead_id

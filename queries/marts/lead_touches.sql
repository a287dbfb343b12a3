-- lead_touches: sales touches per lead record, computed once per load instead of in every
-- screen query (domain.md "lead response time", "average follow-ups to SQLs", "Revenue SLA").
-- Grain: one row per lead record (record_type = 'lead').
-- first_touch_at: the earliest activity at or after the handoff (mql_at), or First Response,
-- whichever is earlier. touch_count: the lead's activities, else its Follow-ups column.
-- No parameters.
with

records as (
    select * from funnel_records where record_type = 'lead'
),

touches as (
    select
        r.record_id,
        count(a.activity_id) as activity_count,
        min(a.occurred_at) filter (where a.occurred_at >= r.mql_at) as first_activity_at
    from records as r
    inner join activities as a on r.lead_id = a.lead_id
    group by r.record_id
),

final as (
    select
        r.record_id,
        least(t.first_activity_at, r.first_response_at) as first_touch_at,
        coalesce(t.activity_count, r.followup_count) as touch_count
    from records as r
    left join touches as t on r.record_id = t.record_id
)

select * from final

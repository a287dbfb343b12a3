-- lead_touches (a view): sales touches per lead record (domain.md "lead response time",
-- "average follow-ups to SQLs", "Revenue SLA"), computed in funnel_records.sql.
-- Grain: one row per lead record (record_type = 'lead').
-- first_touch_at: the earliest activity at or after the handoff (mql_at), or First Response,
-- whichever is earlier. touch_count: the lead's activities, else its Follow-ups column.
-- No parameters.
select
    record_id,
    first_touch_at,
    touch_count
from funnel_records
where record_type = 'lead'

-- record_facts (a view): funnel_records with the columns the scorecard reads, kept as a named
-- interface; the facts themselves (sql_at, is_accepted, first_touch_at, touch_count) are computed
-- in funnel_records.sql. Grain: one row per funnel record.
-- No parameters.
select
    record_id,
    record_type,
    lead_id,
    created_at,
    created_date,
    territory,
    channel,
    owner,
    sourced_by,
    campaign,
    mql_at,
    assigned_at,
    exit_reason,
    is_won,
    data_as_of,
    sql_at,
    sql_date,
    is_accepted,
    first_touch_at,
    touch_count
from funnel_records

-- record_facts: funnel_records with what the scorecard needs from the other marts, precomputed at
-- load so screen queries scan one table instead of joining three (domain.md scorecard).
-- Grain: one row per funnel record.
-- sql_at: when the record reached the stage configured as SQL; is_accepted: reached 'sal';
-- first_touch_at / touch_count: from lead_touches (leads only).
-- No parameters.
with

records as (
    select * from funnel_records
),

sql_stage as (
    select stage from config_stages
    where position = (select coalesce(min(position) filter (where is_sql), min(position)) from config_stages)
),

sql_events as (
    select record_id, entered_at as sql_at
    from stage_events
    where stage = (select stage from sql_stage)
),

accepted as (
    select record_id from stage_events where stage = 'sal'
),

final as (
    select
        r.record_id,
        r.record_type,
        r.lead_id,
        r.created_at,
        r.created_date,
        r.territory,
        r.channel,
        r.owner,
        r.sourced_by,
        r.campaign,
        r.mql_at,
        r.assigned_at,
        r.exit_reason,
        r.is_won,
        r.data_as_of,
        s.sql_at,
        cast(s.sql_at as date) as sql_date,
        a.record_id is not null as is_accepted,
        t.first_touch_at,
        t.touch_count
    from records as r
    left join sql_events as s on r.record_id = s.record_id
    left join accepted as a on r.record_id = a.record_id
    left join lead_touches as t on r.record_id = t.record_id
)

select * from final

-- open_pipeline: records still open (neither won nor exited) by territory and the furthest stage
-- they have reached, at the data's latest timestamp: the bottom-up plan weights them by their
-- stage's conversion to won.
-- Grain: one row per territory x stage. No parameters.
with

open_records as (
    select record_id, territory
    from funnel_records
    where not is_won and exit_reason is null
),

furthest as (
    select
        o.territory,
        arg_max(e.stage, e.position) as stage
    from open_records as o
    inner join stage_events as e on o.record_id = e.record_id
    group by o.record_id, o.territory
),

final as (
    select territory, stage, count(*) as records
    from furthest
    group by all
)

select * from final order by territory, stage

-- open_pipeline: records still open (neither won nor exited; an open deal is never an exit) by
-- territory and the furthest stage they have reached (funnel_records.reached_index), at the data's
-- as-of date: the bottom-up plan weights them by their stage's conversion to won.
-- Grain: one row per territory x stage. No parameters.
-- Reads rollup_funnel_open (the open records counted at load time).
with

funnel as (
    select list(stage order by position) as stages from config_stages
),

final as (
    select
        r.territory,
        f.stages[r.reached_index] as stage,
        cast(sum(r.records) as bigint) as records
    from rollup_funnel_open as r
    cross join funnel as f
    group by all
)

select * from final order by territory, stage

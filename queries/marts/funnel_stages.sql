-- funnel_stages: the configured stages, and which of them the data has (issue 13 rule 6: "a stage
-- the data does not have is not a step").
-- Grain: one row per configured stage, stage_index = its place in funnel order (1-based).
-- has_data: some record has a date or a status for the stage (funnel_records.stage_mask).
-- in_funnel: the stage is a step end; a stage without data is skipped (the funnel goes from the
--   stage before it straight to the one after), unless no stage has data at all (an empty
--   database shows the configured funnel, empty).
-- No parameters.
with

stages as (
    select
        position,
        stage,
        label,
        owner,
        benchmark_rate,
        sla_hours,
        is_sql,
        row_number() over (order by position) as stage_index
    from config_stages
),

evidence as (
    select coalesce(bit_or(stage_mask), 0) as mask from funnel_records
),

flagged as (
    select
        s.*,
        (e.mask >> (s.stage_index - 1)) & 1 = 1 as has_data
    from stages as s
    cross join evidence as e
),

final as (
    select
        *,
        has_data or not coalesce((select bool_or(has_data) from flagged), false) as in_funnel
    from flagged
)

select * from final order by stage_index

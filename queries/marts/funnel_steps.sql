-- funnel_steps: every record at every step it entered (domain.md "Funnel bottlenecks"). A view:
-- an unnest of funnel_records.stage_at, computed when read (writing its ~1.5 rows per record at
-- each load cost more than reading it: see README, "Performance").
-- Grain: one row per record x step whose from-stage it reached; step i goes from the i-th
-- configured stage to the next (funnel_records.stage_at, unnested).
-- to_at is when it reached the step's to-stage (NULL: not converted); has_inferred_date marks a
-- step with an inferred date on either side (left out of days-in-stage).
-- The record's columns (step_from_min/max, entry_index, reached_index and the dimensions) are
-- passed through unchanged, so a filter on them is applied before the unnest (in_view does so
-- for a period; velocity_and_deal_size for records that converted at all).
-- No parameters.
with

funnel as (
    select count(*) as n_stages from config_stages
),

steps as (
    select
        unnest(range(r.entry_index, least(r.reached_index, f.n_stages - 1) + 1)) as step_index,
        r.*
    from funnel_records as r
    cross join funnel as f
),

final as (
    select
        step_index,
        record_id,
        stage_at[step_index] as from_at,
        stage_at[step_index + 1] as to_at,
        stage_inferred[step_index] or coalesce(stage_inferred[step_index + 1], false)
            as has_inferred_date,
        record_type,
        created_at,
        created_date,
        territory,
        channel,
        owner,
        sourced_by,
        campaign,
        exit_reason,
        is_won,
        entry_index,
        reached_index,
        step_from_min,
        step_from_max
    from steps
)

select * from final

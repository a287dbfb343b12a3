-- funnel_steps: every record at every step it entered (domain.md "Funnel bottlenecks"). A view:
-- an unnest of funnel_records.stage_at, computed when read (writing its ~1.5 rows per record at
-- each load cost more than reading it: see README, "Performance").
-- Grain: one row per record x step (funnel_step_list: between consecutive stages the data has)
-- whose from-stage it reached; from_at / to_at are funnel_records.stage_at at the step's ends.
-- to_at is when it reached the step's to-stage (NULL: not converted); has_inferred_date marks a
-- step with an inferred date on either side (left out of days-in-stage and maturity);
-- spans_quiet_spell marks a step a record converted only after going quiet and coming back (a
-- re-engaged lead re-enters at the stage its new dates show: the quiet months are not days in stage).
-- The record's columns (step_from_min/max, entry_index, reached_index and the dimensions) are
-- passed through unchanged, so a filter on them is applied before the unnest (in_view does so
-- for a period; velocity_and_deal_size for records that converted at all).
-- No parameters.
with

ends as (
    select list(stage_index order by stage_index) as idx from funnel_stages where in_funnel
),

steps as (
    select
        unnest(list_filter(range(1, len(e.idx)),
            lambda k: e.idx[k] between r.entry_index and r.reached_index)) as step_index,
        e.idx,
        r.*
    from funnel_records as r
    cross join ends as e
),

final as (
    select
        step_index,
        record_id,
        stage_at[idx[step_index]] as from_at,
        stage_at[idx[step_index + 1]] as to_at,
        stage_inferred[idx[step_index]] or coalesce(stage_inferred[idx[step_index + 1]], false)
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
        exit_kind,
        is_recycled,
        came_back_at is not null
            and stage_at[idx[step_index]] < came_back_at
            and stage_at[idx[step_index + 1]] >= came_back_at as spans_quiet_spell,
        is_won,
        entry_index,
        reached_index,
        step_from_min,
        step_from_max
    from steps
)

select * from final

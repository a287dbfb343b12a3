-- stage_entries: how many records entered each configured stage in [$period_start,
-- $period_end), for the meeting snapshot (company-wide). Reads rollup_funnel_stage_entries (the
-- entries per stage and day, counted at load time).
-- Grain: one row per configured stage, in funnel order.
-- Parameters: $period_start, $period_end (dates).
with

counts as (
    select stage_index, cast(sum(records) as bigint) as entered
    from rollup_funnel_stage_entries
    where entered_date >= cast($period_start as date) and entered_date < cast($period_end as date)
    group by stage_index
),

stages as (
    select label, row_number() over (order by position) as idx from config_stages
),

final as (
    select s.idx, s.label, coalesce(c.entered, 0) as entered
    from stages as s
    left join counts as c on s.idx = c.stage_index
)

select label, entered from final order by idx

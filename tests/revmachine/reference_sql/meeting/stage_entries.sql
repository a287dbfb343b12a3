-- stage_entries: how many records entered each configured stage in [$period_start,
-- $period_end), for the meeting snapshot. One scan of funnel_records: stage_at[i] is when a
-- record entered the i-th stage in funnel order (NULL: not reached); there are at most 9 stages.
-- Grain: one row per configured stage, in funnel order.
-- Parameters: $period_start, $period_end (dates).
with

counts as (
    select [
        count(*) filter (where stage_at[1] >= $period_start and stage_at[1] < $period_end),
        count(*) filter (where stage_at[2] >= $period_start and stage_at[2] < $period_end),
        count(*) filter (where stage_at[3] >= $period_start and stage_at[3] < $period_end),
        count(*) filter (where stage_at[4] >= $period_start and stage_at[4] < $period_end),
        count(*) filter (where stage_at[5] >= $period_start and stage_at[5] < $period_end),
        count(*) filter (where stage_at[6] >= $period_start and stage_at[6] < $period_end),
        count(*) filter (where stage_at[7] >= $period_start and stage_at[7] < $period_end),
        count(*) filter (where stage_at[8] >= $period_start and stage_at[8] < $period_end),
        count(*) filter (where stage_at[9] >= $period_start and stage_at[9] < $period_end)
    ] as entered
    from funnel_records
),

stages as (
    select label, row_number() over (order by position) as idx from config_stages
),

final as (
    select s.idx, s.label, c.entered[s.idx] as entered
    from stages as s
    cross join counts as c
)

select label, entered from final order by idx

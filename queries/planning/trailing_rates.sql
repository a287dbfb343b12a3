-- trailing_rates: the organisation's own trailing actuals per step, per territory and company-wide
-- (domain.md "Planning": "Rates come from the organisation's own trailing actuals by default").
-- Grain: one row per step x territory with records, plus exactly one per step with territory = '*'
-- (company-wide; entered 0 when no record entered the step). Steps: funnel_step_list (between
-- the stages the data has).
-- A step's records are those that entered its from-stage in [$window_start, $window_end),
-- followed to today: converted = reached the next stage; days = median whole days between the two
-- dates (recorded dates only, never backwards; a step converted across a quiet spell counts here).
-- Parameters: $window_start, $window_end.
-- Reads rollup_funnel_steps (counts per day a step was entered) and rollup_funnel_step_days (the
-- median from its exact histogram of whole days).
with

steps as (
    select step_index, from_stage, to_stage, benchmark from funnel_step_list
),

step_rows as (
    select step_index, territory, entered, converted
    from rollup_funnel_steps
    where dated_by = 'period' and day >= cast($window_start as date) and day < cast($window_end as date)
),

day_counts as (
    -- a step converted across a quiet spell counts here
    select step_index, territory, step_days as d, cast(sum(records) as bigint) as n
    from rollup_funnel_step_days
    where dated_by = 'period' and day >= cast($window_start as date) and day < cast($window_end as date)
    group by grouping sets ((step_index, territory, step_days), (step_index, step_days))
),

medians as (
    select
        step_index,
        coalesce(territory, '*') as territory,
        hist_quantile(list(d order by d), list(n order by d), 0.5) as median_days
    from day_counts
    group by step_index, territory
),

counts as (
    select
        step_index,
        coalesce(territory, '*') as territory,
        cast(sum(entered) as bigint) as entered,
        cast(sum(converted) as bigint) as converted
    from step_rows
    group by grouping sets ((step_index, territory), (step_index))
),

by_territory as (
    select c.*, m.median_days
    from counts as c
    left join medians as m on c.step_index = m.step_index and c.territory = m.territory
),

final as (
    select
        s.step_index,
        s.from_stage,
        s.to_stage,
        s.benchmark,
        t.territory,
        t.entered,
        t.converted,
        t.median_days
    from steps as s
    inner join by_territory as t on s.step_index = t.step_index
    where t.territory <> '*'
    union all
    select
        s.step_index,
        s.from_stage,
        s.to_stage,
        s.benchmark,
        '*' as territory,
        coalesce(c.entered, 0) as entered,
        coalesce(c.converted, 0) as converted,
        c.median_days
    from steps as s
    left join (select * from by_territory where territory = '*') as c on s.step_index = c.step_index
)

select * from final order by territory, step_index

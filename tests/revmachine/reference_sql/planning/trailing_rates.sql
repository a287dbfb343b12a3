-- trailing_rates: the organisation's own trailing actuals per step, per territory and company-wide
-- (domain.md "Planning": "Rates come from the organisation's own trailing actuals by default").
-- Grain: one row per step x territory with records, plus exactly one per step with territory = '*'
-- (company-wide; entered 0 when no record entered the step). Steps: funnel_step_list (between
-- the stages the data has).
-- A step's records are those that entered its from-stage in [$window_start, $window_end),
-- followed to today: converted = reached the next stage; days = median whole days between the two
-- dates (recorded dates only, never backwards).
-- Parameters: $window_start, $window_end.
with

steps as (
    select step_index, from_stage, to_stage, benchmark from funnel_step_list
),

step_records as (
    select
        step_index,
        territory,
        to_at is not null as converted,
        case when to_at is not null and not has_inferred_date and cast(to_at as date) >= cast(from_at as date)
            then date_diff('day', cast(from_at as date), cast(to_at as date)) end as days
    from funnel_steps
    where
        from_at >= cast($window_start as timestamp)
        and from_at < cast($window_end as timestamp)
        -- the same on the record's span of from-dates: applied before funnel_steps unnests
        and step_from_max >= cast($window_start as timestamp)
        and step_from_min < cast($window_end as timestamp)
),

by_territory as (
    select
        step_index,
        territory,
        count(*) as entered,
        count(*) filter (where converted) as converted,
        median(days) as median_days
    from step_records
    group by step_index, territory
),

company as (
    select
        step_index,
        count(*) as entered,
        count(*) filter (where converted) as converted,
        median(days) as median_days
    from step_records
    group by step_index
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
    left join company as c on s.step_index = c.step_index
)

select * from final order by territory, step_index

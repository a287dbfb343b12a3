-- trailing_rates: the organisation's own trailing actuals per step, per territory and company-wide
-- (domain.md "Planning": "Rates come from the organisation's own trailing actuals by default").
-- Grain: one row per step x territory, plus one per step with territory = '*' (company-wide).
-- A step's records are those that entered its from-stage in [$window_start, $window_end),
-- followed to today: converted = reached the next stage; days = median days between the two
-- (recorded dates only).
-- Parameters: $window_start, $window_end.
with

stages as (
    select stage, label, position, benchmark_rate, row_number() over (order by position) as idx
    from config_stages
),

steps as (
    select a.idx as step_index, a.stage as from_stage, b.stage as to_stage, a.benchmark_rate as benchmark
    from stages as a
    inner join stages as b on b.idx = a.idx + 1
),

step_records as (
    select
        step_index,
        territory,
        to_at is not null as converted,
        case when to_at is not null and not has_inferred_date
            then datediff('second', from_at, to_at) / 86400.0 end as days
    from funnel_steps
    where
        from_at >= cast($window_start as timestamp)
        and from_at < cast($window_end as timestamp)
        -- the same on the record's span of from-dates: applied before funnel_steps unnests
        and step_from_max >= cast($window_start as timestamp)
        and step_from_min < cast($window_end as timestamp)
),

final as (
    select
        s.step_index,
        s.from_stage,
        s.to_stage,
        s.benchmark,
        coalesce(x.territory, '*') as territory,
        count(x.step_index) as entered,
        count(x.step_index) filter (where x.converted) as converted,
        median(x.days) as median_days
    from steps as s
    left join step_records as x on s.step_index = x.step_index
    group by grouping sets ((s.step_index, s.from_stage, s.to_stage, s.benchmark, x.territory),
        (s.step_index, s.from_stage, s.to_stage, s.benchmark))
)

select * from final order by territory, step_index

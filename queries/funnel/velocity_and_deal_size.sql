-- velocity_and_deal_size: what a step needs to be judged (domain.md "Funnel bottlenecks").
-- Grain: one row per step: the 80th-percentile days from a record's creation to reaching the
-- step's to-stage (over all data under the filters: how long a cohort needs before its conversion
-- can be read), the data's latest timestamp, and the average won deal size in the period and
-- overall (the revenue-at-stake multiplier).
-- Parameters: $period_start, $period_end, $territory, $channel, $owner, $sourced_by.
with

reach as (
    select
        step_index,
        quantile_cont(datediff('second', created_at, to_at) / 86400.0, 0.8) as p80_days_to_reach
    from filtered_steps($territory, $channel, $owner, $sourced_by)
    where
        to_at is not null and not has_inferred_date and to_at >= created_at
        -- only records that converted at least once have a to_at: applied before funnel_steps unnests
        and reached_index > entry_index
    group by step_index
),

steps as (
    select step_index
    from (select row_number() over (order by position) as step_index from config_stages)
    where step_index < (select count(*) from config_stages)
),

as_of as (
    select max(data_as_of) as data_as_of from filtered_records($territory, $channel, $owner, $sourced_by)
),

won as (
    select
        avg(amount) filter (
            where won_date >= cast($period_start as date) and won_date < cast($period_end as date)
        ) as avg_deal_period,
        avg(amount) as avg_deal_all
    from filtered_won($territory, $channel, $owner, $sourced_by)
),

final as (
    select
        s.step_index,
        r.p80_days_to_reach,
        (select data_as_of from as_of) as data_as_of,
        w.avg_deal_period,
        w.avg_deal_all
    from steps as s
    left join reach as r on s.step_index = r.step_index
    cross join won as w
)

select * from final order by step_index

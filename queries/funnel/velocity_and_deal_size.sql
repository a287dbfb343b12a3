-- velocity_and_deal_size: what a step needs to be judged (domain.md "Funnel bottlenecks").
-- Grain: one row per step: the 80th-percentile days from a record's creation to reaching the
-- step's to-stage (over all data under the filters: how long a cohort needs before its conversion
-- can be read), the data's latest timestamp, and the average won deal size in the period and
-- overall (the revenue-at-stake multiplier).
-- Parameters: $period_start, $period_end, $territory, $channel, $owner, $sourced_by.
with

stages as (
    select stage, label, position, row_number() over (order by position) as idx from config_stages
),

steps as (
    select a.idx as step_index, b.stage as to_stage
    from stages as a
    inner join stages as b on b.idx = a.idx + 1
),

records as (
    select record_id, created_at, data_as_of
    from filtered_records($territory, $channel, $owner, $sourced_by)
),

reach as (
    select
        s.step_index,
        quantile_cont(datediff('second', r.created_at, e.entered_at) / 86400.0, 0.8) as p80_days_to_reach
    from steps as s
    inner join stage_events as e on s.to_stage = e.stage and not e.is_inferred
    inner join records as r on e.record_id = r.record_id
    where e.entered_at >= r.created_at
    group by s.step_index
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
        (select max(data_as_of) from records) as data_as_of,
        w.avg_deal_period,
        w.avg_deal_all
    from steps as s
    left join reach as r on s.step_index = r.step_index
    cross join won as w
)

select * from final order by step_index

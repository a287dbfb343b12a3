-- velocity_and_deal_size: what a step needs to be judged (domain.md "Funnel bottlenecks").
-- Grain: one row per step (funnel_step_list): the 80th-percentile whole days from a record's
-- creation to reaching the step's to-stage (over all data under the filters, recorded dates only:
-- how long a cohort needs before its conversion can be read), the data's as-of date, and the
-- average won deal size in the period and overall (the revenue-at-stake multiplier), over won
-- deals with an amount, and in how many currencies those amounts are (money is never averaged
-- across currencies: funnel.py leaves revenue at stake unknown when there are several).
-- Parameters: $period_start, $period_end, $territory, $channel, $owner, $sourced_by.
with

reach as (
    select
        step_index,
        quantile_cont(date_diff('day', created_date, cast(to_at as date)), 0.8) as p80_days_to_reach
    from filtered_steps($territory, $channel, $owner, $sourced_by)
    where
        to_at is not null and not has_inferred_date and cast(to_at as date) >= created_date
        -- only records that converted at least once have a to_at: applied before funnel_steps unnests
        and reached_index > entry_index
    group by step_index
),

steps as (
    select step_index from funnel_step_list
),

as_of as (
    select max(data_as_of) as data_as_of from filtered_records($territory, $channel, $owner, $sourced_by)
),

won as (
    select
        avg(amount) filter (
            where won_date >= cast($period_start as date) and won_date < cast($period_end as date)
        ) as avg_deal_period,
        avg(amount) as avg_deal_all,
        count(distinct coalesce(currency, '')) filter (where amount is not null) as deal_currencies
    from filtered_won($territory, $channel, $owner, $sourced_by)
),

final as (
    select
        s.step_index,
        r.p80_days_to_reach,
        (select data_as_of from as_of) as data_as_of,
        w.avg_deal_period,
        w.avg_deal_all,
        w.deal_currencies
    from steps as s
    left join reach as r on s.step_index = r.step_index
    cross join won as w
)

select * from final order by step_index

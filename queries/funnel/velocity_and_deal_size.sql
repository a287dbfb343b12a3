-- velocity_and_deal_size: what a step needs to be judged (domain.md "Funnel bottlenecks").
-- Grain: one row per step (funnel_step_list): the 80th-percentile whole days from a record's
-- creation to reaching the step's to-stage (over all data under the filters, recorded dates only:
-- how long a cohort needs before its conversion can be read), the data's as-of date, and the
-- average won deal size in the period and overall (the revenue-at-stake multiplier), over won
-- deals with an amount, and in how many currencies those amounts are (money is never averaged
-- across currencies: funnel.py leaves revenue at stake unknown when there are several).
-- Parameters: $period_start, $period_end, $territory, $channel, $owner, $sourced_by.
-- Reads the rollups built at load time: rollup_funnel_reach (an exact histogram of the days to
-- reach each step, so the percentile is the one the records give), rollup_funnel_won (won deals'
-- counts and amounts per day) and rollup_funnel_records (whether any record passes the filters:
-- the as-of date is the data's, data_as_of(), when one does).
with

reach_counts as (
    select step_index, reach_days, cast(sum(records) as bigint) as records
    from rollup_funnel_reach
    where passes_filters($territory, $channel, $owner, $sourced_by, territory, channel, owner, sourced_by)
    group by step_index, reach_days
),

reach as (
    select
        step_index,
        hist_quantile(list(reach_days order by reach_days), list(records order by reach_days), 0.8)
            as p80_days_to_reach
    from reach_counts
    group by step_index
),

steps as (
    select step_index from funnel_step_list
),

as_of as (
    select case when exists (
        select 1 from rollup_funnel_records
        where passes_filters($territory, $channel, $owner, $sourced_by, territory, channel, owner, sourced_by)
    ) then data_as_of() end as data_as_of
),

won_rows as (
    select *
    from rollup_funnel_won
    where passes_filters($territory, $channel, $owner, $sourced_by, territory, channel, owner, sourced_by)
),

won as (
    select
        sum(amount) filter (
            where won_date >= cast($period_start as date) and won_date < cast($period_end as date)
        ) / sum(deals_with_amount) filter (
            where won_date >= cast($period_start as date) and won_date < cast($period_end as date)
        ) as avg_deal_period,
        sum(amount) / sum(deals_with_amount) as avg_deal_all,
        count(distinct coalesce(currency, '')) filter (where deals_with_amount > 0) as deal_currencies
    from won_rows
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

-- attainment_by_territory: won revenue against the revenue target per territory
-- (domain.md: "% attainment to target revenue ... overall and by territory").
-- Grain: one row per territory that has a target or won revenue in [$period_start, $period_end),
-- plus one 'All territories' row when the targets sheet holds a company-level target (a team goal
-- with no territory), set against all won revenue under the filters.
-- A territory's target: its team targets, else the sum of its reps' personal quotas (never both;
-- macros.sql prorated_targets). Targets are prorated by days when a target period only partly
-- overlaps the period. won_with_amount: won deals with an amount (a blank amount adds nothing).
-- Parameters: $period_start, $period_end, $territory, $channel, $owner, $sourced_by.
with

won as (
    select territory, sum(amount) as won_revenue, count(*) as won_deals, count(amount) as won_with_amount
    from filtered_won($territory, $channel, $owner, $sourced_by)
    where
        won_date >= cast($period_start as date)
        and won_date < cast($period_end as date)
    group by territory
),

target as (
    select territory, revenue_target
    from prorated_targets(cast($period_start as date), cast($period_end as date), $territory)
),

company as (
    select
        sum(revenue_money
            * period_share(period_start, period_end, cast($period_start as date), cast($period_end as date)))
            as revenue_target
    from target_facts
    where
        level = 'company'
        and len($territory) = 0
        and period_start < cast($period_end as date)
        and period_end + 1 > cast($period_start as date)
),

by_territory as (
    select
        coalesce(w.territory, t.territory) as territory,
        coalesce(w.won_revenue, 0) as won_revenue,
        coalesce(w.won_deals, 0) as won_deals,
        coalesce(w.won_with_amount, 0) as won_with_amount,
        t.revenue_target
    from won as w
    full outer join target as t on w.territory = t.territory
),

final as (
    select * from by_territory
    union all
    select
        'All territories' as territory,
        coalesce((select sum(won_revenue) from won), 0) as won_revenue,
        coalesce((select sum(won_deals) from won), 0) as won_deals,
        coalesce((select sum(won_with_amount) from won), 0) as won_with_amount,
        c.revenue_target
    from company as c
    where c.revenue_target is not null
)

select * from final order by territory = 'All territories', territory

-- attainment_by_territory: won revenue against the revenue target per territory
-- (domain.md: "% attainment to target revenue ... overall and by territory").
-- Grain: one row per territory that has a target or won revenue in [$period_start, $period_end).
-- Targets are prorated by days when a target period only partly overlaps the period.
-- Parameters: $period_start, $period_end, $territory, $channel, $owner, $sourced_by.
with

won as (
    select territory, sum(amount) as won_revenue, count(*) as won_deals
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

final as (
    select
        coalesce(w.territory, t.territory) as territory,
        coalesce(w.won_revenue, 0) as won_revenue,
        coalesce(w.won_deals, 0) as won_deals,
        t.revenue_target
    from won as w
    full outer join target as t on w.territory = t.territory
)

select * from final order by territory

-- targets_in_period: the revenue target per territory for the plan period (targets sheet,
-- prorated by days where a target period only partly overlaps).
-- Grain: one row per territory with a target. Parameters: $period_start, $period_end.
select
    coalesce(territory, 'Unassigned') as territory,
    sum(revenue_target * period_share(period_start, period_end, cast($period_start as date),
        cast($period_end as date))) as revenue_target
from targets
where period_start < cast($period_end as date) and period_end + 1 > cast($period_start as date)
group by all
order by territory

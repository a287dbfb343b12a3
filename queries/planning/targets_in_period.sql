-- targets_in_period: the revenue target for the plan period (targets sheet, prorated by days where
-- a target period only partly overlaps): per territory (its team targets, else its reps' personal
-- quotas; macros.sql prorated_targets) and, as territory '*', for the whole company (the
-- company-level team target, else the territories' sum; never team and personal added together).
-- Grain: one row per territory with a target, plus '*' when there is any target.
-- Parameters: $period_start, $period_end.
with

territories as (
    select territory, revenue_target
    from prorated_targets(cast($period_start as date), cast($period_end as date), [])
    where revenue_target is not null
),

company as (
    select '*' as territory, revenue_target
    from company_target(cast($period_start as date), cast($period_end as date), [])
    where revenue_target is not null
),

final as (
    select * from territories
    union all
    select * from company
)

select * from final order by territory

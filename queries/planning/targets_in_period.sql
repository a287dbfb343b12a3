-- targets_in_period: the revenue target per territory for the plan period (targets sheet,
-- prorated by days where a target period only partly overlaps).
-- Grain: one row per territory with a target. Parameters: $period_start, $period_end.
select territory, revenue_target
from prorated_targets(cast($period_start as date), cast($period_end as date), [])
order by territory

-- movement: the pipeline's movement between two days for the deals closing in the period, deal by
-- deal (the macro pipeline_movement in queries/marts/macros.sql holds the definition: start +
-- created + pulled in + increased - decreased - won - lost - pushed out = end).
-- Grain: one row per deal that is in the start, in the end, or entered the period in between.
-- Parameters: $start_day, $end_day (the two days); $period_start, $period_end (the period the deals
--   close in, [start, end)); $territory, $channel, $owner, $sourced_by (lists; empty = all);
--   $currency ('' = every deal; else only that currency's deals).
select *
from pipeline_movement(
    $start_day, $end_day, $period_start, $period_end, $territory, $channel, $owner, $sourced_by, $currency
)
order by greatest(start_amount, end_amount, created, pulled_in, won, lost, pushed_out) desc, deal_id

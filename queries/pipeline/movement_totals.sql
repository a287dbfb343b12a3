-- movement_totals: the pipeline's movement between two days for the deals closing in the period, as
-- its totals: each bar's amount and how many deals are on it (the macro pipeline_movement in
-- queries/marts/macros.sql holds the definition; pipeline/movement lists the same deals one by one).
-- Grain: one row. <bar>_amount: the bar's magnitude (start, created, pulled_in, increased, decreased,
--   won, lost, pushed_out, end); <bar>_deals: the deals with a non-zero amount on it (start / end:
--   the deals in the start / the end, whatever their amount); without_amount: deals in the movement
--   with no amount (counted as 0).
-- Parameters: $start_day, $end_day (the two days); $period_start, $period_end (the period the deals
--   close in, [start, end)); $territory, $channel, $owner, $sourced_by (lists; empty = all);
--   $currency ('' = every deal; else only that currency's deals).
with

moved as (
    select *
    from pipeline_movement(
        $start_day, $end_day, $period_start, $period_end, $territory, $channel, $owner, $sourced_by, $currency
    )
)

select
    coalesce(sum(start_amount), 0) as start_amount,
    count(*) filter (where in_start) as start_deals,
    coalesce(sum(created), 0) as created_amount,
    count(*) filter (where created <> 0) as created_deals,
    coalesce(sum(pulled_in), 0) as pulled_in_amount,
    count(*) filter (where pulled_in <> 0) as pulled_in_deals,
    coalesce(sum(increased), 0) as increased_amount,
    count(*) filter (where increased <> 0) as increased_deals,
    coalesce(sum(decreased), 0) as decreased_amount,
    count(*) filter (where decreased <> 0) as decreased_deals,
    coalesce(sum(won), 0) as won_amount,
    count(*) filter (where won <> 0) as won_deals,
    coalesce(sum(lost), 0) as lost_amount,
    count(*) filter (where lost <> 0) as lost_deals,
    coalesce(sum(pushed_out), 0) as pushed_out_amount,
    count(*) filter (where pushed_out <> 0) as pushed_out_deals,
    coalesce(sum(end_amount), 0) as end_amount,
    count(*) filter (where in_end) as end_deals,
    count(*) filter (where not has_amount) as without_amount
from moved

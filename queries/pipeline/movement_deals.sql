-- movement_deals: the deals on one bar of the pipeline's movement between two days (the page lists
-- the bar a user picks; pipeline/movement has every deal of every bar), in the movement's order.
-- Grain: one row per deal on the bar: in the start (start), in the end (end), else with a non-zero
--   amount on the bar; value: what it adds to the bar (a magnitude).
-- Parameters: $bar (start | created | pulled_in | increased | decreased | won | lost | pushed_out |
--   end); $start_day, $end_day; $period_start, $period_end; $territory, $channel, $owner,
--   $sourced_by (lists; empty = all); $currency ('' = every deal; else only that currency's deals).
with

moved as (
    select
        *,
        case $bar
            when 'start' then start_amount
            when 'created' then created
            when 'pulled_in' then pulled_in
            when 'increased' then increased
            when 'decreased' then decreased
            when 'won' then won
            when 'lost' then lost
            when 'pushed_out' then pushed_out
            when 'end' then end_amount
        end as value
    from pipeline_movement(
        $start_day, $end_day, $period_start, $period_end, $territory, $channel, $owner, $sourced_by, $currency
    )
)

select *
from moved
where case $bar when 'start' then in_start when 'end' then in_end else value <> 0 end
order by greatest(start_amount, end_amount, created, pulled_in, won, lost, pushed_out) desc, deal_id

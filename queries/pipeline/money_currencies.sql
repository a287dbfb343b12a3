-- money_currencies: the currencies the deals' money is in ('' for amounts whose currency nobody
-- states), with the open pipeline in each: the Pipeline page never adds money across currencies and
-- shows the one with the most open pipeline when there are several. Read from the rollup of
-- deal_facts per opportunity day (rollup_deals_created), not from the deals.
-- Grain: one row per currency with an amount (as metrics.money_currencies lists them).
-- open_amount: the open deals' amounts (NULL when no open deal of that currency has one).
-- No parameters.
select
    coalesce(currency, '') as currency,
    sum(amount) filter (where status = 'open' and with_amount > 0) as open_amount
from rollup_deals_created
where with_amount > 0
group by 1
order by 1

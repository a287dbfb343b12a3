-- rollup_deals_closed: won and lost deals (deal_facts) per close day x outcome x the shared filters'
-- dimensions x currency, for the win rates, won revenue and sales cycles the Pipeline page reads
-- over periods (reps against quota, the trailing win rate behind the required coverage, quota
-- equity's won revenue).
-- Grain: one row per closed_date x status (won | lost) x has_deal (the row has a deal_id) x
--   territory x channel x owner x sourced_by x currency.
-- deals (how many), with_amount (with an amount), amount (their sum), cycle_days (whole days from
--   the opportunity to the close, summed over the deals closed on or after their opportunity date)
--   and cycle_deals (how many such). Sums and counts only.
-- No parameters.
select
    closed_date,
    status,
    deal_id is not null as has_deal,
    territory,
    channel,
    owner,
    sourced_by,
    currency,
    count(*) as deals,
    count(amount) as with_amount,
    sum(amount) as amount,
    sum(datediff('day', opportunity_date, closed_date)) filter (where closed_date >= opportunity_date)
        as cycle_days,
    count(*) filter (where closed_date >= opportunity_date) as cycle_deals
from deal_facts
where status in ('won', 'lost')
group by closed_date, status, has_deal, territory, channel, owner, sourced_by, currency

-- rollup_deals_created: deals (deal_facts) per opportunity day x outcome x the shared filters'
-- dimensions x currency: the pipeline created in a period (reps, quota equity's opportunity).
-- Grain: one row per opportunity_date x status (won | lost | open) x has_deal (the row has a
--   deal_id) x territory x channel x owner x sourced_by x currency.
-- deals (how many), with_amount (with an amount), amount (their sum). Sums and counts only.
-- No parameters.
select
    opportunity_date,
    status,
    deal_id is not null as has_deal,
    territory,
    channel,
    owner,
    sourced_by,
    currency,
    count(*) as deals,
    count(amount) as with_amount,
    sum(amount) as amount
from deal_facts
group by opportunity_date, status, has_deal, territory, channel, owner, sourced_by, currency

-- rollup_funnel_won: won deals per day won, with the sums the average deal needs (funnel.py's
-- revenue at stake, planning's deal size and capacity, the meeting's won revenue).
-- Grain: one row per won_date x territory x channel x owner x sourced_by x currency:
-- won_deals, deals_with_amount (a blank amount is left out, not 0) and their amount.
-- No parameters.
select
    won_date,
    territory,
    channel,
    owner,
    sourced_by,
    currency,
    count(*) as won_deals,
    count(amount) as deals_with_amount,
    sum(amount) as amount
from won_deals
group by all

-- Every won deal is in won_deals exactly once with its own amount (as exported: deal_amount), so
-- revenue is never double counted or dropped between the deals table and the mart; and a blank
-- amount stays blank (never $0). Returns the deals that differ.
with

won as (
    select deal_id, amount from deals where is_won
),

mart as (
    select deal_id, count(*) as n, any_value(deal_amount) as amount
    from won_deals where deal_id is not null group by deal_id
)

select coalesce(w.deal_id, m.deal_id) as deal_id, w.amount as deal_amount, m.amount as mart_amount, m.n
from won as w
full outer join mart as m on w.deal_id = m.deal_id
where m.deal_id is null or w.deal_id is null or m.n <> 1 or w.amount is distinct from m.amount

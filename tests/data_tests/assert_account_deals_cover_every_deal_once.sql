-- Every deal (deal_facts row) is in account_deals exactly once, so the revenue split by kind (new
-- business, expansion, renewal, unclassified) adds up to the won revenue; and an account is acquired on
-- one day at most (new accounts are never counted twice). Returns the failing rows.
with

facts as (
    select coalesce(deal_id, record_id) as k, count(*) as n from deal_facts group by 1
),

accounts_ as (
    select coalesce(deal_id, record_id) as k, count(*) as n from account_deals group by 1
),

missing as (
    select f.k, 'count differs' as problem
    from facts as f
    full outer join accounts_ as a on f.k = a.k
    where f.n is distinct from a.n
),

acquired_twice as (
    select account_key as k, 'acquired on several days' as problem
    from account_deals
    where is_acquisition
    group by account_key
    having count(distinct closed_date) > 1
)

select * from missing
union all
select * from acquired_twice

-- trailing_volumes: per territory and company-wide ('*'), what the trailing window delivered:
-- leads created (and the marketing-sourced share), won deals, how many have an amount and their
-- average size (a blank amount is left out, not $0), in how many currencies those amounts are,
-- and the reps who won them (sales capacity: won deals per rep).
-- Grain: one row per territory, plus '*' (always, even with no data). Parameters: $window_start,
-- $window_end.
-- Reads the rollups built at load time: rollup_funnel_records (records per day created) and
-- rollup_funnel_won (won deals per day won, with their amounts).
with

leads_in as (
    select
        territory,
        cast(sum(records) as bigint) as leads,
        cast(coalesce(sum(records) filter (where sourced_by = 'marketing'), 0) as bigint) as marketing_leads
    from rollup_funnel_records
    where
        record_type = 'lead'
        and created_date >= cast($window_start as date)
        and created_date < cast($window_end as date)
    group by grouping sets ((territory), ())
),

won_in as (
    select
        territory,
        cast(sum(won_deals) as bigint) as won_deals,
        cast(sum(deals_with_amount) as bigint) as deals_with_amount,
        sum(amount) / sum(deals_with_amount) as avg_deal,
        sum(amount) as won_revenue,
        count(distinct coalesce(currency, '')) filter (where deals_with_amount > 0) as deal_currencies,
        count(distinct owner) filter (where owner <> 'Unassigned') as reps
    from rollup_funnel_won
    where won_date >= cast($window_start as date) and won_date < cast($window_end as date)
    group by grouping sets ((territory), ())
),

final as (
    select
        coalesce(l.territory, w.territory, '*') as territory,
        coalesce(l.leads, 0) as leads,
        coalesce(l.marketing_leads, 0) as marketing_leads,
        coalesce(w.won_deals, 0) as won_deals,
        coalesce(w.deals_with_amount, 0) as deals_with_amount,
        w.avg_deal,
        w.won_revenue,
        coalesce(w.deal_currencies, 0) as deal_currencies,
        coalesce(w.reps, 0) as reps
    from leads_in as l
    full outer join won_in as w on l.territory is not distinct from w.territory
)

select * from final order by territory

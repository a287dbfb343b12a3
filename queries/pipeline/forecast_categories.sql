-- forecast_categories: what will close in the period, by forecast category, on a given day: the
-- deals won in the period by then (Closed) and the open deals whose close date is in it, by their
-- category (the CRM's own, else mapped from the stage: deal_versions), with the weighted pipeline
-- (amount x probability, the probability read on its scale by deal_versions) beside it.
-- Grain: one row per territory x category (commit | best_case | pipeline | omitted | closed).
-- Parameters: $as_of_day; $period_start, $period_end ([start, end)); $territory, $channel, $owner,
--   $sourced_by (lists; empty = all); $currency ('' = every deal, else that currency's only).
-- A blank amount adds nothing (deals vs with_amount); weighted covers the open deals with both an
-- amount and a probability (with_probability).
with

pipeline as (
    select *
    from deals_at($as_of_day)
    where
        passes_filters($territory, $channel, $owner, $sourced_by, territory, channel, owner, sourced_by)
        and ($currency = '' or coalesce(currency, '') = $currency)
        and close_date >= $period_start
        and close_date < $period_end
        and status in ('open', 'won')
),

final as (
    select
        territory,
        coalesce(forecast_category, 'pipeline') as category,
        count(*) as deals,
        count(amount) as with_amount,
        sum(amount) as amount,
        count(*) filter (where amount is not null and probability is not null and status = 'open')
            as with_probability,
        sum(amount * least(greatest(probability, 0), 1)) filter (where status = 'open') as weighted,
        count(*) filter (where category_source = 'export') as from_export
    from pipeline
    group by all
)

select * from final order by territory, category

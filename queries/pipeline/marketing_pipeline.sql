-- marketing_pipeline: marketing's contribution to pipeline (seed 004: "Is there a target for
-- contribution from marketing to sales pipeline?", "influence overall sales pipeline size, deal size,
-- deal velocity and win-rate across all territories, product lines"): the pipeline created in the
-- period (deals created in it, at their amount now) by sourcing, per territory and product line.
-- Grain: one row per territory x product x sourced_by (marketing | sales | unmapped).
-- Parameters: $period_start, $period_end ([start, end)); $territory, $channel, $owner, $sourced_by
--   (lists; empty = all); $currency ('' = every deal, else that currency's only).
with

created as (
    select
        f.*,
        coalesce(nullif(trim(d.product), ''), '(no product)') as product
    from filtered_deals($territory, $channel, $owner, $sourced_by) as f
    inner join deals as d on f.deal_id = d.deal_id
    where
        f.opportunity_date >= $period_start
        and f.opportunity_date < $period_end
        and ($currency = '' or coalesce(f.currency, '') = $currency)
),

final as (
    select
        territory,
        product,
        sourced_by,
        count(*) as deals,
        count(amount) as with_amount,
        sum(amount) as amount,
        count(*) filter (where status = 'won') as won,
        count(*) filter (where status in ('won', 'lost')) as closed,
        sum(amount) filter (where status = 'won') as won_amount
    from created
    group by all
)

select * from final order by territory, product, sourced_by

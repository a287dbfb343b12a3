-- baseline_sources: what a lead is worth from each possible baseline source (domain.md: "relative
-- to the baseline source (configurable: purchased lists / sales-sourced / the overall median)").
-- Grain: one row per channel and one per sourced-by group ('sourced:marketing', 'sourced:sales'),
-- for leads created in [$period_start, $period_end), followed to today.
-- won_revenue is NULL (unknown, not 0) while no won revenue in the data is traced to a lead;
-- won_leads and won_revenue_sq (the leads with won revenue and the sum of its squares) give the
-- lift's interval its sample (revmachine/matrix.py).
-- Parameters: $period_start, $period_end, $territory, $channel, $owner, $sourced_by.
with

records as (
    select *
    from leads_created_in(cast($period_start as date), cast($period_end as date),
        $territory, $channel, $owner, $sourced_by)
),

traced as (
    select exists (select 1 from won_deals where record_id like 'L:%') as has_traced_revenue
),

revenue as (
    select record_id, sum(amount) as won_revenue from won_deals group by record_id
),

spend_by_channel as (
    select
        lower(regexp_replace(channel, '[^A-Za-z0-9]', '', 'g')) as channel_key,
        sum(amount * period_share(period_start, period_end, cast($period_start as date), cast($period_end as date)))
            as spend
    from spend
    where function = 'marketing' and channel is not null
        and period_start < cast($period_end as date) and period_end + 1 > cast($period_start as date)
    group by all
),

rows_ as (
    select
        r.channel,
        r.sourced_by,
        r.mql_at is not null as is_handed_off,
        r.is_accepted,
        case when (select has_traced_revenue from traced) then coalesce(v.won_revenue, 0) end as won_revenue
    from records as r
    left join revenue as v on r.record_id = v.record_id
),

by_channel as (
    select
        channel as source,
        count(*) as leads,
        count(*) filter (where is_handed_off) as handed_off,
        count(*) filter (where is_accepted) as accepted,
        sum(won_revenue) as won_revenue,
        count(*) filter (where won_revenue > 0) as won_leads,
        sum(won_revenue * won_revenue) filter (where won_revenue > 0) as won_revenue_sq
    from rows_
    group by channel
),

by_sourced as (
    select
        'sourced:' || sourced_by as source,
        count(*) as leads,
        count(*) filter (where is_handed_off) as handed_off,
        count(*) filter (where is_accepted) as accepted,
        sum(won_revenue) as won_revenue,
        count(*) filter (where won_revenue > 0) as won_leads,
        sum(won_revenue * won_revenue) filter (where won_revenue > 0) as won_revenue_sq
    from rows_
    group by sourced_by
),

final as (
    select b.*, s.spend
    from by_channel as b
    left join spend_by_channel as s on s.channel_key = lower(regexp_replace(b.source, '[^A-Za-z0-9]', '', 'g'))
    union all
    select *, cast(null as double) as spend from by_sourced
)

select * from final order by source

-- baseline_sources: what a lead is worth from each possible baseline source (domain.md: "relative
-- to the baseline source (configurable: purchased lists / sales-sourced / the overall median)").
-- Grain: one row per channel and one per sourced-by group ('sourced:marketing', 'sourced:sales'),
-- for leads created in [$period_start, $period_end), followed to today.
-- won_revenue is NULL (unknown, not 0) while no won revenue in the data is traced to a lead;
-- won_leads and won_revenue_sq (the leads with won revenue and the sum of its squares) give the
-- lift's interval its sample (revmachine/matrix.py).
-- Parameters: $period_start, $period_end, $territory, $channel, $owner, $sourced_by.
with

-- The leads come from rollup_lead_outcomes (leads per day created x dimensions x campaign, with what
-- they became), so the cost follows the days and dimensions in the period, not the leads.
records as (
    select *
    from rollup_lead_outcomes
    where
        created_date >= cast($period_start as date)
        and created_date < cast($period_end as date)
        and passes_filters($territory, $channel, $owner, $sourced_by, territory, channel, owner, sourced_by)
),

traced as (
    select exists (select 1 from won_deals where record_id like 'L:%') as has_traced_revenue
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
        r.leads,
        r.handed_off,
        r.accepted,
        case when (select has_traced_revenue from traced) then r.won_revenue end as won_revenue,
        case when (select has_traced_revenue from traced) then r.won_leads else 0 end as won_leads,
        case when (select has_traced_revenue from traced) then r.won_revenue_sq end as won_revenue_sq
    from records as r
),

by_channel as (
    select
        channel as source,
        cast(sum(leads) as bigint) as leads,
        cast(sum(handed_off) as bigint) as handed_off,
        cast(sum(accepted) as bigint) as accepted,
        sum(won_revenue) as won_revenue,
        cast(sum(won_leads) as bigint) as won_leads,
        sum(won_revenue_sq) as won_revenue_sq
    from rows_
    group by channel
),

by_sourced as (
    select
        'sourced:' || sourced_by as source,
        cast(sum(leads) as bigint) as leads,
        cast(sum(handed_off) as bigint) as handed_off,
        cast(sum(accepted) as bigint) as accepted,
        sum(won_revenue) as won_revenue,
        cast(sum(won_leads) as bigint) as won_leads,
        sum(won_revenue_sq) as won_revenue_sq
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

-- entity_components: the inputs of the marketer matrix (domain.md "The marketer matrix", seed 001)
-- for each campaign, channel or marketer (campaign owner), $entity.
-- Grain: one row per entity with leads created in [$period_start, $period_end) (a created-date
-- cohort, followed to today), plus campaigns with spend in the period and no leads.
-- Delivers value inputs: leads, handed-off and accepted leads, won revenue from the cohort, the
--   leads it came from (won_leads) and the sum of their squares (won_revenue_sq: the spread of what a
--   won lead brings, for the lift's interval), spend (campaign spend prorated by the campaign's
--   dates overlapping the period; undated: all of it).
-- Demonstrates value inputs: leads naming a campaign, won revenue whose deal names a campaign
--   (deal_campaign), and the completeness of the campaign record (content, targeting, start date,
--   end date, channel: share of the five filled), averaged over an entity's campaigns.
-- Revenue is unknown (NULL), not 0, while no won revenue in the data is traced to a lead (no won
-- deal continues a loaded lead and no lead has a won date): revenue per lead is then '—' (issue 13
-- rule 1), and the matrix reads delivers from the acceptance and spend it has.
-- Parameters: $entity, $period_start, $period_end, $territory, $channel, $owner, $sourced_by.
with

campaigns_src as (
    select
        campaign_id,
        campaign_name,
        channel,
        owner,
        spend
            * case
                when start_date is not null and end_date is not null and end_date >= start_date
                    then greatest(0, period_share(start_date, end_date, cast($period_start as date),
                        cast($period_end as date)))
                else 1
            end as spend_in_period,
        (
            (content is not null)::int + (targeting is not null)::int + (start_date is not null)::int
            + (end_date is not null)::int + (channel is not null)::int
        ) / 5.0 as completeness
    from campaigns
),

records as (
    select *
    from leads_created_in(cast($period_start as date), cast($period_end as date),
        $territory, $channel, $owner, $sourced_by)
),

traced as (
    select exists (select 1 from won_deals where record_id like 'L:%') as has_traced_revenue
),

revenue as (
    select
        record_id,
        sum(amount) as won_revenue,
        sum(amount) filter (where deal_campaign is not null) as traceable_revenue,
        count(*) as won_deals
    from won_deals
    group by record_id
),

lead_rows as (
    select
        case $entity
            when 'campaign' then coalesce(c.campaign_name, r.campaign)
            when 'marketer' then c.owner
            else r.channel
        end as entity,
        r.record_id,
        r.campaign is not null as has_campaign,
        r.mql_at is not null as is_handed_off,
        r.is_accepted,
        coalesce(v.won_revenue, 0) as won_revenue,
        coalesce(v.traceable_revenue, 0) as traceable_revenue,
        coalesce(v.won_deals, 0) as won_deals
    from records as r
    left join campaigns_src as c on r.campaign = c.campaign_id or r.campaign = c.campaign_name
    left join revenue as v on r.record_id = v.record_id
),

by_entity as (
    select
        entity,
        count(*) as leads,
        count(*) filter (where has_campaign) as leads_with_campaign,
        count(*) filter (where is_handed_off) as handed_off,
        count(*) filter (where is_accepted) as accepted,
        sum(won_revenue) as won_revenue,
        count(*) filter (where won_revenue > 0) as won_leads,
        sum(won_revenue * won_revenue) filter (where won_revenue > 0) as won_revenue_sq,
        sum(traceable_revenue) as traceable_revenue,
        sum(won_deals) as won_deals
    from lead_rows
    where entity is not null
    group by entity
),

campaign_facts as (
    select
        case $entity
            when 'campaign' then campaign_name
            when 'marketer' then owner
            else channel
        end as entity,
        sum(spend_in_period) as spend,
        avg(completeness) as completeness,
        count(*) as campaigns,
        string_agg(campaign_id, ', ' order by campaign_id) as campaign_ids
    from campaigns_src
    group by all
),

final as (
    select
        coalesce(b.entity, f.entity) as entity,
        coalesce(b.leads, 0) as leads,
        coalesce(b.leads_with_campaign, 0) as leads_with_campaign,
        coalesce(b.handed_off, 0) as handed_off,
        coalesce(b.accepted, 0) as accepted,
        case when (select has_traced_revenue from traced) then coalesce(b.won_revenue, 0) end as won_revenue,
        case when (select has_traced_revenue from traced) then coalesce(b.traceable_revenue, 0) end
            as traceable_revenue,
        coalesce(b.won_deals, 0) as won_deals,
        coalesce(b.won_leads, 0) as won_leads,
        case when (select has_traced_revenue from traced) then coalesce(b.won_revenue_sq, 0) end as won_revenue_sq,
        f.spend,
        f.completeness,
        coalesce(f.campaigns, 0) as campaigns,
        f.campaign_ids
    from by_entity as b
    full outer join campaign_facts as f on b.entity = f.entity
    where coalesce(b.entity, f.entity) is not null
        and (b.entity is not null or coalesce(f.spend, 0) > 0)
)

select * from final order by entity

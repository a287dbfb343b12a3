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

-- each campaign value the leads name, with the campaign rows it names (by id or by name): the few
-- values are matched once, and the rollup rows join them on equality
campaign_map as (
    select v.campaign as value, c.campaign_name, c.owner
    from (select distinct campaign from records where campaign is not null) as v
    inner join campaigns_src as c on v.campaign = c.campaign_id or v.campaign = c.campaign_name
),

lead_rows as (
    select
        case $entity
            when 'campaign' then coalesce(c.campaign_name, r.campaign)
            when 'marketer' then c.owner
            else r.channel
        end as entity,
        r.*
    from records as r
    left join campaign_map as c on r.campaign = c.value
),

by_entity as (
    select
        entity,
        cast(sum(leads) as bigint) as leads,
        cast(coalesce(sum(leads) filter (where campaign is not null), 0) as bigint) as leads_with_campaign,
        cast(sum(handed_off) as bigint) as handed_off,
        cast(sum(accepted) as bigint) as accepted,
        sum(won_revenue) as won_revenue,
        cast(sum(won_leads) as bigint) as won_leads,
        sum(won_revenue_sq) as won_revenue_sq,
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

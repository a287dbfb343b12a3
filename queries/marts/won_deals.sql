-- won_deals: closed-won revenue.
-- Grain: one row per won deal; a lead that reached 'won' with no won deal loaded counts as one
-- won deal with the lead's own amount (a leads-only export still has revenue).
-- Attributes (channel, sourced_by, territory, owner) come from the deal, falling back to its
-- lead's record. opportunity_at is when the opportunity was created (deal created date, else
-- the lead's opportunity date): the start of the sales cycle (domain.md "average sales cycle").
-- deal_campaign: the campaign the deal itself names (a lead-only win: the lead's), the closed-loop
-- evidence the marketer matrix reads; campaign falls back to the lead's attribution.
-- No parameters.
with

deals_src as (
    select * from deals
),

records as (
    select * from funnel_records
),

owners_src as (
    select
        owner,
        any_value(territory) as territory,
    from owners
    group by owner
),

channels as (
    select * from config_channels
),

from_deals as (
    select
        d.deal_id,
        coalesce(r.record_id, 'D:' || d.deal_id) as record_id,
        d.closed_at as won_at,
        coalesce(d.created_at, r.opportunity_at) as opportunity_at,
        d.amount,
        coalesce(nullif(trim(d.territory), ''), o.territory, r.territory) as territory,
        coalesce(nullif(trim(d.owner), ''), r.owner) as owner,
        coalesce(d.channel, r.channel) as channel_raw,
        coalesce(d.campaign, r.campaign) as campaign,
        d.campaign as deal_campaign
    from deals_src as d
    left join records as r on r.record_id = 'L:' || d.lead_id
    left join owners_src as o on d.owner = o.owner
    where d.is_won
),

from_leads as (
    select
        cast(null as varchar) as deal_id,
        r.record_id,
        r.won_at,
        r.opportunity_at,
        r.amount,
        r.territory,
        r.owner,
        r.channel as channel_raw,
        r.campaign,
        r.campaign as deal_campaign
    from records as r
    where
        r.record_type = 'lead'
        and r.is_won
        and r.lead_id not in (select lead_id from deals_src where is_won and lead_id is not null)
),

unioned as (
    select * from from_deals
    union all
    select * from from_leads
),

final as (
    select
        u.deal_id,
        u.record_id,
        u.won_at,
        cast(u.won_at as date) as won_date,
        u.opportunity_at,
        u.amount,
        coalesce(u.territory, 'Unassigned') as territory,
        coalesce(u.owner, 'Unassigned') as owner,
        coalesce(c.channel_label, nullif(trim(u.channel_raw), ''), 'Unknown') as channel,
        coalesce(c.sourced_by, 'unmapped') as sourced_by,
        u.campaign,
        u.deal_campaign
    from unioned as u
    left join channels as c
        on lower(regexp_replace(coalesce(u.channel_raw, ''), '[^A-Za-z0-9]', '', 'g')) = c.channel_key
)

select * from final

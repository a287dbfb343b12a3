-- deal_facts: every opportunity and its outcome, for the win rate, the open pipeline and won
-- revenue (domain.md scorecard, revenue: "win rate", "average deal size", "open pipeline").
-- Grain: one row per deal; plus one per lead record that reached the SQL stage with no deal loaded
-- (a leads-only export's opportunity; deal_id NULL), or that is won with none of its deals won.
-- status: won | lost | open (issue 13 rule 2: lost only when the export says closed and not won;
--   open otherwise, whatever its expected close date). closed_at: the close date of a won or lost
--   deal (NULL when open, or when the export gives none).
-- amount / currency: money as deal_links says (the reporting currency when every currency has a
--   rate, else the deal's own); NULL amount: the export has none (never 0). probability 0..1.
-- Attributes come from the deal, falling back to the record it continues (its lead's): territory
-- (own, account, owner, record), owner (by name), channel / sourced_by, campaign; deal_campaign is
-- the campaign the deal itself names (a lead-only row: the lead's), the matrix's closed-loop
-- evidence. link_key: which key linked the deal to a lead (deal_links).
-- No parameters.
with

links as (
    select * from deal_links
),

records as (
    select * from funnel_records
),

basis as (
    select * from money_basis
),

owner_ids as (
    select key, owner_name, territory from owner_lookup where key_kind = 'id'
),

owner_names as (
    select key, owner_name, territory from owner_lookup where key_kind = 'name'
),

account_ids as (
    select key, territory from account_lookup where key_kind = 'id'
),

account_names as (
    select key, territory from account_lookup where key_kind = 'name'
),

channels as (
    select * from config_channels
),

from_deals as (
    select
        d.deal_id,
        k.record_id,
        k.lead_id,
        case when k.is_won then 'won' when k.is_lost then 'lost' else 'open' end as status,
        coalesce(d.created_at, r.opportunity_at) as opportunity_at,
        case when k.is_won or k.is_lost then d.closed_at end as closed_at,
        case when k.is_open then d.expected_close_at end as expected_close_at,
        k.amount,
        k.currency,
        k.deal_amount,
        k.deal_currency,
        d.probability,
        coalesce(
            nullif(trim(d.territory), ''), ai.territory, an.territory, oi.territory, onm.territory,
            r.territory
        ) as territory,
        coalesce(oi.owner_name, nullif(trim(d.owner), ''), r.owner) as owner,
        d.channel as channel_raw,
        r.channel as record_channel,
        r.sourced_by as record_sourced_by,
        coalesce(d.campaign, r.campaign) as campaign,
        d.campaign as deal_campaign,
        k.link_key
    from deals as d
    inner join links as k on d.deal_id = k.deal_id
    left join records as r on k.record_id = r.record_id
    left join owner_ids as oi on d.owner = oi.key
    left join owner_names as onm on d.owner = onm.key
    left join account_ids as ai on d.account_id = ai.key
    left join account_names as an on lower(trim(d.company)) = an.key
),

lead_deals as (
    select
        lead_id,
        count(*) as deals,
        count(*) filter (where is_won) as won
    from links
    where lead_id is not null
    group by lead_id
),

from_leads as (
    select
        cast(null as varchar) as deal_id,
        r.record_id,
        r.lead_id,
        case when r.is_won then 'won' when r.exit_reason is not null then 'lost' else 'open' end as status,
        r.sql_at as opportunity_at,
        case when r.is_won then r.won_at when r.exit_reason is not null then r.exit_at end as closed_at,
        cast(null as timestamp) as expected_close_at,
        r.amount,
        case when b.is_converted then b.reporting_currency else b.default_currency end as currency,
        r.amount as deal_amount,
        cast(null as varchar) as deal_currency,
        cast(null as double) as probability,
        r.territory,
        r.owner,
        cast(null as varchar) as channel_raw,
        r.channel as record_channel,
        r.sourced_by as record_sourced_by,
        r.campaign,
        r.campaign as deal_campaign,
        cast(null as varchar) as link_key
    from records as r
    cross join basis as b
    left join lead_deals as ld on r.lead_id = ld.lead_id
    where
        r.record_type = 'lead'
        and (
            (r.is_won and coalesce(ld.won, 0) = 0)
            or (not r.is_won and r.is_converted and ld.lead_id is null)
        )
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
        u.lead_id,
        u.status,
        u.opportunity_at,
        cast(u.opportunity_at as date) as opportunity_date,
        u.closed_at,
        cast(u.closed_at as date) as closed_date,
        u.expected_close_at,
        u.amount,
        u.currency,
        u.deal_amount,
        u.deal_currency,
        u.probability,
        coalesce(nullif(trim(u.territory), ''), 'Unassigned') as territory,
        coalesce(nullif(trim(u.owner), ''), 'Unassigned') as owner,
        case
            when u.channel_raw is null then coalesce(u.record_channel, 'Unknown')
            else coalesce(c.channel_label, nullif(trim(u.channel_raw), ''), 'Unknown')
        end as channel,
        case
            when u.channel_raw is null then coalesce(u.record_sourced_by, 'unmapped')
            else coalesce(c.sourced_by, 'unmapped')
        end as sourced_by,
        u.campaign,
        u.deal_campaign,
        u.link_key
    from unioned as u
    left join channels as c
        on lower(regexp_replace(coalesce(u.channel_raw, ''), '[^A-Za-z0-9]', '', 'g')) = c.channel_key
)

select * from final

-- growth_by_source: marketing's part in growth. New accounts and won revenue by kind (new business,
-- expansion, renewal: account_deals.deal_kind) per sourced-by, channel, campaign or marketer, for
-- one period: does marketing feed new logos, expansion or both?
-- Grain: one row per segment of $by ('sourced_by' | 'channel' | 'campaign' | 'marketer': the owner of
--   the deal's campaign) with a won deal closed in [$period_start, $period_end) under the shared filters.
-- A deal's campaign is its own, else its lead's; a campaign id is shown as the campaigns sheet's name.
-- Money is summed in $currency ('' = every deal's money: one currency, or all converted); a kind with
-- no deal is a known 0, one whose deals have no amount NULL.
-- Parameters: $by, $period_start, $period_end, $territory, $channel, $owner, $sourced_by, $currency.
with

campaigns_src as (
    select campaign_id, campaign_name, owner from campaigns
),

won as (
    select *
    from account_deals
    where
        status = 'won'
        and closed_date >= cast($period_start as date)
        and closed_date < cast($period_end as date)
        and passes_filters($territory, $channel, $owner, $sourced_by, territory, channel, owner, sourced_by)
),

segmented as (
    select
        w.*,
        case $by
            when 'sourced_by' then w.sourced_by
            when 'channel' then w.channel
            when 'campaign' then coalesce(c.campaign_name, w.campaign, '(no campaign)')
            when 'marketer' then coalesce(c.owner, case when w.campaign is null then '(no campaign)' end,
                '(campaign without an owner)')
        end as segment,
        $currency = '' or coalesce(w.currency, '') = $currency as in_currency
    from won as w
    left join campaigns_src as c on w.campaign = c.campaign_id or w.campaign = c.campaign_name
),

-- a campaign named by both its id and its name matches one campaigns row; a deal is counted once
deduped as (
    select distinct on (coalesce(deal_id, record_id)) *
    from segmented
    order by coalesce(deal_id, record_id), segment
),

final as (
    select
        segment,
        count(*) as won_deals,
        count(distinct account_key) filter (where is_acquisition) as new_accounts,
        count(*) filter (where deal_kind = 'new') as new_deals,
        count(*) filter (where deal_kind = 'expansion') as expansion_deals,
        count(*) filter (where deal_kind = 'renewal') as renewal_deals,
        sum(amount) filter (where in_currency) as won_revenue,
        case
            when count(*) filter (where in_currency and deal_kind = 'new') = 0 then 0
            else sum(amount) filter (where in_currency and deal_kind = 'new')
        end as new_revenue,
        case
            when count(*) filter (where in_currency and deal_kind = 'expansion') = 0 then 0
            else sum(amount) filter (where in_currency and deal_kind = 'expansion')
        end as expansion_revenue,
        case
            when count(*) filter (where in_currency and deal_kind = 'renewal') = 0 then 0
            else sum(amount) filter (where in_currency and deal_kind = 'renewal')
        end as renewal_revenue,
        sum(amount) filter (where in_currency and deal_kind is null) as unclassified_revenue
    from deduped
    group by segment
)

select * from final order by coalesce(won_revenue, 0) desc, segment

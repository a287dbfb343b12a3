-- account_churn: the day each customer left (seed 004: "minimizing churn rate for existing
-- customers"; the scorecard's churned accounts).
-- Grain: one row per account and customer life. A life starts at a purchase (a won deal of the
-- account) and ends when the customer leaves; an account that left, came back and left again has
-- two rows. A customer leaves on the first of:
--   'renewal lost'  a renewal (account_deals.deal_kind) closed lost, on its close date; a lost
--                   renewal that names no account still is a customer lost (account_key
--                   'deal:<deal id>');
--   'no purchase for twelve months'  twelve months after a purchase with no purchase since (it bought
--                   last year and not this year), on the day the twelve months end; only when that
--                   day is not after the data's as-of date, and not while a renewal of the account
--                   is still open;
--   'accounts sheet'  the accounts sheet flags it churned (account_list), on its churn date; with no
--                   date it is in no period (churned_date NULL), and counts only when nothing above
--                   already ended the account's last life.
-- Several of these after the same purchase are one departure: the earliest counts (on the same day, a
-- lost renewal before the sheet's flag, the flag before the twelve-month rule).
-- Attributes (territory, owner, channel, sourced_by, campaign): those of the deal behind the
-- departure (the lost renewal; else the largest deal of the last purchase before it; an account
-- flagged on the sheet with no purchase: the sheet's territory and owner), so the shared filters
-- count the customers a territory, owner or source had.
-- No parameters.
with

as_of as (
    select cast(data_as_of as date) as as_of from funnel_as_of
),

won as (
    select *
    from account_deals
    where status = 'won' and account_key is not null and closed_date is not null
),

-- one row per account and day of purchase, with the attributes of that day's largest deal
purchase_days as (
    select
        account_key,
        closed_date as purchase_date,
        any_value(account_name) as account_name,
        arg_max(
            struct_pack(territory, owner, channel, sourced_by, campaign),
            struct_pack(a := coalesce(amount, 0), i := coalesce(deal_id, record_id))
        ) as attrs
    from won
    group by account_key, closed_date
),

lives as (
    select
        *,
        lead(purchase_date) over (partition by account_key order by purchase_date) as next_purchase,
        cast(purchase_date + interval 12 month as date) as lapse_date
    from purchase_days
),

open_renewals as (
    select distinct account_key
    from account_deals
    where status = 'open' and deal_kind = 'renewal' and account_key is not null
),

lapses as (
    select
        l.account_key,
        l.account_name,
        l.purchase_date as life_start,
        l.lapse_date as churned_date,
        'no purchase for twelve months' as churn_reason,
        l.attrs,
        cast(null as varchar) as deal_id
    from lives as l
    cross join as_of as a
    left join open_renewals as o on l.account_key = o.account_key
    where
        (l.next_purchase is null or l.next_purchase > l.lapse_date)
        and l.lapse_date <= a.as_of
        and not (l.next_purchase is null and o.account_key is not null)
),

lost_renewals as (
    select
        coalesce(account_key, 'deal:' || coalesce(deal_id, record_id)) as account_key,
        account_name,
        closed_date as churned_date,
        struct_pack(territory, owner, channel, sourced_by, campaign) as attrs,
        deal_id
    from account_deals
    where deal_kind = 'renewal' and status = 'lost' and closed_date is not null
),

lost_events as (
    select
        r.account_key,
        coalesce(r.account_name, p.account_name) as account_name,
        p.purchase_date as life_start,
        r.churned_date,
        'renewal lost' as churn_reason,
        r.attrs,
        r.deal_id
    from lost_renewals as r
    asof left join purchase_days as p
        on r.account_key = p.account_key and r.churned_date >= p.purchase_date
),

flagged as (
    select
        account_key,
        account_name,
        cast(churned_at as date) as churned_date,
        struct_pack(
            territory := coalesce(territory, 'Unassigned'),
            owner := coalesce(owner, 'Unassigned'),
            channel := 'Unknown',
            sourced_by := 'unmapped',
            campaign := cast(null as varchar)
        ) as sheet_attrs
    from account_list
    where is_churned_flag
),

flag_events as (
    select
        f.account_key,
        coalesce(f.account_name, p.account_name) as account_name,
        p.purchase_date as life_start,
        f.churned_date,
        'accounts sheet' as churn_reason,
        coalesce(p.attrs, f.sheet_attrs) as attrs,
        cast(null as varchar) as deal_id
    from flagged as f
    asof left join purchase_days as p
        on f.account_key = p.account_key and coalesce(f.churned_date, date '9999-12-31') >= p.purchase_date
),

events as (
    select * from lapses
    union all by name
    select * from lost_events
    union all by name
    select * from flag_events
),

-- one departure per life: the earliest (an undated flag only when nothing dated ended that life)
departures as (
    select
        account_key,
        life_start,
        arg_min(
            struct_pack(account_name, churned_date, churn_reason, attrs, deal_id),
            struct_pack(
                d := coalesce(churned_date, date '9999-12-31'),
                r := case churn_reason when 'renewal lost' then 1 when 'accounts sheet' then 2 else 3 end
            )
        ) as e
    from events
    group by account_key, life_start
),

final as (
    select
        account_key,
        e.account_name as account_name,
        life_start,
        e.churned_date as churned_date,
        e.churn_reason as churn_reason,
        e.deal_id as deal_id,
        coalesce(e.attrs.territory, 'Unassigned') as territory,
        coalesce(e.attrs.owner, 'Unassigned') as owner,
        coalesce(e.attrs.channel, 'Unknown') as channel,
        coalesce(e.attrs.sourced_by, 'unmapped') as sourced_by,
        e.attrs.campaign as campaign
    from departures
)

select * from final

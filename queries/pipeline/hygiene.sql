-- hygiene: what the meeting should see before trusting the pipeline's numbers, on a given day, for
-- the open deals: past their close date; a close date left at a CRM's default and never moved (the
-- day it was created; the last day of the month it was created in: HubSpot's default close date;
-- the last day of its quarter: Salesforce's close date for an opportunity made by converting a
-- lead); no owner; no amount (blank or 0); duplicates (another open deal with the same account and
-- deal name, folded, created within 30 days of it).
-- Grain: one row per open deal with at least one issue (issues: the list of them).
-- Parameters: $as_of_day; $territory, $channel, $owner, $sourced_by (lists; empty = all);
--   $fy_start_month (the fiscal year's first month: quarters follow it).
with

open_deals as (
    select *
    from deals_at($as_of_day)
    where status = 'open'
        and passes_filters($territory, $channel, $owner, $sourced_by, territory, channel, owner, sourced_by)
),

close_moves as (
    select distinct deal_id
    from deal_changes
    where field = 'close_date' and not is_initial
),

names as (
    select
        deal_id,
        created_on,
        lower(regexp_replace(coalesce(company, ''), '[^A-Za-z0-9]', '', 'g')) || '|'
            || lower(regexp_replace(coalesce(deal_name, ''), '[^A-Za-z0-9]', '', 'g')) as name_key
    from open_deals
    where nullif(trim(deal_name), '') is not null
),

dupes as (
    select distinct a.deal_id
    from names as a
    inner join names as b
        on a.name_key = b.name_key
        and a.deal_id <> b.deal_id
        and abs(datediff('day', a.created_on, b.created_on)) <= 30
),

flags as (
    select
        d.*,
        d.close_date < $as_of_day as past_close_date,
        d.close_date is not null and m.deal_id is null and (
            d.close_date = d.created_on
            or d.close_date = last_day(d.created_on)
            or d.close_date = cast(
                date_trunc('month', d.created_on)
                + to_months(2 - (month(d.created_on) - $fy_start_month + 12) % 3) + interval 1 month
                - interval 1 day as date)
        ) as default_close_date,
        d.close_date is null as no_close_date,
        d.owner = 'Unassigned' as no_owner,
        coalesce(d.amount, 0) = 0 as no_amount,
        x.deal_id is not null as duplicate
    from open_deals as d
    left join close_moves as m on d.deal_id = m.deal_id
    left join dupes as x on d.deal_id = x.deal_id
),

final as (
    select
        deal_id, deal_name, company, owner, territory, amount, close_date, created_on,
        past_close_date, default_close_date, no_close_date, no_owner, no_amount, duplicate,
        list_filter([
            case when past_close_date then 'past its close date' end,
            case when default_close_date then 'close date left at a CRM default' end,
            case when no_close_date then 'no close date' end,
            case when no_owner then 'no owner' end,
            case when no_amount then 'no amount' end,
            case when duplicate then 'possible duplicate' end
        ], lambda x: x is not null) as issues
    from flags
    where past_close_date or default_close_date or no_close_date or no_owner or no_amount or duplicate
)

select * from final order by len(issues) desc, amount desc nulls last, deal_id

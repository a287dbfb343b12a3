-- deal_links: each deal's outcome, its money, and the loaded lead it continues
-- (issue 13 rule 8, "one buyer, one record": a deal linked to a lead is that lead's record, so the
-- opportunity step does not count the buyer twice).
-- Grain: one row per deal.
-- lead_id / link_key: the first key that matches a loaded lead: 'converted_deal_id' (the lead's
--   converted opportunity id names the deal), 'lead_id' (the deal names the lead), 'contact_id'
--   (the deal's contact is the lead's; of several such leads, a converted one, then the latest
--   created). record_id: 'L:<lead_id>' when linked, else the deal's own 'D:<deal_id>'.
-- Outcome (rule 2, "open is not lost"): won when the export says closed-won; lost when it says
--   closed and not won (is_lost, or is_closed and not won); open otherwise.
-- Money (money_basis): amount / currency in the reporting currency when every currency has a rate,
--   else in the deal's own currency (a row with none takes the default currency);
--   deal_amount / deal_currency as exported.
-- No parameters.
with

leads_src as (
    select
        lead_id,
        created_at,
        contact_id,
        converted_deal_id,
        coalesce(is_converted, false) as is_converted
    from leads
),

by_converted as (
    select converted_deal_id as deal_id, min(lead_id) as lead_id
    from leads_src
    where converted_deal_id is not null
    group by converted_deal_id
),

by_contact as (
    select contact_id, arg_max(lead_id, struct_pack(c := is_converted, t := created_at, i := lead_id)) as lead_id
    from leads_src
    where contact_id is not null
    group by contact_id
),

linked as (
    select
        d.deal_id,
        d.amount as deal_amount,
        upper(nullif(trim(d.currency), '')) as deal_currency,
        coalesce(d.is_won, false) as is_won,
        not coalesce(d.is_won, false)
            and (coalesce(d.is_lost, false) or coalesce(d.is_closed, false)) as is_lost,
        coalesce(c.lead_id, l.lead_id, k.lead_id) as lead_id,
        case
            when c.lead_id is not null then 'converted_deal_id'
            when l.lead_id is not null then 'lead_id'
            when k.lead_id is not null then 'contact_id'
        end as link_key
    from deals as d
    left join by_converted as c on d.deal_id = c.deal_id
    left join leads_src as l on d.lead_id = l.lead_id
    left join by_contact as k on d.contact_id = k.contact_id
),

final as (
    select
        x.deal_id,
        x.lead_id,
        x.link_key,
        case when x.lead_id is not null then 'L:' || x.lead_id else 'D:' || x.deal_id end as record_id,
        x.is_won,
        x.is_lost,
        not x.is_won and not x.is_lost as is_open,
        cast(case when b.is_converted then x.deal_amount * fx.rate else x.deal_amount end as decimal(18, 2))
            as amount,
        case
            when b.is_converted then b.reporting_currency
            else coalesce(x.deal_currency, b.default_currency)
        end as currency,
        x.deal_amount,
        x.deal_currency
    from linked as x
    cross join money_basis as b
    left join fx_rates as fx on coalesce(x.deal_currency, b.default_currency) = fx.currency
)

select * from final

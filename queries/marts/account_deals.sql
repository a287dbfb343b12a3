-- account_deals: every deal with the account it belongs to and the kind of revenue it is (new
-- business, expansion or renewal): the customers after the first deal (seed 000 "new account
-- acquisition", "customer retention", "account billing size"; seed 004 "new customer acquisition,
-- expanding wallet share ... minimizing churn").
-- Grain: one row per deal_facts row (won, lost or open; a lead-only win is a row with no deal_id).
--
-- account_key: who the customer is. The deal's account id ('id:<account id>'); else its company name
--   when the accounts sheet gives that name exactly one account id ('id:<that id>'); else the company
--   name itself, lower-cased with its spaces collapsed ('name:acme corp'); for a deal that names
--   neither, the same from the lead it continues. NULL when nothing names the account: such deals
--   count in revenue but in no account figure. account_name: the accounts sheet's name, else the
--   deal's company, else the id.
-- type_kind: the exported type read as new | expansion | renewal (vocabulary below); NULL when the
--   deal has no type (type_state 'blank') or one that says neither or both (type_state 'unclear':
--   'New Business / Add-on', Odoo's 'Opportunity').
-- deal_kind: new | expansion | renewal, by the first rule that applies (kind_rule):
--   'type'    the exported type;
--   'name'    no type, and the deal's name or pipeline says renewal ('Acme - Renewal 2026', a
--             'Renewals' pipeline);
--   'account' no type, a won deal of a known account: won on the account's first day of purchase
--             (first_won_date) while the account was acquired in the data -> new; later -> expansion.
--   NULL: a won deal with no type and no account (unclassified), or a lost / open deal the type and
--   name do not classify.
-- is_acquisition: a won deal on the account's first day of purchase in the data, when that day was
--   its acquisition: a deal typed new business, or no deal typed at all that day. When every typed
--   deal of that first day says existing business or renewal, the account was a customer before the
--   data starts, and it is no new account.
-- account_potential / is_churned_flag / churned_flag_at: from the accounts sheet (by account id, else
--   by name): the annual wallet of the account; a churn flag, or a status that says churned, former
--   customer, cancelled, terminated, exited or lost customer; the churn date.
-- No parameters.
with

facts as (
    select * from deal_facts
),

deals_src as (
    select
        deal_id,
        nullif(trim(account_id), '') as account_id,
        nullif(trim(company), '') as company,
        nullif(trim(deal_type), '') as deal_type,
        deal_name,
        pipeline
    from deals
),

leads_src as (
    select
        lead_id,
        nullif(trim(account_id), '') as account_id,
        nullif(trim(company), '') as company
    from leads
),

accounts_src as (
    select * from account_list
),

-- a company name the accounts sheet gives exactly one account id: the deal is that account's
name_to_id as (
    select
        name_key,
        min(account_id) as account_id
    from accounts_src
    where account_id is not null
    group by name_key
    having count(distinct account_id) = 1
),

keyed as (
    select
        f.*,
        d.deal_type,
        d.deal_name,
        d.pipeline,
        coalesce(d.account_id, l.account_id) as account_id_raw,
        coalesce(d.company, l.company) as company_raw,
        lower(trim(regexp_replace(coalesce(d.company, l.company), '\s+', ' ', 'g'))) as company_key
    from facts as f
    left join deals_src as d on f.deal_id = d.deal_id
    left join leads_src as l on f.lead_id = l.lead_id
),

with_account as (
    select
        k.*,
        case
            when k.account_id_raw is not null then 'id:' || k.account_id_raw
            when n.account_id is not null then 'id:' || n.account_id
            when k.company_key is not null and k.company_key <> '' then 'name:' || k.company_key
        end as account_key,
        lower(regexp_replace(strip_accents(coalesce(k.deal_type, '')), '[^A-Za-z0-9]', '', 'g')) as type_key
    from keyed as k
    left join name_to_id as n on k.company_key = n.name_key
),

with_sheet as (
    select
        w.*,
        coalesce(a.account_name, w.company_raw, w.account_id_raw) as account_name,
        a.potential as account_potential,
        coalesce(a.is_churned_flag, false) as is_churned_flag,
        a.churned_at as churned_flag_at
    from with_account as w
    left join accounts_src as a on w.account_key = a.account_key
),

-- The type as exported, read as new | expansion | renewal (each vendor's documented values; see
-- revmachine/ingest/fields.py for the pages): Salesforce 'New Customer', 'Existing Customer - Upgrade'
-- / '- Replacement' / '- Downgrade' and the common 'New Business', 'Existing Business', 'Add-On
-- Business', 'Renewal'; HubSpot 'New Business' / 'newbusiness', 'Existing Business' /
-- 'existingbusiness'; Zoho and SuiteCRM 'New Business', 'Existing Business'; Freshsales 'New deal',
-- 'Upsell', 'Subscription upgrade', 'Renewal'; ServiceNow 'NEWCUST', 'UPSELL', 'RENEW'; the German,
-- French and Spanish words for each. A value that says new and existing at once ('New Business /
-- Add-on') or neither ('Opportunity', 'Partner') is unclear: the account's history decides.
words as (
    select
        *,
        regexp_matches(type_key, 'renew|verlangerung|renouvel|renovaci') as says_renewal,
        regexp_matches(
            type_key,
            '^(new|neu|nouve|nuev)|^nb$|newlogo|newcust|newbusiness|neukunde|neugeschaft'
        ) as says_new,
        regexp_matches(
            type_key,
            '^existing|existingbusiness|existingcustomer|addon|upsell|crosssell|upgrade|downgrade|expansion'
            || '|replacement|bestandskunde|clientexistant|clienteexistente|^existant|^existente'
        ) as says_existing
    from with_sheet
),

typed as (
    select
        *,
        case
            when type_key = '' then null
            when says_renewal then 'renewal'
            when says_new and says_existing then null
            when says_existing then 'expansion'
            when says_new then 'new'
        end as type_kind,
        case
            when type_key = '' then 'blank'
            when says_renewal or (says_new <> says_existing) then 'known'
            else 'unclear'
        end as type_state,
        regexp_matches(lower(coalesce(deal_name, '')), '\brenew(al|als|ed)?\b')
            or regexp_matches(lower(coalesce(pipeline, '')), 'renew') as named_renewal
    from words
),

-- an account's first day of purchase, and whether that day was its acquisition
first_day as (
    select
        account_key,
        min(closed_date) as first_won_date
    from typed
    where status = 'won' and account_key is not null and closed_date is not null
    group by account_key
),

acquisition as (
    select
        t.account_key,
        f.first_won_date,
        bool_or(t.type_kind = 'new')
            or (count(t.type_kind) = 0 and bool_or(not t.named_renewal)) as was_acquired
    from typed as t
    inner join first_day as f on t.account_key = f.account_key and t.closed_date = f.first_won_date
    where t.status = 'won'
    group by t.account_key, f.first_won_date
),

final as (
    select
        t.deal_id,
        t.record_id,
        t.lead_id,
        t.account_key,
        t.account_name,
        t.status,
        t.closed_date,
        cast(t.expected_close_at as date) as expected_close_date,
        t.amount,
        t.currency,
        t.territory,
        t.owner,
        t.channel,
        t.sourced_by,
        t.campaign,
        t.deal_type,
        t.type_kind,
        t.type_state,
        case
            when t.type_kind is not null then t.type_kind
            when t.named_renewal then 'renewal'
            when t.status = 'won' and t.closed_date is not null and a.first_won_date is not null then
                case when t.closed_date = a.first_won_date and a.was_acquired then 'new' else 'expansion' end
        end as deal_kind,
        case
            when t.type_kind is not null then 'type'
            when t.named_renewal then 'name'
            when t.status = 'won' and t.closed_date is not null and a.first_won_date is not null then 'account'
        end as kind_rule,
        a.first_won_date,
        coalesce(t.status = 'won' and t.closed_date = a.first_won_date and a.was_acquired, false)
            as is_acquisition,
        t.account_potential,
        t.is_churned_flag,
        t.churned_flag_at
    from typed as t
    left join acquisition as a on t.account_key = a.account_key
)

select * from final

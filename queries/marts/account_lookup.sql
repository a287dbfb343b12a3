-- account_lookup (a view): an account / company as a deal or lead names it -> its territory from
-- the accounts sheet (the company -> territory fallback for deals and leads).
-- Grain: one row per key_kind x key: key_kind 'id' (key = accounts.account_id) or 'name' (key =
-- the company name, lower-cased and trimmed). Looked up by account id first, then by company.
-- No parameters.
with

by_id as (
    select
        'id' as key_kind,
        account_id as key,
        any_value(nullif(trim(territory), '')) as territory
    from accounts
    where account_id is not null
    group by account_id
),

by_name as (
    select
        'name' as key_kind,
        lower(trim(company)) as key,
        any_value(nullif(trim(territory), '')) as territory
    from accounts
    group by lower(trim(company))
),

final as (
    select * from by_id
    union all
    select * from by_name
)

select * from final

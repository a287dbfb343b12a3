-- account_list (a view): the accounts sheet, one row per account as the account figures key it.
-- Grain: one row per account_key: 'id:<account id>' for a row with an account id, else
-- 'name:<company>' (lower-cased, spaces collapsed), as account_deals keys a deal's account.
-- is_churned_flag: the sheet flags the account churned (a churn flag column), or its status / type
--   says so: churned, former customer, cancelled, terminated, exited, lost customer (and the German
--   and French words). Other statuses ('Customer', 'Active', 'Inactive', 'Prospect') say nothing
--   about churn. churned_at: the churn date the sheet gives (NULL: none).
-- potential: what the account could spend with us a year (Account Potential, Wallet Size), for
--   wallet share; NULL when the sheet has none.
-- No parameters.
with

src as (
    select
        nullif(trim(account_id), '') as account_id,
        nullif(trim(company), '') as company,
        lower(trim(regexp_replace(company, '\s+', ' ', 'g'))) as name_key,
        nullif(trim(territory), '') as territory,
        nullif(trim(owner), '') as owner,
        potential,
        coalesce(is_churned, false)
            or regexp_matches(
                lower(regexp_replace(strip_accents(coalesce(status, '')), '[^A-Za-z0-9]', '', 'g')),
                'churn|former|cancel|terminat|exited|lostcustomer|excustomer|ehemalig|ancienclient'
            ) as is_churned_flag,
        churned_at
    from accounts
),

final as (
    select
        case when account_id is not null then 'id:' || account_id else 'name:' || name_key end as account_key,
        any_value(account_id) as account_id,
        any_value(company) as account_name,
        any_value(name_key) as name_key,
        any_value(territory) as territory,
        any_value(owner) as owner,
        max(potential) as potential,
        bool_or(is_churned_flag) as is_churned_flag,
        max(churned_at) as churned_at
    from src
    where account_id is not null or name_key <> ''
    group by all
)

select * from final

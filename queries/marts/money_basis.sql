-- money_basis: the currency money figures are reported in. Money is never added across
-- currencies: amounts are converted to the reporting currency only when one is set and every
-- currency stated in the data (deals, targets, spend, campaigns, ad spend) has a rate
-- (is_converted); until then each money figure is computed per currency.
-- default_currency: the currency of an amount whose row states none: the reporting currency, else
-- the only currency the data states (NULL when it states none or several).
-- Grain: one row. No parameters.
with

cfg as (
    select nullif(upper(trim(max(value) filter (where key = 'reporting_currency'))), '') as reporting_currency
    from config_settings
),

stated as (
    select distinct upper(trim(currency)) as currency
    from (
        select currency from deals where amount is not null
        union all
        select currency from targets where revenue_target is not null
        union all
        select currency from spend where amount is not null
        union all
        select currency from campaigns where spend is not null
        union all
        select currency from ad_spend where cost is not null
    )
    where nullif(trim(currency), '') is not null
),

final as (
    select
        c.reporting_currency,
        coalesce(
            c.reporting_currency,
            case when (select count(*) from stated) = 1 then (select min(currency) from stated) end
        ) as default_currency,
        c.reporting_currency is not null
            and not exists (
                select 1 from stated as s where s.currency not in (select currency from fx_rates)
            ) as is_converted,
        coalesce((select list(currency order by currency) from stated), []) as currencies,
        coalesce(
            (select list(currency order by currency) from stated
                where currency not in (select currency from fx_rates)),
            []
        ) as missing_rates
    from cfg as c
)

select * from final

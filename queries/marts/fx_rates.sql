-- fx_rates: exchange rates into the reporting currency (config_fx_rates: 1 unit of
-- currency = rate units of the reporting currency), plus the reporting currency itself at 1.
-- Empty while no reporting currency is set (config_settings.reporting_currency = '').
-- Grain: one row per currency (ISO code, upper case). No parameters.
with

cfg as (
    select nullif(upper(trim(value)), '') as reporting_currency
    from config_settings
    where key = 'reporting_currency'
),

final as (
    select
        upper(trim(r.currency)) as currency,
        r.rate
    from config_fx_rates as r
    cross join cfg as c
    where
        c.reporting_currency is not null
        and r.rate > 0
        and upper(trim(r.currency)) <> c.reporting_currency
    union all
    select
        reporting_currency as currency,
        1.0 as rate
    from cfg
    where reporting_currency is not null
)

select * from final

-- spend_facts: the spend sheet with its money (money_basis: in the reporting currency when every
-- currency has a rate, else in its own).
-- Grain: one row per spend row. No parameters.
select
    s.*,
    case when b.is_converted then s.amount * fx.rate else s.amount end as money,
    case
        when b.is_converted then b.reporting_currency
        else coalesce(upper(nullif(trim(s.currency), '')), b.default_currency)
    end as money_currency
from spend as s
cross join money_basis as b
left join fx_rates as fx on coalesce(upper(nullif(trim(s.currency), '')), b.default_currency) = fx.currency

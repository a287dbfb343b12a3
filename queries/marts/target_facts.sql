-- target_facts: every target row with its level and its money (issue 13: "team and personal goals
-- are never added together"; money never added across currencies).
-- Grain: one row per targets row.
-- level: 'company' (a team target with no territory), 'territory' (a team target for a
--   territory), 'personal' (a rep's quota); target_territory: the territory it is for (a personal
--   target: its own, else its owner's from the owners sheet).
-- revenue_money / money_currency: revenue_target in the reporting currency when every currency has a
--   rate (money_basis), else in its own currency (none stated: the default currency).
-- No parameters.
with

owner_ids as (
    select key, territory from owner_lookup where key_kind = 'id'
),

owner_names as (
    select key, territory from owner_lookup where key_kind = 'name'
),

final as (
    select
        t.*,
        case
            when coalesce(t.scope, 'team') = 'personal' then 'personal'
            when nullif(trim(t.territory), '') is null then 'company'
            else 'territory'
        end as level,
        case
            when coalesce(t.scope, 'team') = 'personal'
                then coalesce(nullif(trim(t.territory), ''), oi.territory, onm.territory)
            else nullif(trim(t.territory), '')
        end as target_territory,
        case when b.is_converted then t.revenue_target * fx.rate else t.revenue_target end as revenue_money,
        case
            when b.is_converted then b.reporting_currency
            else coalesce(upper(nullif(trim(t.currency), '')), b.default_currency)
        end as money_currency
    from targets as t
    cross join money_basis as b
    left join fx_rates as fx on coalesce(upper(nullif(trim(t.currency), '')), b.default_currency) = fx.currency
    left join owner_ids as oi on t.owner = oi.key
    left join owner_names as onm on t.owner = onm.key
)

select * from final

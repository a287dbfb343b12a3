-- forecast_actuals: what each scope a forecast call can be made for actually won in a period: won
-- revenue (deals closed-won with a close date in the period, at their amount; won_deals) per
-- territory, per owner and for the whole company, to judge calls once the period has closed.
-- Grain: one row per period x scope_kind ('company' | 'territory' | 'owner') x scope.
-- Parameters: $labels, $starts, $ends (lists: period i = [starts[i], ends[i])); $currency ('' =
--   every deal, else that currency's only).
with

periods as (
    select * from periods_of($labels, $starts, $ends)
),

won as (
    select p.period, w.territory, w.owner, w.amount
    from periods as p
    inner join won_deals as w on w.won_date >= p.period_start and w.won_date < p.period_end
    where $currency = '' or coalesce(w.currency, '') = $currency
),

final as (
    select period, 'company' as scope_kind, 'All' as scope, coalesce(sum(amount), 0) as won_amount, count(*) as won_deals
    from won group by period
    union all
    select period, 'territory', territory, coalesce(sum(amount), 0), count(*) from won group by period, territory
    union all
    select period, 'owner', owner, coalesce(sum(amount), 0), count(*) from won group by period, owner
)

select * from final order by period, scope_kind, scope

-- scorecard: the numerators and denominators of the shared scorecard (domain.md "The shared
-- scorecard", "Revenue SLA"), for several periods at once.
-- Grain: one row per period in $labels (period i = [$starts[i], $ends[i]) ).
-- Parameters: $labels, $starts, $ends (lists, same length); $territory, $channel, $owner,
--   $sourced_by (lists; empty = all); $sla_hours; $min_attempts; $currency: '' = every deal, else
--   only the money of deals in that currency (money is never added across currencies: with several
--   currencies and no exchange rates, metrics.py runs this once per currency for the money figures).
-- Ratios are formed afterwards from these sums (revmachine/metrics.py), never averaged averages.
-- Durations are whole days between dates (issue 13 rule 3); a close before the create is left out
-- of the cycle and counted (cycle_before_created). A won deal without an amount is left out of
-- revenue sums and deal sizes and counted (won_deals vs won_with_amount; rule 4).
-- Targets: the company-level team target, else the territories' team targets, else the sum of the
-- personal quotas (target_facts; macros.sql prorated_targets).
-- Open pipeline (open_*): deals open on the data's as-of date, whatever the period (one value,
-- repeated on every row); won_undated / lost_undated: won / lost deals with no close date, in no
-- period (likewise one value).
with

periods as (
    select * from periods_of($labels, $starts, $ends)
),

records as not materialized (
    -- one table with the SQL date, acceptance and touches precomputed (queries/marts/funnel_records.sql);
    -- not materialized: each use below reads only its own columns of it
    select * from filtered_records($territory, $channel, $owner, $sourced_by)
),

-- counts per created day and per SQL day, then summed per period: a period join over a few
-- hundred days instead of a million records (the same sums)
created_by_day as (
    select
        created_date as day,
        count(*) filter (where record_type = 'lead') as leads_created,
        count(*) filter (where record_type = 'lead' and is_won) as cohort_won,
        count(*) as cohort_entered,
        count(*) filter (where exit_reason is not null) as cohort_exited,
        count(*) filter (where exit_kind = 'lost') as cohort_lost,
        count(*) filter (where exit_kind = 'disqualified') as cohort_disqualified,
        count(*) filter (where exit_kind = 'rejected') as cohort_rejected,
        count(*) filter (where exit_kind = 'stale') as cohort_stale
    from records
    where created_date >= list_min($starts)
        and created_date < list_max($ends)
    group by created_date
),

sql_by_day as (
    select
        sql_date as day,
        count(*) as sqls,
        sum(touch_count) as sql_touches,
        count(touch_count) as sqls_with_touch_data
    from records
    where sql_date >= list_min($starts)
        and sql_date < list_max($ends)
    group by sql_date
),

won as (
    select *
    from filtered_won($territory, $channel, $owner, $sourced_by)
    where $currency = '' or coalesce(currency, '') = $currency
),

deals_ as (
    select *
    from filtered_deals($territory, $channel, $owner, $sourced_by)
),

handoffs as (
    select *
    from (select *, cast(mql_at as date) as mql_date from records where mql_at is not null)
    where mql_date >= list_min($starts)
        and mql_date < list_max($ends)
),

scoped as (
    select *
    from target_facts
    where
        (len($territory) = 0 and level = 'company')
        or (level <> 'company' and (len($territory) = 0 or list_contains($territory, target_territory)))
),

-- per period and territory: its team targets, else its reps' personal quotas
territory_targets as (
    select
        p.period,
        t.target_territory,
        case
            when count(t.revenue_money) filter (where t.level = 'territory') > 0
                then sum(t.revenue_money * period_share(t.period_start, t.period_end, p.period_start, p.period_end))
                    filter (where t.level = 'territory')
            else sum(t.revenue_money * period_share(t.period_start, t.period_end, p.period_start, p.period_end))
                filter (where t.level = 'personal')
        end as revenue_target,
        case
            when count(t.mql_quota) filter (where t.level = 'territory') > 0
                then sum(t.mql_quota * period_share(t.period_start, t.period_end, p.period_start, p.period_end))
                    filter (where t.level = 'territory')
            else sum(t.mql_quota * period_share(t.period_start, t.period_end, p.period_start, p.period_end))
                filter (where t.level = 'personal')
        end as mql_quota
    from periods as p
    inner join scoped as t
        on t.period_start < p.period_end and t.period_end + 1 > p.period_start
    where t.level <> 'company'
    group by p.period, t.target_territory
),

company_targets as (
    select
        p.period,
        sum(t.revenue_money * period_share(t.period_start, t.period_end, p.period_start, p.period_end))
            as revenue_target,
        sum(t.mql_quota * period_share(t.period_start, t.period_end, p.period_start, p.period_end))
            as mql_quota
    from periods as p
    inner join scoped as t
        on t.period_start < p.period_end and t.period_end + 1 > p.period_start
    where t.level = 'company'
    group by p.period
),

targets_by_period as (
    select
        p.period,
        coalesce(c.revenue_target, (
            select sum(x.revenue_target) from territory_targets as x where x.period = p.period
        )) as revenue_target,
        coalesce(c.mql_quota, (
            select sum(x.mql_quota) from territory_targets as x where x.period = p.period
        )) as mql_quota
    from periods as p
    left join company_targets as c on p.period = c.period
),

spend_by_period as (
    select
        p.period,
        sum(s.money * period_share(s.period_start, s.period_end, p.period_start, p.period_end))
            filter (where s.function = 'marketing') as marketing_spend,
        sum(s.money * period_share(s.period_start, s.period_end, p.period_start, p.period_end))
            filter (where s.function = 'sales') as sales_spend,
        min(s.period_start) <= min(p.period_start) and max(s.period_end) + 1 >= max(p.period_end)
            as spend_covers_period
    from periods as p
    inner join spend_facts as s
        on s.period_start < p.period_end and s.period_end + 1 > p.period_start
    group by p.period
),

won_by_period as (
    select
        p.period,
        count(*) as won_deals,
        count(w.amount) as won_with_amount,
        sum(w.amount) as won_revenue,
        sum(w.amount) filter (where w.sourced_by = 'marketing') as marketing_won_revenue,
        count(w.amount) filter (where w.sourced_by = 'marketing') as marketing_won_deals,
        count(*) filter (where w.sourced_by = 'marketing') as marketing_won_all,
        sum(w.amount) filter (where w.sourced_by = 'sales') as sales_won_revenue,
        count(w.amount) filter (where w.sourced_by = 'sales') as sales_won_deals,
        count(*) filter (where w.sourced_by = 'sales') as sales_won_all,
        sum(w.amount) filter (where w.sourced_by in ('marketing', 'sales')) as sourced_won_revenue,
        count(w.amount) filter (where w.sourced_by in ('marketing', 'sales')) as sourced_won_deals,
        sum(date_diff('day', w.opportunity_date, w.won_date))
            filter (where w.won_date >= w.opportunity_date) as cycle_days_sum,
        count(*) filter (where w.won_date >= w.opportunity_date) as cycle_deals,
        median(date_diff('day', w.opportunity_date, w.won_date))
            filter (where w.won_date >= w.opportunity_date) as cycle_days_median,
        count(*) filter (where w.won_date < w.opportunity_date) as cycle_before_created
    from periods as p
    inner join won as w on w.won_date >= p.period_start and w.won_date < p.period_end
    group by p.period
),

-- win rate: deals closed won or lost in the period (open deals are neither)
closed_by_period as (
    select
        p.period,
        count(*) filter (where d.status = 'won') as closed_won,
        count(*) filter (where d.status = 'lost') as closed_lost
    from periods as p
    inner join deals_ as d on d.closed_date >= p.period_start and d.closed_date < p.period_end
    where d.status in ('won', 'lost')
    group by p.period
),

-- open pipeline on the data's as-of date (one row)
open_pipeline as (
    select
        count(*) as open_deals,
        count(*) filter (where $currency = '' or coalesce(currency, '') = $currency) as open_in_currency,
        count(amount) filter (where $currency = '' or coalesce(currency, '') = $currency) as open_with_amount,
        sum(amount) filter (where $currency = '' or coalesce(currency, '') = $currency) as open_amount,
        count(amount * probability) filter (where $currency = '' or coalesce(currency, '') = $currency)
            as open_with_probability,
        sum(amount * probability) filter (where $currency = '' or coalesce(currency, '') = $currency)
            as open_weighted
    from deals_
    where status = 'open'
),

-- won or lost deals with no close date: in no period (one row; the figures say how many)
undated as (
    select
        count(*) filter (where status = 'won' and closed_date is null) as won_undated,
        count(*) filter (where status = 'lost' and closed_date is null) as lost_undated
    from deals_
),

created_by_period as (
    select
        p.period,
        sum(r.leads_created) as leads_created,
        sum(r.cohort_won) as cohort_won,
        sum(r.cohort_entered) as cohort_entered,
        sum(r.cohort_exited) as cohort_exited,
        sum(r.cohort_lost) as cohort_lost,
        sum(r.cohort_disqualified) as cohort_disqualified,
        sum(r.cohort_rejected) as cohort_rejected,
        sum(r.cohort_stale) as cohort_stale
    from periods as p
    inner join created_by_day as r on r.day >= p.period_start and r.day < p.period_end
    group by p.period
),

sql_by_period as (
    select
        p.period,
        sum(lt.sqls) as sqls,
        sum(lt.sql_touches) as sql_touches,
        sum(lt.sqls_with_touch_data) as sqls_with_touch_data
    from periods as p
    inner join sql_by_day as lt on lt.day >= p.period_start and lt.day < p.period_end
    group by p.period
),

handoff_by_period as (
    select
        p.period,
        count(*) as mqls,
        count(*) filter (where lt.is_accepted) as mqls_accepted,
        count(lt.first_touch_at) as mqls_touched,
        median(datediff('second', lt.mql_at, lt.first_touch_at) / 3600.0)
            filter (where lt.first_touch_at >= lt.mql_at) as response_hours_median,
        count(*) filter (
            where lt.first_touch_at >= lt.mql_at
            and datediff('second', lt.mql_at, lt.first_touch_at) <= $sla_hours * 3600
        ) as mqls_within_sla,
        median(datediff('second', lt.assigned_at, lt.first_touch_at) / 3600.0)
            filter (where lt.first_touch_at >= lt.assigned_at) as sla_response_hours_median,
        count(*) filter (where lt.touch_count >= $min_attempts) as mqls_min_attempts,
        count(lt.touch_count) as mqls_with_touch_data
    from periods as p
    inner join handoffs as lt on lt.mql_date >= p.period_start and lt.mql_date < p.period_end
    group by p.period
),

final as (
    select
        p.period,
        p.period_start,
        p.period_end,
        coalesce(w.won_deals, 0) as won_deals,
        coalesce(w.won_with_amount, 0) as won_with_amount,
        w.won_revenue,
        coalesce(w.marketing_won_revenue, 0) as marketing_won_revenue,
        coalesce(w.marketing_won_deals, 0) as marketing_won_deals,
        coalesce(w.marketing_won_all, 0) as marketing_won_all,
        coalesce(w.sales_won_revenue, 0) as sales_won_revenue,
        coalesce(w.sales_won_deals, 0) as sales_won_deals,
        coalesce(w.sales_won_all, 0) as sales_won_all,
        coalesce(w.sourced_won_revenue, 0) as sourced_won_revenue,
        coalesce(w.sourced_won_deals, 0) as sourced_won_deals,
        w.cycle_days_sum,
        coalesce(w.cycle_deals, 0) as cycle_deals,
        w.cycle_days_median,
        coalesce(w.cycle_before_created, 0) as cycle_before_created,
        coalesce(cl.closed_won, 0) as closed_won,
        coalesce(cl.closed_lost, 0) as closed_lost,
        o.open_deals,
        o.open_in_currency,
        o.open_with_amount,
        o.open_amount,
        o.open_with_probability,
        o.open_weighted,
        u.won_undated,
        u.lost_undated,
        t.revenue_target,
        t.mql_quota,
        s.marketing_spend,
        s.sales_spend,
        coalesce(s.spend_covers_period, false) as spend_covers_period,
        coalesce(c.leads_created, 0) as leads_created,
        coalesce(c.cohort_won, 0) as cohort_won,
        coalesce(c.cohort_entered, 0) as cohort_entered,
        coalesce(c.cohort_exited, 0) as cohort_exited,
        coalesce(c.cohort_lost, 0) as cohort_lost,
        coalesce(c.cohort_disqualified, 0) as cohort_disqualified,
        coalesce(c.cohort_rejected, 0) as cohort_rejected,
        coalesce(c.cohort_stale, 0) as cohort_stale,
        coalesce(q.sqls, 0) as sqls,
        q.sql_touches,
        coalesce(q.sqls_with_touch_data, 0) as sqls_with_touch_data,
        coalesce(h.mqls, 0) as mqls,
        coalesce(h.mqls_accepted, 0) as mqls_accepted,
        coalesce(h.mqls_touched, 0) as mqls_touched,
        h.response_hours_median,
        coalesce(h.mqls_within_sla, 0) as mqls_within_sla,
        h.sla_response_hours_median,
        coalesce(h.mqls_min_attempts, 0) as mqls_min_attempts,
        coalesce(h.mqls_with_touch_data, 0) as mqls_with_touch_data
    from periods as p
    cross join open_pipeline as o
    cross join undated as u
    left join won_by_period as w on p.period = w.period
    left join closed_by_period as cl on p.period = cl.period
    left join targets_by_period as t on p.period = t.period
    left join spend_by_period as s on p.period = s.period
    left join created_by_period as c on p.period = c.period
    left join sql_by_period as q on p.period = q.period
    left join handoff_by_period as h on p.period = h.period
)

select * from final

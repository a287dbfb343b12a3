-- scorecard: the numerators and denominators of the shared scorecard (domain.md "The shared
-- scorecard", "Revenue SLA"), for several periods at once.
-- Grain: one row per period in $labels (period i = [$starts[i], $ends[i]) ).
-- Parameters: $labels, $starts, $ends (lists, same length); $territory, $channel, $owner,
--   $sourced_by (lists; empty = all); $sla_hours; $min_attempts.
-- Ratios are formed afterwards from these sums (revmachine/metrics.py), never averaged averages.
with

periods as (
    select * from periods_of($labels, $starts, $ends)
),

records as (
    -- one table with the SQL date, acceptance and touches precomputed (queries/marts/funnel_records.sql)
    select * from filtered_records($territory, $channel, $owner, $sourced_by)
),

won as (
    select * from filtered_won($territory, $channel, $owner, $sourced_by)
),

handoffs as (
    select *, cast(mql_at as date) as mql_date from records where mql_at is not null
),

targets_by_period as (
    select
        p.period,
        sum(
            t.revenue_target * period_share(t.period_start, t.period_end, p.period_start, p.period_end)
        ) as revenue_target,
        sum(
            t.mql_quota * period_share(t.period_start, t.period_end, p.period_start, p.period_end)
        ) as mql_quota
    from periods as p
    inner join targets as t
        on t.period_start < p.period_end and t.period_end + 1 > p.period_start
    where len($territory) = 0 or list_contains($territory, t.territory)
    group by p.period
),

spend_by_period as (
    select
        p.period,
        sum(s.amount * period_share(s.period_start, s.period_end, p.period_start, p.period_end))
            filter (where s.function = 'marketing') as marketing_spend,
        sum(s.amount * period_share(s.period_start, s.period_end, p.period_start, p.period_end))
            filter (where s.function = 'sales') as sales_spend,
        min(s.period_start) <= min(p.period_start) and max(s.period_end) + 1 >= max(p.period_end)
            as spend_covers_period
    from periods as p
    inner join spend as s
        on s.period_start < p.period_end and s.period_end + 1 > p.period_start
    group by p.period
),

won_by_period as (
    select
        p.period,
        count(w.won_date) as won_deals,
        sum(w.amount) as won_revenue,
        sum(w.amount) filter (where w.sourced_by = 'marketing') as marketing_won_revenue,
        count(w.won_date) filter (where w.sourced_by = 'marketing') as marketing_won_deals,
        sum(w.amount) filter (where w.sourced_by = 'sales') as sales_won_revenue,
        count(w.won_date) filter (where w.sourced_by = 'sales') as sales_won_deals,
        sum(datediff('second', w.opportunity_at, w.won_at) / 86400.0)
            filter (where w.opportunity_at is not null and w.won_at >= w.opportunity_at)
            as cycle_days_sum,
        count(*) filter (where w.opportunity_at is not null and w.won_at >= w.opportunity_at)
            as cycle_deals,
        median(datediff('second', w.opportunity_at, w.won_at) / 86400.0)
            filter (where w.opportunity_at is not null and w.won_at >= w.opportunity_at)
            as cycle_days_median
    from periods as p
    inner join won as w on w.won_date >= p.period_start and w.won_date < p.period_end
    group by p.period
),

created_by_period as (
    select
        p.period,
        count(*) filter (where r.record_type = 'lead') as leads_created,
        count(*) filter (where r.record_type = 'lead' and r.is_won) as cohort_won,
        count(*) as cohort_entered,
        count(*) filter (where r.exit_reason is not null) as cohort_exited
    from periods as p
    inner join records as r on r.created_date >= p.period_start and r.created_date < p.period_end
    group by p.period
),

sql_by_period as (
    select
        p.period,
        count(*) as sqls,
        sum(lt.touch_count) as sql_touches,
        count(lt.touch_count) as sqls_with_touch_data
    from periods as p
    inner join records as lt on lt.sql_date >= p.period_start and lt.sql_date < p.period_end
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
        coalesce(w.won_revenue, 0) as won_revenue,
        coalesce(w.marketing_won_revenue, 0) as marketing_won_revenue,
        coalesce(w.marketing_won_deals, 0) as marketing_won_deals,
        coalesce(w.sales_won_revenue, 0) as sales_won_revenue,
        coalesce(w.sales_won_deals, 0) as sales_won_deals,
        w.cycle_days_sum,
        coalesce(w.cycle_deals, 0) as cycle_deals,
        w.cycle_days_median,
        t.revenue_target,
        t.mql_quota,
        s.marketing_spend,
        s.sales_spend,
        coalesce(s.spend_covers_period, false) as spend_covers_period,
        coalesce(c.leads_created, 0) as leads_created,
        coalesce(c.cohort_won, 0) as cohort_won,
        coalesce(c.cohort_entered, 0) as cohort_entered,
        coalesce(c.cohort_exited, 0) as cohort_exited,
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
    left join won_by_period as w on p.period = w.period
    left join targets_by_period as t on p.period = t.period
    left join spend_by_period as s on p.period = s.period
    left join created_by_period as c on p.period = c.period
    left join sql_by_period as q on p.period = q.period
    left join handoff_by_period as h on p.period = h.period
)

select * from final

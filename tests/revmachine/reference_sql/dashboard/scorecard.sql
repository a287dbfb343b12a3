-- scorecard: the numerators and denominators of the shared scorecard (domain.md "The shared
-- scorecard", "Revenue SLA"), for several periods at once.
-- Grain: one row per period in $labels (period i = [$starts[i], $ends[i]) ).
-- Parameters: $labels, $starts, $ends (lists, same length); $shift_days (list, same length: how
--   many days before the period looked at this period starts; 0 for that period itself); $territory,
--   $channel, $owner, $sourced_by (lists; empty = all); $sla_hours (the first-touch SLA of the MQL
--   stage; NULL: none set); $min_attempts; $currency: '' = every deal, else
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
-- Like with like: a cohort followed to today (leads created in a period and what became of them;
-- MQLs handed off in a period and whether sales accepted or touched them) is compared at the same
-- age: a period compared with the one looked at counts only the outcomes before
-- observed_until = the data's as-of date minus $shift_days (an undated outcome counts always).
-- Sides (domain.md "sourced"): the revenue SLA and lead acceptance count marketing-sourced
-- handoffs (a sales-sourced lead is a rep's own, not a handoff); sales-sourced and unmapped MQLs
-- are counted beside them (sales_sourced_mqls, unmapped_mqls), never in marketing's figures.
with

periods as (
    select
        p.*,
        case when x.shift_days <> 0
            then (select max(data_as_of) from funnel_records) - to_days(x.shift_days)
        end as observed_until
    from periods_of($labels, $starts, $ends) as p
    inner join (select unnest($labels) as period, unnest($shift_days) as shift_days) as x
        on p.period = x.period
),

as_of as (
    select max(data_as_of) as data_as_of from funnel_records
),

records as not materialized (
    -- one table with the SQL date, acceptance and touches precomputed (queries/marts/funnel_records.sql);
    -- not materialized: each use below reads only its own columns of it
    select * from filtered_records($territory, $channel, $owner, $sourced_by)
),

-- counts per created day (and outcome day: the same-age cut below) and per SQL day, then summed per
-- period: a period join over a few hundred thousand groups instead of a million records
created_by_day as (
    select
        created_date as day,
        cast(case when is_won then won_at when exit_kind is not null then exit_at end as date) as outcome_day,
        count(*) filter (where record_type = 'lead') as leads_created,
        count(*) filter (where record_type = 'lead' and sourced_by = 'marketing') as marketing_leads_created,
        count(*) filter (where record_type = 'lead' and sourced_by = 'sales') as sales_leads_created,
        count(*) filter (where record_type = 'lead' and is_won) as cohort_won,
        count(*) as cohort_entered,
        count(*) filter (where exit_kind is not null) as cohort_exited,
        count(*) filter (where exit_kind = 'lost') as cohort_lost,
        count(*) filter (where exit_kind = 'disqualified') as cohort_disqualified,
        count(*) filter (where exit_kind = 'rejected') as cohort_rejected
    from records
    where created_date >= list_min($starts)
        and created_date < list_max($ends)
    group by all
),

sql_by_day as (
    select
        sql_date as day,
        count(*) as sqls,
        count(*) filter (where sourced_by = 'marketing') as marketing_sqls,
        count(*) filter (where sourced_by = 'sales') as sales_sqls,
        sum(touch_count) as sql_touches,
        count(touch_count) as sqls_with_touch_data
    from records
    where sql_date >= list_min($starts)
        and sql_date < list_max($ends)
    group by sql_date
),

-- recycled (a state, not an exit): leads whose quiet spell began on the day, and leads that came
-- back (re-engaged) on the day
recycled_by_day as (
    select
        cast(recycled_at as date) as day,
        count(*) as went_quiet,
        count(*) filter (where is_recycled) as still_quiet,
        0 as came_back
    from records
    where record_type = 'lead' and recycled_at is not null
        and cast(recycled_at as date) >= list_min($starts)
        and cast(recycled_at as date) < list_max($ends)
    group by all
    union all
    select
        cast(came_back_at as date) as day,
        0 as went_quiet,
        0 as still_quiet,
        count(*) as came_back
    from records
    where record_type = 'lead' and came_back_at is not null
        and cast(came_back_at as date) >= list_min($starts)
        and cast(came_back_at as date) < list_max($ends)
    group by all
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
        r.period,
        sum(r.leads_created) as leads_created,
        sum(r.marketing_leads_created) as marketing_leads_created,
        sum(r.sales_leads_created) as sales_leads_created,
        sum(r.cohort_entered) as cohort_entered,
        -- outcomes up to the same age as the period looked at (observed_until)
        sum(r.cohort_won) filter (where seen) as cohort_won,
        sum(r.cohort_exited) filter (where seen) as cohort_exited,
        sum(r.cohort_lost) filter (where seen) as cohort_lost,
        sum(r.cohort_disqualified) filter (where seen) as cohort_disqualified,
        sum(r.cohort_rejected) filter (where seen) as cohort_rejected
    from (
        select
            p.period,
            r.*,
            p.observed_until is null or r.outcome_day is null or r.outcome_day <= cast(p.observed_until as date)
                as seen
        from periods as p
        inner join created_by_day as r on r.day >= p.period_start and r.day < p.period_end
    ) as r
    group by r.period
),

sql_by_period as (
    select
        p.period,
        sum(lt.sqls) as sqls,
        sum(lt.marketing_sqls) as marketing_sqls,
        sum(lt.sales_sqls) as sales_sqls,
        sum(lt.sql_touches) as sql_touches,
        sum(lt.sqls_with_touch_data) as sqls_with_touch_data
    from periods as p
    inner join sql_by_day as lt on lt.day >= p.period_start and lt.day < p.period_end
    group by p.period
),

recycled_by_period as (
    select
        p.period,
        sum(r.went_quiet) as went_quiet,
        sum(r.still_quiet) as still_quiet,
        sum(r.came_back) as came_back
    from periods as p
    inner join recycled_by_day as r on r.day >= p.period_start and r.day < p.period_end
    group by p.period
),

-- the revenue SLA and acceptance: marketing-sourced handoffs (sales-sourced and unmapped beside)
handoff_by_period as (
    select
        p.period,
        count(*) as mqls,
        count(*) filter (where lt.sourced_by = 'sales') as sales_sourced_mqls,
        count(*) filter (where lt.sourced_by not in ('marketing', 'sales')) as unmapped_mqls,
        count(*) filter (where m) as marketing_mqls,
        count(*) filter (where m and lt.is_accepted
            and (p.observed_until is null or lt.accepted_at is null or lt.accepted_at < p.observed_until))
            as mqls_accepted,
        count(lt.first_touch_at) filter (where m) as mqls_touched,
        median(datediff('second', lt.mql_at, lt.first_touch_at) / 3600.0)
            filter (where m and lt.first_touch_at >= lt.mql_at) as response_hours_median,
        count(*) filter (
            where m and lt.first_touch_at >= lt.mql_at
            and datediff('second', lt.mql_at, lt.first_touch_at) <= $sla_hours * 3600
        ) as mqls_within_sla,
        median(datediff('second', lt.assigned_at, lt.first_touch_at) / 3600.0)
            filter (where m and lt.first_touch_at >= lt.assigned_at) as sla_response_hours_median,
        count(*) filter (where m and lt.touch_count >= $min_attempts) as mqls_min_attempts,
        count(lt.touch_count) filter (where m) as mqls_with_touch_data,
        -- never touched: no sales touch since the handoff by the as-of date (or by the same age), among
        -- the leads whose first-touch window has run out by then (one handed off an hour ago is not
        -- ignored yet); a Follow-ups count above 0 with no date is a touch
        count(*) filter (where m and datediff('second', lt.mql_at, coalesce(p.observed_until, a.data_as_of))
            > coalesce($sla_hours, 0) * 3600) as mqls_past_window,
        count(*) filter (where m and never_touched_by(lt.mql_at, lt.first_touch_at, lt.followup_count,
            coalesce(p.observed_until, a.data_as_of), $sla_hours))
            as mqls_never_touched
    from periods as p
    inner join (select *, sourced_by = 'marketing' as m from handoffs) as lt
        on lt.mql_date >= p.period_start and lt.mql_date < p.period_end
    cross join as_of as a
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
        coalesce(c.marketing_leads_created, 0) as marketing_leads_created,
        coalesce(c.sales_leads_created, 0) as sales_leads_created,
        coalesce(c.cohort_won, 0) as cohort_won,
        coalesce(c.cohort_entered, 0) as cohort_entered,
        coalesce(c.cohort_exited, 0) as cohort_exited,
        coalesce(c.cohort_lost, 0) as cohort_lost,
        coalesce(c.cohort_disqualified, 0) as cohort_disqualified,
        coalesce(c.cohort_rejected, 0) as cohort_rejected,
        coalesce(rc.went_quiet, 0) as went_quiet,
        coalesce(rc.still_quiet, 0) as still_quiet,
        coalesce(rc.came_back, 0) as came_back,
        coalesce(q.sqls, 0) as sqls,
        coalesce(q.marketing_sqls, 0) as marketing_sqls,
        coalesce(q.sales_sqls, 0) as sales_sqls,
        q.sql_touches,
        coalesce(q.sqls_with_touch_data, 0) as sqls_with_touch_data,
        coalesce(h.mqls, 0) as mqls,
        coalesce(h.marketing_mqls, 0) as marketing_mqls,
        coalesce(h.sales_sourced_mqls, 0) as sales_sourced_mqls,
        coalesce(h.unmapped_mqls, 0) as unmapped_mqls,
        coalesce(h.mqls_past_window, 0) as mqls_past_window,
        coalesce(h.mqls_never_touched, 0) as mqls_never_touched,
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
    left join recycled_by_period as rc on p.period = rc.period
)

select * from final

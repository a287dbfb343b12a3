-- lead_share: % of leads per marketing channel (domain.md scorecard, lead generation).
-- Grain: one row per period x channel with leads created in the period (period i =
-- [$starts[i], $ends[i]), named $labels[i]).
-- Parameters: $labels, $starts, $ends, $territory, $channel, $owner, $sourced_by.
with

periods as (
    select * from periods_of($labels, $starts, $ends)
),

records as (
    select channel, sourced_by, created_date
    from filtered_records($territory, $channel, $owner, $sourced_by)
    where record_type = 'lead'
),

by_channel as (
    select
        p.period,
        r.channel,
        any_value(r.sourced_by) as sourced_by,
        count(*) as leads
    from periods as p
    inner join records as r on r.created_date >= p.period_start and r.created_date < p.period_end
    group by p.period, r.channel
),

final as (
    select
        period,
        channel,
        sourced_by,
        leads,
        sum(leads) over (partition by period) as all_leads
    from by_channel
)

select * from final order by period, leads desc, channel

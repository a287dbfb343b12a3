-- lead_share: % of leads per marketing channel (domain.md scorecard, lead generation).
-- Grain: one row per channel with leads created in [$period_start, $period_end).
-- Parameters: $period_start, $period_end, $territory, $channel, $owner, $sourced_by.
with

records as (
    select *
    from filtered_records($territory, $channel, $owner, $sourced_by)
    where
        record_type = 'lead'
        and created_date >= cast($period_start as date)
        and created_date < cast($period_end as date)
),

by_channel as (
    select
        channel,
        any_value(sourced_by) as sourced_by,
        count(*) as leads
    from records
    group by channel
),

final as (
    select
        channel,
        sourced_by,
        leads,
        sum(leads) over () as all_leads
    from by_channel
)

select * from final order by leads desc, channel

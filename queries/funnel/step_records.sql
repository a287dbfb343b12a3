-- step_records: the records behind one cell of the step table (drill-down), for the same
-- selection as step_conversion. Grain: one row per record that entered step $step_index (in the
-- segment $segment of $by, when given).
-- Parameters: $view, $by, $segment, $step_index, $period_start, $period_end, filters, $campaign.
with

records as (
    select
        *,
        segment_of($by, channel, territory, owner, campaign, sourced_by) as segment
    from filtered_steps($territory, $channel, $owner, $sourced_by)
    where step_index = $step_index and ($campaign = '' or campaign = $campaign)
),

final as (
    select
        coalesce(f.lead_id, f.deal_id) as id,
        x.record_type,
        f.company,
        x.channel,
        x.sourced_by,
        x.campaign,
        x.territory,
        x.owner,
        x.created_at,
        x.from_at as entered_step_at,
        x.to_at as converted_at,
        x.to_at is not null as converted,
        case when x.to_at is null then x.exit_reason end as exit_reason
    from records as x
    inner join funnel_records as f on x.record_id = f.record_id
    where
        -- the same period on the record's own columns: only those records are looked up
        case $view
            when 'cohort' then f.created_date >= cast($period_start as date) and f.created_date < cast($period_end as date)
            else f.step_from_min < cast($period_end as date) and f.step_from_max >= cast($period_start as date)
        end
        and
        ($segment = '' or x.segment = $segment)
        and in_view($view, x.created_date, x.from_at, x.step_from_min, x.step_from_max,
            cast($period_start as date), cast($period_end as date))
)

select * from final order by entered_step_at desc, id

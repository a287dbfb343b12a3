-- step_records: the records behind one cell of the step table (drill-down), for the same
-- selection as step_conversion. Grain: one row per record that entered step $step_index (in the
-- segment $segment of $by, when given).
-- Parameters: $view, $by, $segment, $step_index, $period_start, $period_end, filters, $campaign.
with

stages as (
    select stage, label, position, row_number() over (order by position) as idx from config_stages
),

step as (
    select a.stage as from_stage, b.stage as to_stage
    from stages as a
    inner join stages as b on b.idx = a.idx + 1
    where a.idx = $step_index
),

records as (
    select
        *,
        case $by
            when 'channel' then channel
            when 'territory' then territory
            when 'owner' then owner
            when 'campaign' then coalesce(campaign, '(no campaign)')
            when 'sourced_by' then sourced_by
            else 'All'
        end as segment
    from filtered_records($territory, $channel, $owner, $sourced_by)
    where $campaign = '' or campaign = $campaign
),

final as (
    select
        coalesce(r.lead_id, r.deal_id) as id,
        r.record_type,
        r.company,
        r.channel,
        r.sourced_by,
        r.campaign,
        r.territory,
        r.owner,
        r.created_at,
        f.entered_at as entered_step_at,
        t.entered_at as converted_at,
        t.record_id is not null as converted,
        case when t.record_id is null then r.exit_reason end as exit_reason
    from step as s
    inner join stage_events as f on s.from_stage = f.stage
    inner join records as r on f.record_id = r.record_id
    left join stage_events as t on f.record_id = t.record_id and s.to_stage = t.stage
    where
        ($segment = '' or r.segment = $segment)
        and case $view
            when 'cohort' then r.created_date >= cast($period_start as date)
                and r.created_date < cast($period_end as date)
            else cast(f.entered_at as date) >= cast($period_start as date)
                and cast(f.entered_at as date) < cast($period_end as date)
        end
)

select * from final order by entered_step_at desc, id

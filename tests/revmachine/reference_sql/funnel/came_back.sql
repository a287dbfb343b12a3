-- came_back: the leads that went quiet and came back (seed 000: find, engage, close, grow), by the
-- stage they re-entered at (the stage their new dates show: funnel_records.reentry_index), and the
-- leads still recycled (quiet now) by the stage they went quiet at.
-- Grain: one row per configured stage (stage_index) that has either.
-- Which records ($view): 'period' = came back (came_back_at) / went quiet (recycled_at) in
-- [$period_start, $period_end); 'cohort' = leads created in the period.
-- Parameters: $view, $period_start, $period_end, $territory, $channel, $owner, $sourced_by, $campaign.
with

records as (
    select *
    from filtered_records($territory, $channel, $owner, $sourced_by)
    where record_type = 'lead' and ($campaign = '' or campaign = $campaign)
),

back as (
    select reentry_index as stage_index, count(*) as came_back
    from records
    where came_back_at is not null
        and case $view
            when 'cohort' then created_date >= cast($period_start as date) and created_date < cast($period_end as date)
            else cast(came_back_at as date) >= cast($period_start as date)
                and cast(came_back_at as date) < cast($period_end as date)
        end
    group by all
),

quiet as (
    select reached_index as stage_index, count(*) as recycled
    from records
    where is_recycled
        and case $view
            when 'cohort' then created_date >= cast($period_start as date) and created_date < cast($period_end as date)
            else cast(recycled_at as date) >= cast($period_start as date)
                and cast(recycled_at as date) < cast($period_end as date)
        end
    group by all
),

final as (
    select
        s.stage_index,
        s.label,
        coalesce(b.came_back, 0) as came_back,
        coalesce(q.recycled, 0) as recycled
    from funnel_stages as s
    left join back as b on s.stage_index = b.stage_index
    left join quiet as q on s.stage_index = q.stage_index
    where b.came_back is not null or q.recycled is not null
)

select * from final order by stage_index

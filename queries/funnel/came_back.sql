-- came_back: the leads that went quiet and came back (seed 000: find, engage, close, grow), by the
-- stage they re-entered at (the stage their new dates show: funnel_records.reentry_index), and the
-- leads still recycled (quiet now) by the stage they went quiet at.
-- Grain: one row per configured stage (stage_index) that has either.
-- Which records ($view): 'period' = came back (came_back_at) / went quiet (recycled_at) in
-- [$period_start, $period_end); 'cohort' = leads created in the period.
-- Parameters: $view, $period_start, $period_end, $territory, $channel, $owner, $sourced_by, $campaign.
-- Reads rollup_funnel_came_back (the leads of each kind counted per day at load time).
with

counted as (
    select kind, stage_index, cast(sum(records) as bigint) as records
    from rollup_funnel_came_back
    where
        passes_filters($territory, $channel, $owner, $sourced_by, territory, channel, owner, sourced_by)
        and ($campaign = '' or campaign = $campaign)
        and case $view
            when 'cohort' then created_date >= cast($period_start as date) and created_date < cast($period_end as date)
            else day >= cast($period_start as date) and day < cast($period_end as date)
        end
    group by kind, stage_index
),

final as (
    select
        s.stage_index,
        s.label,
        coalesce(b.records, 0) as came_back,
        coalesce(q.records, 0) as recycled
    from funnel_stages as s
    left join (select * from counted where kind = 'came_back') as b on s.stage_index = b.stage_index
    left join (select * from counted where kind = 'recycled') as q on s.stage_index = q.stage_index
    where b.records is not null or q.records is not null
)

select * from final order by stage_index

-- step_entries_by_day: the records entering one step per day (and how many converted), for the
-- drill-down's count and to find the days its newest records entered on (a list of the newest
-- records then reads only those days' records).
-- Grain: one row per day with entries, newest first. Same selection as step_records (no campaign:
-- a campaign's drill-down counts its records).
-- Parameters: $view, $by, $segment, $step_index, $period_start, $period_end, filters.
select
    day,
    cast(sum(entered) as bigint) as entered,
    cast(sum(converted) as bigint) as converted
from rollup_funnel_steps
where
    dated_by = case $view when 'cohort' then 'cohort' else 'period' end
    and step_index = $step_index
    and day >= cast($period_start as date)
    and day < cast($period_end as date)
    and passes_filters($territory, $channel, $owner, $sourced_by, territory, channel, owner, sourced_by)
    and ($segment = '' or segment_of($by, channel, territory, owner, null, sourced_by) = $segment)
group by day
order by day desc

-- history_range: what the deal history covers, for the movement's dates and the coverage held on
-- the same day of earlier quarters.
-- Grain: one row. first_day: the first day the history observes the pipeline (the earliest change a
--   history export dates, or the first load's day); as_of: the data's as-of date; load_days: the days
--   the loads' data ran to (newest last); real_changes / inferred_changes: changes (not initial values)
--   dated by a history export / only by successive uploads.
-- No parameters.
with

changes as (
    select * from deal_changes
),

loads as (
    select list(distinct try_cast(split_part(period, '..', 2) as date) order by try_cast(split_part(period, '..', 2) as date))
        as days
    from scorecard_snapshots
    where try_cast(split_part(period, '..', 2) as date) is not null
),

final as (
    select
        least(
            (select min(changed_on) from changes where not is_initial and not is_inferred),
            (select min(changed_on) from changes where is_inferred)
        ) as first_day,
        (select max(cast(data_as_of as date)) from funnel_records) as as_of,
        coalesce((select days from loads), []) as load_days,
        (select count(*) from changes where not is_initial and not is_inferred) as real_changes,
        (select count(*) from changes where not is_initial and is_inferred) as inferred_changes,
        (select count(*) from deal_versions where is_first) as deals
)

select * from final

-- history_range: what the deal history covers, for the movement's dates and the coverage held on
-- the same day of earlier quarters.
-- Grain: one row. first_day: the first day the history observes the pipeline (the earliest change a
--   history export dates, or the first load's day); as_of: the data's as-of date; load_days: the days
--   the loads' data ran to (newest last); real_changes / inferred_changes: changes (not initial values)
--   dated by a history export / only by successive uploads.
-- Reads the day rollup of the deal history (rollup_deal_change_days), not the changes themselves.
-- No parameters.
with

changes as (
    select
        min(changed_on) filter (where not is_initial and not is_inferred) as first_real,
        min(changed_on) filter (where is_inferred) as first_inferred,
        coalesce(sum(changes) filter (where not is_initial and not is_inferred), 0) as real_changes,
        coalesce(sum(changes) filter (where not is_initial and is_inferred), 0) as inferred_changes
    from rollup_deal_change_days
),

loads as (
    select list(distinct try_cast(split_part(period, '..', 2) as date) order by try_cast(split_part(period, '..', 2) as date))
        as days
    from scorecard_snapshots
    where try_cast(split_part(period, '..', 2) as date) is not null
),

final as (
    select
        least(c.first_real, c.first_inferred) as first_day,
        cast(data_as_of() as date) as as_of,
        coalesce((select days from loads), []) as load_days,
        cast(c.real_changes as bigint) as real_changes,
        cast(c.inferred_changes as bigint) as inferred_changes
    from changes as c
)

select * from final

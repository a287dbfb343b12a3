-- rollup_funnel_step_days: whole days in each funnel step as an exact histogram (days -> records),
-- so a median or an 80th percentile over any selection of days and dimensions is the one the
-- records give (queries/funnel/step_conversion.sql, queries/planning/trailing_rates.sql).
-- Grain: one row per dated_by x day x step x territory x channel x owner x sourced_by x step_days x
-- spans_quiet_spell (dated_by and day as in rollup_funnel_steps). step_days: whole days between the
-- step's dates, recorded dates only, never backwards (records converted with such dates only);
-- spans_quiet_spell: the step converted only after the lead went quiet and came back (the step
-- table leaves those out of days in stage; planning's trailing medians count them).
-- No parameters.
with

step_rows as (
    select
        *,
        case when to_at is not null and not has_inferred_date and cast(to_at as date) >= cast(from_at as date)
            then date_diff('day', cast(from_at as date), cast(to_at as date)) end as step_days
    from funnel_steps
)

select
    v.dated_by,
    case v.dated_by when 'cohort' then s.created_date else cast(s.from_at as date) end as day,
    s.step_index,
    s.territory,
    s.channel,
    s.owner,
    s.sourced_by,
    s.step_days,
    coalesce(s.spans_quiet_spell, false) as spans_quiet_spell,
    count(*) as records
from step_rows as s
cross join (values ('period'), ('cohort')) as v (dated_by)
where s.step_days is not null
group by all
order by dated_by, day

-- rollup_funnel_steps: the funnel's step counts per day a step was entered, summed at load time so
-- the step table reads days x dimensions, not records (queries/funnel/step_conversion.sql).
-- Grain: one row per step x day the from-stage was entered (from_date) x territory x channel x
-- owner x sourced_by x campaign. Counts are the step table's numerators and denominators
-- (entered, converted, exits, recycled, converted_and_won, measured, records_inferred); the whole
-- days in the step are kept as exact histograms (day count -> records), so a median or an 80th
-- percentile over any set of rows is the one computed from the records:
--   days: recorded dates only, never backwards, leaving out a step converted across a quiet spell
--     (the step table's days in stage);
--   quiet_days: the same days of the steps converted across a quiet spell (planning's trailing
--     medians count them);
--   exit_reasons: {exit_reason, exit_kind} -> records that left the step without converting.
-- The cohort view's twin is rollup_funnel_cohorts (keyed on the record's creation day).
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
    step_index,
    cast(from_at as date) as from_date,
    territory,
    channel,
    owner,
    sourced_by,
    campaign,
    count(*) as entered,
    count(*) filter (where to_at is not null) as converted,
    count(*) filter (where to_at is null and exit_reason is not null) as exits,
    count(*) filter (where to_at is null and is_recycled) as recycled,
    count(*) filter (where to_at is not null and is_won) as converted_and_won,
    count(*) filter (where to_at is not null and not has_inferred_date) as measured,
    count(*) filter (where has_inferred_date) as records_inferred,
    histogram(step_days) filter (where spans_quiet_spell is not true) as days,
    histogram(step_days) filter (where spans_quiet_spell) as quiet_days,
    histogram({'exit_reason': exit_reason, 'exit_kind': exit_kind})
        filter (where to_at is null and exit_reason is not null) as exit_reasons
from step_rows
group by all

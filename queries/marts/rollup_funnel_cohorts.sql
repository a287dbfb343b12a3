-- rollup_funnel_cohorts: rollup_funnel_steps for the cohort view: the same counts and histograms,
-- keyed on the day the record was created (created_date) instead of the day it entered the step.
-- Grain: one row per step x created_date x territory x channel x owner x sourced_by x campaign.
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
    created_date,
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

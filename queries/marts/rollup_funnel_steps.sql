-- rollup_funnel_steps: the funnel's step counts per day, summed at load time so the step table
-- reads days x dimensions, not records (queries/funnel/step_conversion.sql).
-- Grain: one row per dated_by x day x step x territory x channel x owner x sourced_by, where
-- dated_by 'period' dates a record's step by the day it entered the step's from-stage and
-- 'cohort' by the day the record was created (the step table's two views of time). Counts are the
-- step table's numerators and denominators (entered, converted, exits, recycled,
-- converted_and_won, measured, records_inferred). Whole days in the step are in
-- rollup_funnel_step_days, the exits by reason in rollup_funnel_step_exits. Campaigns are not a key
-- (they would multiply the rows by the campaigns): a campaign's funnel reads the records.
-- Rows in dated_by and day order, so a period's query reads only its days.
-- No parameters.
select
    v.dated_by,
    case v.dated_by when 'cohort' then s.created_date else cast(s.from_at as date) end as day,
    s.step_index,
    s.territory,
    s.channel,
    s.owner,
    s.sourced_by,
    count(*) as entered,
    count(*) filter (where s.to_at is not null) as converted,
    count(*) filter (where s.to_at is null and s.exit_reason is not null) as exits,
    count(*) filter (where s.to_at is null and s.is_recycled) as recycled,
    count(*) filter (where s.to_at is not null and s.is_won) as converted_and_won,
    count(*) filter (where s.to_at is not null and not s.has_inferred_date) as measured,
    count(*) filter (where s.has_inferred_date) as records_inferred
from funnel_steps as s
cross join (values ('period'), ('cohort')) as v (dated_by)
group by all
order by dated_by, day

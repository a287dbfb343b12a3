-- rollup_funnel_reach: how long records take from creation to reaching each step's to-stage
-- (queries/funnel/velocity_and_deal_size.sql: the 80th percentile a cohort needs before its
-- conversion can be read), as an exact histogram.
-- Grain: one row per step x territory x channel x owner x sourced_by x whole days from the
-- record's creation to its to-stage (reach_days); records: how many converted in that many days.
-- Recorded dates only, never backwards.
-- No parameters.
select
    step_index,
    territory,
    channel,
    owner,
    sourced_by,
    date_diff('day', created_date, cast(to_at as date)) as reach_days,
    count(*) as records
from funnel_steps
where
    to_at is not null and not has_inferred_date and cast(to_at as date) >= created_date
    -- only records that converted at least once have a to_at: applied before funnel_steps unnests
    and reached_index > entry_index
group by all

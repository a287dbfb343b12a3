-- step_conversion: per funnel step (consecutive configured stages) the volume in, converted,
-- exits and days in stage (domain.md "Funnel bottlenecks").
-- Grain: one row per step x segment.
-- Two views of time ($view): 'period' = records that entered the step's from-stage in
-- [$period_start, $period_end), followed to today; 'cohort' = records created in the period,
-- followed to today. Steps run between the stages the data has (funnel_step_list: a configured
-- stage no record has a date or status for is skipped, issue 13 rule 6). Days in stage are whole
-- days between the dates and use recorded dates only (inferred stage dates are left out, and so is
-- a step whose dates run backwards); measured: converted records with recorded dates at both ends,
-- and records_inferred: records whose step has an inferred date (maturity and the bottleneck rest
-- on measured steps only). recycled: records that did not convert and went quiet (a state, not an
-- exit: they are not in exits); a step converted only after a quiet spell (the lead came back) is
-- left out of days in stage.
-- Segment ($by): channel | territory | owner | campaign | sourced_by | anything else = 'All'.
-- Segment 'campaign' and a campaign's funnel: step_conversion_records (the rollups have no campaign).
-- Parameters: $view, $by, $period_start, $period_end, $territory, $channel, $owner, $sourced_by.
-- Reads the rollups built at load time: rollup_funnel_steps (counts per day, dated by the view) and
-- rollup_funnel_step_days (whole days in the step, an exact histogram): the median and the 80th
-- percentile of days in stage come from the histogram (hist_quantile), as the records give them.
with

steps as (
    select step_index, step, from_stage, to_stage, benchmark, skipped from funnel_step_list
),

step_rows as (
    select
        step_index,
        segment_of($by, channel, territory, owner, null, sourced_by) as segment,
        entered, converted, exits, recycled, converted_and_won, measured, records_inferred
    from rollup_funnel_steps
    where
        dated_by = case $view when 'cohort' then 'cohort' else 'period' end
        and day >= cast($period_start as date)
        and day < cast($period_end as date)
        and passes_filters($territory, $channel, $owner, $sourced_by, territory, channel, owner, sourced_by)
),

by_step as (
    select
        step_index,
        segment,
        cast(sum(entered) as bigint) as entered,
        cast(sum(converted) as bigint) as converted,
        cast(sum(exits) as bigint) as exits,
        cast(sum(recycled) as bigint) as recycled,
        cast(sum(converted_and_won) as bigint) as converted_and_won,
        cast(sum(measured) as bigint) as measured,
        cast(sum(records_inferred) as bigint) as records_inferred
    from step_rows
    group by step_index, segment
),

day_counts as (
    -- days in stage leave out a step converted across a quiet spell
    select
        step_index,
        segment_of($by, channel, territory, owner, null, sourced_by) as segment,
        step_days,
        cast(sum(records) as bigint) as records
    from rollup_funnel_step_days
    where
        dated_by = case $view when 'cohort' then 'cohort' else 'period' end
        and day >= cast($period_start as date)
        and day < cast($period_end as date)
        and not spans_quiet_spell
        and passes_filters($territory, $channel, $owner, $sourced_by, territory, channel, owner, sourced_by)
    group by all
),

day_stats as (
    select
        step_index,
        segment,
        hist_quantile(list(step_days order by step_days), list(records order by step_days), 0.5) as median_days,
        hist_quantile(list(step_days order by step_days), list(records order by step_days), 0.8) as p80_days
    from day_counts
    group by step_index, segment
),

segments as (
    -- every segment gets every step (a heatmap row has no holes); 'All' exists even with no records
    select distinct segment
    from (
        select segment from step_rows
        union all
        select 'All' where $by not in ('channel', 'territory', 'owner', 'campaign', 'sourced_by')
    )
),

final as (
    select
        s.step_index,
        s.step,
        s.from_stage,
        s.to_stage,
        s.benchmark,
        s.skipped,
        g.segment,
        coalesce(b.entered, 0) as entered,
        coalesce(b.converted, 0) as converted,
        coalesce(b.exits, 0) as exits,
        coalesce(b.recycled, 0) as recycled,
        coalesce(b.converted_and_won, 0) as converted_and_won,
        coalesce(b.measured, 0) as measured,
        coalesce(b.records_inferred, 0) as records_inferred,
        d.median_days,
        d.p80_days
    from steps as s
    cross join segments as g
    left join by_step as b on s.step_index = b.step_index and g.segment = b.segment
    left join day_stats as d on s.step_index = d.step_index and g.segment = d.segment
)

select * from final order by segment, step_index

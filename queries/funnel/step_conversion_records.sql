-- step_conversion_records: step_conversion from the records, for a campaign (the rollups have no campaign
-- key: it would multiply their rows by the campaigns; one campaign is a small slice of the records).
-- per funnel step (consecutive configured stages) the volume in, converted,
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
-- Parameters: $view, $by, $period_start, $period_end, $territory, $channel, $owner, $sourced_by,
--   $campaign ('' = all campaigns). Reads the funnel_steps mart (one row per record x step).
with

steps as (
    select step_index, step, from_stage, to_stage, benchmark, skipped from funnel_step_list
),

step_records as (
    select
        step_index,
        segment_of($by, channel, territory, owner, campaign, sourced_by) as segment,
        to_at is not null as is_converted,
        -- whole days in the step: recorded dates only, never backwards
        case when to_at is not null and not has_inferred_date and not spans_quiet_spell
            and cast(to_at as date) >= cast(from_at as date)
            then date_diff('day', cast(from_at as date), cast(to_at as date)) end as days,
        to_at is not null and not has_inferred_date as is_measured,
        has_inferred_date,
        exit_reason,
        is_recycled,
        is_won
    from filtered_steps($territory, $channel, $owner, $sourced_by)
    where
        ($campaign = '' or campaign = $campaign)
        and in_view($view, created_date, from_at, step_from_min, step_from_max,
            cast($period_start as date), cast($period_end as date))
),

by_step as (
    select
        step_index,
        segment,
        count(*) as entered,
        count(*) filter (where is_converted) as converted,
        count(*) filter (where not is_converted and exit_reason is not null) as exits,
        count(*) filter (where not is_converted and is_recycled) as recycled,
        count(*) filter (where is_converted and is_won) as converted_and_won,
        count(*) filter (where is_measured) as measured,
        count(*) filter (where has_inferred_date) as records_inferred,
        median(days) as median_days,
        quantile_cont(days, 0.8) as p80_days
    from step_records
    group by step_index, segment
),

segments as (
    -- every segment gets every step (a heatmap row has no holes); 'All' exists even with no records
    select distinct segment
    from (
        select segment from step_records
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
        b.median_days,
        b.p80_days
    from steps as s
    cross join segments as g
    left join by_step as b on s.step_index = b.step_index and g.segment = b.segment
)

select * from final order by segment, step_index

-- step_conversion: per funnel step (consecutive configured stages) the volume in, converted,
-- exits and days in stage (domain.md "Funnel bottlenecks").
-- Grain: one row per step x segment.
-- Two views of time ($view): 'period' = records that entered the step's from-stage in
-- [$period_start, $period_end), followed to today; 'cohort' = records created in the period,
-- followed to today. Days in stage use recorded dates only (inferred stage dates are left out).
-- Segment ($by): channel | territory | owner | campaign | sourced_by | anything else = 'All'.
-- Parameters: $view, $by, $period_start, $period_end, $territory, $channel, $owner, $sourced_by,
--   $campaign ('' = all campaigns). Reads the funnel_steps mart (one row per record x step).
with

stages as (
    select
        stage,
        label,
        position,
        benchmark_rate,
        row_number() over (order by position) as idx
    from config_stages
),

steps as (
    select
        a.idx as step_index,
        a.label || ' → ' || b.label as step,
        a.stage as from_stage,
        b.stage as to_stage,
        a.benchmark_rate as benchmark
    from stages as a
    inner join stages as b on b.idx = a.idx + 1
),

step_records as (
    select
        step_index,
        segment_of($by, channel, territory, owner, campaign, sourced_by) as segment,
        from_at,
        to_at,
        has_inferred_date,
        exit_reason,
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
        count(to_at) as converted,
        count(*) filter (where to_at is null and exit_reason is not null) as exits,
        count(*) filter (where to_at is not null and is_won) as converted_and_won,
        median(datediff('second', from_at, to_at) / 86400.0)
            filter (where to_at is not null and not has_inferred_date) as median_days,
        quantile_cont(datediff('second', from_at, to_at) / 86400.0, 0.8)
            filter (where to_at is not null and not has_inferred_date) as p80_days
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
        g.segment,
        coalesce(b.entered, 0) as entered,
        coalesce(b.converted, 0) as converted,
        coalesce(b.exits, 0) as exits,
        coalesce(b.converted_and_won, 0) as converted_and_won,
        b.median_days,
        b.p80_days
    from steps as s
    cross join segments as g
    left join by_step as b on s.step_index = b.step_index and g.segment = b.segment
)

select * from final order by segment, step_index

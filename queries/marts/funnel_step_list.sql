-- funnel_step_list (a view): the funnel's steps, between consecutive stages the data has
-- (funnel_stages.in_funnel). A step that spans a skipped stage goes straight past it; its
-- benchmark is the product of the configured benchmarks it spans (opportunity -> won with no
-- proposal stage: 60% x 35% = 21%), NULL when one of them is unset.
-- Grain: one row per step; step_index 1..n in funnel order. from_index / to_index: the stages'
-- places in config_stages order (funnel_records.stage_at). skipped: labels of the stages skipped
-- inside the step.
-- No parameters.
with

stages as (
    select * from funnel_stages
),

ends as (
    select
        stage_index,
        stage,
        label,
        row_number() over (order by stage_index) as k
    from stages
    where in_funnel
),

pairs as (
    select
        a.k as step_index,
        a.stage_index as from_index,
        b.stage_index as to_index,
        a.stage as from_stage,
        b.stage as to_stage,
        a.label || ' → ' || b.label as step
    from ends as a
    inner join ends as b on b.k = a.k + 1
),

spanned as (
    select
        p.step_index,
        case when count(s.benchmark_rate) = count(*) then product(s.benchmark_rate) end as benchmark,
        coalesce(list(s.label order by s.stage_index) filter (where s.stage_index > p.from_index), [])
            as skipped
    from pairs as p
    inner join stages as s on s.stage_index >= p.from_index and s.stage_index < p.to_index
    group by p.step_index
),

final as (
    select
        p.step_index,
        p.step,
        p.from_stage,
        p.to_stage,
        p.from_index,
        p.to_index,
        x.benchmark,
        x.skipped
    from pairs as p
    inner join spanned as x on p.step_index = x.step_index
)

select * from final order by step_index

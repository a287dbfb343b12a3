-- funnel_steps: every record at every step it entered (domain.md "Funnel bottlenecks"), built at
-- load so the funnel, planning and meeting queries scan one table instead of self-joining
-- stage_events. Grain: one row per record x step whose from-stage it reached.
-- to_at is when it reached the step's to-stage (NULL: not converted); has_inferred_date marks a
-- step with an inferred date on either side (left out of days-in-stage).
-- No parameters.
with

stages as (
    select stage, label, position, row_number() over (order by position) as idx from config_stages
),

steps as (
    select a.idx as step_index, a.stage as from_stage, b.stage as to_stage
    from stages as a
    inner join stages as b on b.idx = a.idx + 1
),

final as (
    select
        s.step_index,
        f.record_id,
        f.entered_at as from_at,
        t.entered_at as to_at,
        f.is_inferred or coalesce(t.is_inferred, false) as has_inferred_date,
        r.record_type,
        r.created_at,
        r.created_date,
        r.territory,
        r.channel,
        r.owner,
        r.sourced_by,
        r.campaign,
        r.exit_reason,
        r.is_won
    from steps as s
    inner join stage_events as f on s.from_stage = f.stage
    inner join funnel_records as r on f.record_id = r.record_id
    left join stage_events as t on f.record_id = t.record_id and s.to_stage = t.stage
)

select * from final

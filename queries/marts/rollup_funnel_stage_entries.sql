-- rollup_funnel_stage_entries: how many records entered each configured stage per day
-- (funnel_records.stage_at; the meeting snapshot's entries at each conversion point).
-- Grain: one row per stage_index (funnel order) x day entered (entered_date) x territory x
-- channel x owner x sourced_by; records: how many.
-- No parameters.
with

entries as (
    select
        unnest(range(1, len(stage_at) + 1)) as stage_index,
        unnest(stage_at) as entered_at,
        territory,
        channel,
        owner,
        sourced_by
    from funnel_records
)

select
    stage_index,
    cast(entered_at as date) as entered_date,
    territory,
    channel,
    owner,
    sourced_by,
    count(*) as records
from entries
where entered_at is not null
group by all

-- stage_events (a view): the long stage-event view, for analysts' own SQL and the data rules.
-- Grain: one row per record x configured stage it reached (config_stages, in position order):
-- funnel_records' stage_at / stage_inferred lists from entry_index to reached_index, unnested
-- (the rules for reaching and inferring a stage are in funnel_records.sql). is_inferred marks a
-- stage whose date was inferred, so velocity (days in stage) can leave it out.
-- No parameters.
with

funnel as (
    select
        list(stage order by position) as stages,
        list(position order by position) as positions
    from config_stages
),

final as (
    select
        r.record_id,
        unnest(f.stages[r.entry_index:r.reached_index]) as stage,
        unnest(f.positions[r.entry_index:r.reached_index]) as position,
        unnest(r.stage_at[r.entry_index:r.reached_index]) as entered_at,
        unnest(r.stage_inferred[r.entry_index:r.reached_index]) as is_inferred
    from funnel_records as r
    cross join funnel as f
)

select * from final

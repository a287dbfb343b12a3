-- deal_batch_days: the day each active load's data ran to, the date deal_changes gives what a
-- successive upload of a deal shows: the load's meeting snapshot window end, else (the load being
-- written, which has no snapshot yet) the data's as-of date, or the load's own day if earlier.
-- Grain: one row per active batch. Kept as a table so that an append can tell which loads' days
-- moved (and refresh only the deals those loads carry).
-- No parameters.
with

as_of as (
    select cast(data_as_of as date) as day from funnel_as_of
),

batch_days as (
    select
        b.batch_id,
        coalesce(
            max(try_cast(split_part(s.period, '..', 2) as date)),
            least(cast(b.loaded_at as date), any_value(a.day))
        ) as day
    from batches as b
    cross join as_of as a
    left join scorecard_snapshots as s on b.batch_id = s.batch_id
    where b.status = 'active'
    group by b.batch_id, b.loaded_at
)

select * from batch_days

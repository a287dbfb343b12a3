-- The pipeline's movement adds up, deal by deal and in total: start + created + pulled in +
-- increased - decreased - won - lost - pushed out = end (the Pipeline page's waterfall), for the week
-- and the 60 days to the data's as-of date, for the deals closing in the quarter holding it and in
-- the next one. Returns the deals (and totals) for which it does not hold.
with

as_of as (
    select max(cast(data_as_of as date)) as b from funnel_records
),

windows as (
    select
        a.b - interval (w) day as start_day,
        a.b as end_day,
        cast(date_trunc('quarter', a.b) + interval (q * 3) month as date) as ps,
        cast(date_trunc('quarter', a.b) + interval ((q + 1) * 3) month as date) as pe
    from as_of as a
    cross join (values (7), (60)) as ws (w)
    cross join (values (0), (1)) as qs (q)
),

moved as (
    select w.start_day, w.ps, m.*
    from windows as w
    cross join lateral (
        select * from pipeline_movement(cast(w.start_day as date), w.end_day, w.ps, w.pe, [], [], [], [], '')
    ) as m
),

per_deal as (
    select start_day, ps, deal_id,
        start_amount + created + pulled_in + increased - decreased - won - lost - pushed_out - end_amount as gap
    from moved
),

totals as (
    select start_day, ps, 'total' as deal_id, sum(gap) as gap from per_deal group by start_day, ps
)

select * from per_deal where abs(gap) > 0.001
union all
select * from totals where abs(gap) > 0.001

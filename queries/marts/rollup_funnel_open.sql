-- rollup_funnel_open: the records still open (neither won nor exited; an open deal is never an
-- exit) by territory and the furthest stage they reached (planning's open pipeline).
-- Grain: one row per territory x reached_index; records: how many.
-- No parameters.
select
    territory,
    reached_index,
    count(*) as records
from funnel_records
where not is_won and exit_reason is null
group by all

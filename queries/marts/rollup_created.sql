-- rollup_created: the records created per day under the shared filters, with what became of them
-- (the scorecard's created-date cohort: leads created, entered, won, exited and why; the leads per
-- channel). A summary read by the screens instead of funnel_records.
-- Grain: created_date x record_type x territory x channel x owner x sourced_by.
-- Counts only: each figure forms its ratios from them (revmachine/metrics.py).
select
    created_date,
    record_type,
    territory,
    channel,
    owner,
    sourced_by,
    count(*) as records,
    count(*) filter (where is_won) as won,
    count(*) filter (where exit_kind is not null) as exited,
    count(*) filter (where exit_kind = 'lost') as lost,
    count(*) filter (where exit_kind = 'disqualified') as disqualified,
    count(*) filter (where exit_kind = 'rejected') as rejected
from funnel_records
group by all

-- rollup_funnel_records: the funnel's records per day created, so the pages that count records
-- (leads created, the campaigns there are, whether any record passes the filters) read days x
-- dimensions, not records.
-- Grain: one row per created_date x record_type x territory x channel x owner x sourced_by x
-- campaign; records: how many.
-- No parameters.
select
    created_date,
    record_type,
    territory,
    channel,
    owner,
    sourced_by,
    campaign,
    count(*) as records
from funnel_records
group by all

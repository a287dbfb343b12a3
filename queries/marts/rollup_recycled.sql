-- rollup_recycled: leads whose quiet spell began on the day (recycled, a state, not an exit) and
-- how many of them are still quiet, under the shared filters (the scorecard's recycled leads).
-- Grain: recycled_date x territory x channel x owner x sourced_by.
select
    cast(recycled_at as date) as recycled_date,
    territory,
    channel,
    owner,
    sourced_by,
    count(*) as went_quiet,
    count(*) filter (where is_recycled) as still_quiet
from funnel_records
where record_type = 'lead' and recycled_at is not null
group by all

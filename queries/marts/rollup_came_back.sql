-- rollup_came_back: recycled leads that came back (re-engaged) on the day, under the shared
-- filters (the scorecard's recycled leads' detail).
-- Grain: came_back_date x territory x channel x owner x sourced_by.
select
    cast(came_back_at as date) as came_back_date,
    territory,
    channel,
    owner,
    sourced_by,
    count(*) as came_back
from funnel_records
where record_type = 'lead' and came_back_at is not null
group by all

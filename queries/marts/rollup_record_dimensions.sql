-- rollup_record_dimensions: the funnel records (leads and deals) per combination of the shared filters'
-- dimensions: what the filters offer (filters.options), the channels the Data page maps
-- (configure.channels: records per channel) and the first day of the data (filters.data_range), read
-- from a few hundred rows instead of every record.
-- Grain: one row per territory x channel x owner x sourced_by (NULL a value like any other).
-- records: how many funnel records; first_created: the earliest created date among them.
-- No parameters.
select
    territory,
    channel,
    owner,
    sourced_by,
    count(*) as records,
    min(created_date) as first_created
from funnel_records
group by territory, channel, owner, sourced_by

-- rollup_sqls: records that became SQL (reached the stage configured as SQL) per day under the
-- shared filters, with their sales touches (the scorecard's SQL growth and follow-ups per SQL).
-- Grain: sql_date x territory x channel x owner x sourced_by.
select
    sql_date,
    territory,
    channel,
    owner,
    sourced_by,
    count(*) as sqls,
    sum(touch_count) as sql_touches,
    count(touch_count) as sqls_with_touch_data
from funnel_records
where sql_date is not null
group by all

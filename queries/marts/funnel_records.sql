-- funnel_records (a view): funnel_record_rows (one row per record, see there) with the data's
-- as-of date (funnel_as_of) on every row, as screen queries and analysts' own SQL read it.
-- No parameters.
select
    r.*,
    a.data_as_of
from funnel_record_rows as r
cross join funnel_as_of as a

-- "As of" is the last thing that happened (issue 13 rule 5): never a date after today (a future
-- typo or an expected close date must not move the dashboard to an empty period). Returns the
-- as-of date when it is in the future.
select distinct data_as_of
from funnel_records
where data_as_of >= cast(current_date + 2 as timestamp)

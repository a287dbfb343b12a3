-- A won record has not exited without purchase: exit_rate and lead_to_customer must not count the
-- same record on both sides. Returns records that are both.
select record_id, exit_reason, won_at
from funnel_records
where is_won and exit_reason is not null

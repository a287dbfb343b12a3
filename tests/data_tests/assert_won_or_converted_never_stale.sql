-- Stale is the age rule for leads that went nowhere (issue 13 rule 7): a won record or one that
-- reached the SQL stage (converted) is never stale. Returns the records that are.
select record_id, is_won, is_converted, exit_reason
from funnel_records
where exit_kind = 'stale' and (is_won or is_converted)

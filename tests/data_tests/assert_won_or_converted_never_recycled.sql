-- A record that was won, or that reached the SQL stage (converted), is never recycled: going quiet
-- is a lead's state before sales qualifies it, and an exit is never the recycled state either
-- (recycled is not an exit). Returns the records that break it.
select record_id, is_won, is_converted, exit_kind, is_recycled
from funnel_records
where is_recycled and (is_won or is_converted or exit_kind is not null)

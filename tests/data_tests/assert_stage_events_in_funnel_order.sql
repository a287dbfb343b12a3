-- A record reaches stages in funnel order without gaps: its stage_events positions form one
-- unbroken run (entry .. reached). A gap would mean a stage counted as passed twice or skipped.
-- Returns the failing records.
select record_id, min(position) as first_position, max(position) as last_position, count(*) as n
from stage_events
group by record_id
having max(position) - min(position) + 1 <> count(*)

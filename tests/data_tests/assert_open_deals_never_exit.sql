-- Open is not lost (issue 13 rule 2): a deal the export says is open (neither won nor closed) is
-- never an exit, however old it is or whenever it was expected to close, and a lost deal always
-- is. Returns deals with no loaded lead whose record disagrees with their outcome.
select r.record_id, k.is_open, k.is_lost, r.exit_reason, r.exit_kind
from funnel_records as r
inner join deal_links as k on r.deal_id = k.deal_id
where (k.is_open and r.exit_reason is not null) or (k.is_lost and r.exit_kind is distinct from 'lost')

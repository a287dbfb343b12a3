-- funnel_records has one row per lead (and per deal without a loaded lead): joins in the mart must
-- not fan out (an owners sheet listing a rep twice once did). Returns duplicated records.
select record_id, count(*) as n
from funnel_records
group by record_id
having count(*) > 1
union all
select 'L:' || lead_id, 0
from leads
where 'L:' || lead_id not in (select record_id from funnel_records)

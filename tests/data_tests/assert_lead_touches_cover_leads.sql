-- lead_touches has exactly one row per lead record, so response time and follow-up figures see
-- every lead once. Returns lead records missing from it or repeated.
select r.record_id, count(t.record_id) as n
from funnel_records as r
left join lead_touches as t on r.record_id = t.record_id
where r.record_type = 'lead'
group by r.record_id
having count(t.record_id) <> 1

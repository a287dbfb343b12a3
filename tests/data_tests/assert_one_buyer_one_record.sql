-- One buyer, one record (issue 13 rule 8): a deal that continues a loaded lead has no funnel
-- record of its own, and every deal is in deal_facts exactly once. Returns the deals that break it.
select k.deal_id, 'linked deal counted again' as problem
from deal_links as k
inner join funnel_records as r on r.record_id = 'D:' || k.deal_id
where k.lead_id is not null
union all
select d.deal_id, 'deal_facts rows: ' || count(f.deal_id)
from deals as d
left join deal_facts as f on d.deal_id = f.deal_id
group by d.deal_id
having count(f.deal_id) <> 1

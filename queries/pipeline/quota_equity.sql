-- quota_equity: each rep's and each territory's quota for the period beside the opportunity it had
-- in the year before the period (seed 004: "Is there equitable distribution of sales quotas?"):
-- leads created, pipeline created (deals created, their amount) and won revenue in the four
-- quarters before the period starts. revmachine/pipeline.py compares each one's quota per unit of
-- opportunity with the rest's and flags a much heavier one.
-- Grain: one row per level ('owner' | 'territory') x name, for those with a quota in the period.
-- Parameters: $period_start, $period_end (the period, [start, end)); $territory (list; empty = all).
with

window_ as (
    select cast($period_start - interval 12 month as date) as ws, cast($period_start as date) as we
),

owner_ids as (
    select key, owner_name from owner_lookup where key_kind = 'id'
),

rep_quotas as (
    select
        coalesce(o.owner_name, trim(f.owner)) as name,
        any_value(f.target_territory) as territory,
        sum(f.revenue_money * period_share(f.period_start, f.period_end, $period_start, $period_end)) as quota
    from target_facts as f
    left join owner_ids as o on f.owner = o.key
    where f.level = 'personal' and f.revenue_money is not null
        and f.period_start < $period_end and f.period_end + 1 > $period_start
        and (len($territory) = 0 or list_contains($territory, f.target_territory))
    group by all
),

territory_quotas as (
    select territory as name, territory, revenue_target as quota
    from prorated_targets($period_start, $period_end, $territory)
    where revenue_target is not null and territory <> 'Unassigned'
),

-- the opportunity in the year before: from the rollups (leads per day created, deals per opportunity
-- and close day), so the cost follows the days and dimensions, not the records
leads_by as (
    select r.owner, r.territory, sum(r.leads) as leads
    from rollup_lead_outcomes as r cross join window_ as w
    where r.created_date >= w.ws and r.created_date < w.we
    group by all
),

pipeline_by as (
    select d.owner, d.territory, sum(d.deals) as created_deals, sum(d.amount) as pipeline_created
    from rollup_deals_created as d cross join window_ as w
    where d.has_deal and d.opportunity_date >= w.ws and d.opportunity_date < w.we
    group by all
),

won_by as (
    select d.owner, d.territory, sum(d.amount) as won_amount
    from rollup_deals_closed as d cross join window_ as w
    where d.status = 'won' and d.closed_date >= w.ws and d.closed_date < w.we
    group by all
),

final as (
    select
        'owner' as level,
        q.name,
        q.territory,
        q.quota,
        (select sum(leads) from leads_by as l where l.owner = q.name) as leads,
        (select sum(pipeline_created) from pipeline_by as p where p.owner = q.name) as pipeline_created,
        (select sum(won_amount) from won_by as w where w.owner = q.name) as won_amount
    from rep_quotas as q
    union all
    select
        'territory' as level,
        q.name,
        q.territory,
        q.quota,
        (select sum(leads) from leads_by as l where l.territory = q.name) as leads,
        (select sum(pipeline_created) from pipeline_by as p where p.territory = q.name) as pipeline_created,
        (select sum(won_amount) from won_by as w where w.territory = q.name) as won_amount
    from territory_quotas as q
)

select * from final order by level, name

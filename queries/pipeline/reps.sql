-- reps: every rep against quota (issue "the sales half of the meeting", point 7), per period:
-- won revenue against the rep's personal quota (targets with personal goals: a targets sheet's
-- rep rows, Salesforce quotas, Dynamics goals under a parent goal; prorated by days, so a period to
-- date is judged on the pace), pipeline created, win rate by count and by amount, average won deal,
-- sales cycle; the rep's manager and territory from the owners sheet.
-- Grain: one row per period x owner (owners with a deal closed or created in the period, or a
--   quota for it; 'Unassigned' deals are left out: nobody carries them).
-- Parameters: $labels, $starts, $ends (lists: period i = [starts[i], ends[i])); $territory,
--   $channel, $owner, $sourced_by (lists; empty = all); $currency ('' = every deal, else that
--   currency's only).
-- Ratios are formed in revmachine/pipeline.py; a quota is NULL where the rep has none.
with

periods as (
    select * from periods_of($labels, $starts, $ends)
),

-- won and lost deals per close day, and deals per opportunity day, under the filters (the rollups of
-- deal_facts: the cost follows the days and dimensions, not the deals)
closed_days as (
    select *
    from rollup_deals_closed
    where has_deal and owner <> 'Unassigned'
        and passes_filters($territory, $channel, $owner, $sourced_by, territory, channel, owner, sourced_by)
        and ($currency = '' or coalesce(currency, '') = $currency)
),

created_days as (
    select *
    from rollup_deals_created
    where has_deal and owner <> 'Unassigned'
        and passes_filters($territory, $channel, $owner, $sourced_by, territory, channel, owner, sourced_by)
        and ($currency = '' or coalesce(currency, '') = $currency)
),

closed as (
    select
        p.period,
        d.owner,
        cast(coalesce(sum(d.deals) filter (where d.status = 'won'), 0) as bigint) as won_deals,
        cast(coalesce(sum(d.deals) filter (where d.status = 'lost'), 0) as bigint) as lost_deals,
        coalesce(sum(d.amount) filter (where d.status = 'won'), 0) as won_amount,
        cast(coalesce(sum(d.with_amount) filter (where d.status = 'won'), 0) as bigint) as won_with_amount,
        sum(d.amount) as closed_amount,
        sum(d.cycle_days) filter (where d.status = 'won') as cycle_days,
        cast(coalesce(sum(d.cycle_deals) filter (where d.status = 'won'), 0) as bigint) as cycle_deals
    from periods as p
    inner join closed_days as d on d.closed_date >= p.period_start and d.closed_date < p.period_end
    group by all
),

created as (
    select
        p.period,
        d.owner,
        cast(sum(d.deals) as bigint) as created_deals,
        sum(d.amount) as created_amount
    from periods as p
    inner join created_days as d on d.opportunity_date >= p.period_start and d.opportunity_date < p.period_end
    group by all
),

owner_ids as (
    select key, owner_name from owner_lookup where key_kind = 'id'
),

quotas as (
    select
        p.period,
        coalesce(o.owner_name, trim(f.owner)) as owner,
        sum(f.revenue_money * period_share(f.period_start, f.period_end, p.period_start, p.period_end)) as quota,
        any_value(f.target_territory) as quota_territory
    from periods as p
    inner join target_facts as f
        on f.level = 'personal' and f.period_start < p.period_end and f.period_end + 1 > p.period_start
    left join owner_ids as o on f.owner = o.key
    where f.revenue_money is not null
        and (len($territory) = 0 or list_contains($territory, f.target_territory))
        and (len($owner) = 0 or list_contains($owner, coalesce(o.owner_name, trim(f.owner))))
        and len($channel) = 0 and len($sourced_by) = 0
    group by all
),

people as (
    -- the owners sheet: a rep's manager (by name when the manager is a user id) and territory
    select
        o.owner,
        any_value(coalesce(m.owner_name, o.manager)) as manager,
        any_value(o.territory) as territory
    from owners as o
    left join owner_ids as m on o.manager = m.key
    group by o.owner
),

keys as (
    select period, owner from closed
    union
    select period, owner from created
    union
    select period, owner from quotas
),

final as (
    select
        k.period,
        k.owner,
        pe.manager,
        coalesce(pe.territory, q.quota_territory) as territory,
        q.quota,
        coalesce(c.won_amount, 0) as won_amount,
        coalesce(c.won_deals, 0) as won_deals,
        coalesce(c.won_with_amount, 0) as won_with_amount,
        coalesce(c.lost_deals, 0) as lost_deals,
        c.closed_amount,
        c.cycle_days,
        coalesce(c.cycle_deals, 0) as cycle_deals,
        coalesce(n.created_deals, 0) as created_deals,
        n.created_amount
    from keys as k
    left join closed as c on k.period = c.period and k.owner = c.owner
    left join created as n on k.period = n.period and k.owner = n.owner
    left join quotas as q on k.period = q.period and k.owner = q.owner
    left join people as pe on k.owner = pe.owner
)

select * from final order by period, owner

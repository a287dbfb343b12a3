-- coverage: pipeline coverage per segment for one or more periods, each on a given day of it:
-- open pipeline closing in the period on that day ÷ (the period's target − won in it by that day),
-- against the coverage the trailing win rate requires (1 ÷ win rate by amount over the four
-- quarters before the period). Several periods at once: the current one on its as-of day, and
-- earlier quarters on the same day of the quarter (the coverage held then), from deal_versions.
-- Grain: one row per level x period x segment: level $by (segment: the territory, the owner) and
--   level 'all' (segment 'All': the company), both from one reading of the deal history.
-- Parameters: $labels, $starts, $ends, $days (lists, same length: period i = [starts[i], ends[i]),
--   seen on days[i]); $by ('territory' | 'owner' | 'all'); $territory, $channel, $owner,
--   $sourced_by (lists; empty = all); $currency ('' = every deal, else that currency's only).
-- target: per territory its team targets, else its reps' personal quotas (prorated_targets); per
--   owner the rep's personal quota; for 'All' the company target (company_target); NULL while a
--   channel or sourced-by filter is on (targets are not split by them). Ratios are formed in
--   revmachine/pipeline.py.
with

periods as (
    select
        unnest($labels) as period,
        cast(unnest($starts) as date) as period_start,
        cast(unnest($ends) as date) as period_end,
        cast(unnest($days) as date) as day
),

levels as (
    select unnest(list_distinct([$by, 'all'])) as level
),

states as (
    select
        l.level,
        p.period,
        p.period_start,
        p.period_end,
        s.status,
        s.close_date,
        s.amount,
        case l.level when 'territory' then s.territory when 'owner' then s.owner else 'All' end as segment
    from periods as p
    inner join deals_on($days) as s on p.day = s.day
    cross join levels as l
    where
        passes_filters($territory, $channel, $owner, $sourced_by, s.territory, s.channel, s.owner, s.sourced_by)
        and ($currency = '' or coalesce(s.currency, '') = $currency)
),

pipeline as (
    select
        level,
        period,
        segment,
        count(*) filter (where status = 'open' and close_date >= period_start and close_date < period_end)
            as open_deals,
        sum(amount) filter (where status = 'open' and close_date >= period_start and close_date < period_end)
            as open_amount,
        count(*) filter (where status = 'won' and close_date >= period_start and close_date < period_end)
            as won_deals,
        coalesce(sum(amount) filter (where status = 'won' and close_date >= period_start and close_date < period_end),
                 0) as won_amount
    from states
    group by level, period, segment
),

-- the four quarters before each period: won and closed deals by close date (the rollup of deal_facts
-- per close day: the cost follows the days and dimensions, not the deals)
past_year as (
    select
        l.level,
        p.period,
        case l.level when 'territory' then d.territory when 'owner' then d.owner else 'All' end as segment,
        cast(coalesce(sum(d.deals) filter (where d.status = 'won'), 0) as bigint) as trailing_won,
        cast(sum(d.deals) as bigint) as trailing_closed,
        sum(d.amount) filter (where d.status = 'won') as trailing_won_amount,
        sum(d.amount) as trailing_closed_amount
    from periods as p
    inner join rollup_deals_closed as d
        on d.closed_date >= cast(p.period_start - interval 12 month as date)
        and d.closed_date < p.period_start
    cross join levels as l
    where d.has_deal
        and passes_filters($territory, $channel, $owner, $sourced_by, d.territory, d.channel, d.owner, d.sourced_by)
        and ($currency = '' or coalesce(d.currency, '') = $currency)
    group by all
),

owner_names as (
    select key, owner_name from owner_lookup where key_kind = 'id'
),

targets as (
    select 'territory' as level, p.period, t.territory as segment, t.revenue_target as target
    from periods as p
    cross join lateral (select * from prorated_targets(p.period_start, p.period_end, $territory)) as t
    where $by = 'territory'
    union all
    select
        'owner' as level,
        p.period,
        coalesce(o.owner_name, trim(f.owner)) as segment,
        sum(f.revenue_money * period_share(f.period_start, f.period_end, p.period_start, p.period_end)) as target
    from periods as p
    inner join target_facts as f
        on f.level = 'personal' and f.period_start < p.period_end and f.period_end + 1 > p.period_start
    left join owner_names as o on f.owner = o.key
    where $by = 'owner'
        and (len($territory) = 0 or list_contains($territory, f.target_territory))
        and (len($owner) = 0 or list_contains($owner, coalesce(o.owner_name, trim(f.owner))))
    group by all
    union all
    select 'all' as level, p.period, 'All' as segment, c.revenue_target as target
    from periods as p
    cross join lateral (select * from company_target(p.period_start, p.period_end, $territory)) as c
    where len($owner) = 0
),

segments as (
    select level, period, segment from pipeline
    union
    select level, period, segment from targets where target is not null
),

final as (
    select
        s.level,
        s.period,
        s.segment,
        coalesce(p.open_deals, 0) as open_deals,
        coalesce(p.open_amount, 0) as open_amount,
        coalesce(p.won_deals, 0) as won_deals,
        coalesce(p.won_amount, 0) as won_amount,
        case when len($channel) = 0 and len($sourced_by) = 0 then t.target end as target,
        coalesce(r.trailing_won, 0) as trailing_won,
        coalesce(r.trailing_closed, 0) as trailing_closed,
        r.trailing_won_amount,
        r.trailing_closed_amount
    from segments as s
    left join pipeline as p on s.level = p.level and s.period = p.period and s.segment = p.segment
    left join targets as t on s.level = t.level and s.period = t.period and s.segment = t.segment
    left join past_year as r on s.level = r.level and s.period = r.period and s.segment = r.segment
)

select * from final order by level, period, segment

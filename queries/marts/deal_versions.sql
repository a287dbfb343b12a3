-- deal_versions: each deal as it stood from one change to the next (deal_changes), so the pipeline
-- on any day is one range lookup: the version with valid_from <= day < valid_to (the macro
-- deals_at in macros.sql), of a deal created by then.
-- Grain: one row per deal x day on which any of its fields changed (the first version is valid from
-- the beginning; a deal only counts from its created date). valid_to: the next version's day (NULL
-- for the current one).
-- A field with no observation before a day takes its first known value (as far as the data can
-- tell: such a value is the deal's initial one, or the first upload's, is_inferred in deal_changes).
-- amount: money as deal_links says (the reporting currency when every currency has a rate, else the
--   deal's own); deal_amount as exported.
-- forecast_category: the CRM's own (commit | best_case | pipeline | omitted | closed), else mapped
--   from the stage once in settings (config_forecast_categories: the exported stage name, then the
--   funnel stage), else by default: the funnel stage right before won is best_case, others
--   pipeline (commit is a judgment the data must make); category_source says which.
-- Deal-level facts (whatever the version): outcome (won | lost | open, as deal_facts says),
--   closed_on (the close date of a won or lost deal; NULL when the export gives none),
--   territory, channel, sourced_by, product, created_on, probability (0..1: a load whose
--   probabilities run over 1 is read on the 0-100 scale, every value of it divided by 100).
-- No parameters.
with

changes as (
    select * from deal_changes
),

facts as (
    select
        f.*,
        d.deal_name,
        d.company,
        d.product,
        d.batch_id,
        d.stage as stage_now,
        d.probability as raw_probability,
        cast(d.created_at as date) as created_on
    from deal_facts as f
    inner join deals as d on f.deal_id = d.deal_id
),

-- a load's probabilities on one scale: 0-100 when any value of the load is over 1
probability_scale as (
    select batch_id, case when max(probability) > 1 then 100.0 else 1.0 end as scale
    from deals
    where probability is not null
    group by batch_id
),

basis as (
    select * from money_basis
),

points as (
    select distinct deal_id, changed_on as day from changes
    union all
    -- a deal the data says nothing about (no stage, amount, date, category or owner): one version
    select deal_id, date '1900-01-01' from facts where deal_id not in (select deal_id from changes)
),

at_point as (
    select
        p.deal_id,
        p.day,
        max(c.new_value) filter (where c.field = 'stage') as stage_raw,
        max(c.new_stage_key) filter (where c.field = 'stage') as stage_key,
        max(c.new_value) filter (where c.field = 'amount') as amount_text,
        max(c.new_value) filter (where c.field = 'close_date') as close_text,
        max(c.new_value) filter (where c.field = 'forecast_category') as category,
        max(c.new_value) filter (where c.field = 'owner') as owner
    from points as p
    left join changes as c on p.deal_id = c.deal_id and p.day = c.changed_on
    group by p.deal_id, p.day
),

filled as (
    select
        deal_id,
        day,
        coalesce(last_value(stage_raw ignore nulls) over upto, first_value(stage_raw ignore nulls) over whole)
            as stage_raw,
        coalesce(last_value(stage_key ignore nulls) over upto, first_value(stage_key ignore nulls) over whole)
            as stage_key,
        coalesce(last_value(amount_text ignore nulls) over upto, first_value(amount_text ignore nulls) over whole)
            as amount_text,
        coalesce(last_value(close_text ignore nulls) over upto, first_value(close_text ignore nulls) over whole)
            as close_text,
        coalesce(last_value(category ignore nulls) over upto, first_value(category ignore nulls) over whole)
            as category,
        coalesce(last_value(owner ignore nulls) over upto, first_value(owner ignore nulls) over whole)
            as owner,
        lead(day) over (partition by deal_id order by day) as valid_to,
        row_number() over (partition by deal_id order by day) as n
    from at_point
    window
        upto as (partition by deal_id order by day rows between unbounded preceding and current row),
        whole as (partition by deal_id order by day rows between unbounded preceding and unbounded following)
),

stage_map as (
    select stage_key, category from config_forecast_categories
),

before_won as (
    -- the funnel stage right before won: its deals are best case by default
    select stage from config_stages
    where position = (select max(position) from config_stages where stage <> 'won')
),

final as (
    select
        v.deal_id,
        case when v.n = 1 then date '1900-01-01' else v.day end as valid_from,
        v.valid_to,
        v.n = 1 as is_first,
        v.stage_raw,
        coalesce(v.stage_key, f.stage_now) as stage_key,
        cast(case when b.is_converted then try_cast(v.amount_text as decimal(18, 2)) * fx.rate
                  else try_cast(v.amount_text as decimal(18, 2)) end as decimal(18, 2)) as amount,
        try_cast(v.amount_text as decimal(18, 2)) as deal_amount,
        try_cast(v.close_text as date) as close_date,
        coalesce(
            v.category,
            m1.category,
            m2.category,
            case when coalesce(v.stage_key, f.stage_now) in (select stage from before_won) then 'best_case'
                 else 'pipeline' end
        ) as forecast_category,
        case
            when v.category is not null then 'export'
            when m1.category is not null or m2.category is not null then 'settings'
            else 'default'
        end as category_source,
        coalesce(v.owner, f.owner) as owner,
        f.status as outcome,
        f.closed_date as closed_on,
        f.created_on,
        f.territory,
        f.channel,
        f.sourced_by,
        coalesce(nullif(trim(f.product), ''), '(no product)') as product,
        f.deal_name,
        f.company,
        f.currency,
        f.raw_probability / coalesce(ps.scale, 1.0) as probability
    from filled as v
    inner join facts as f on v.deal_id = f.deal_id
    cross join basis as b
    left join fx_rates as fx on coalesce(f.deal_currency, b.default_currency) = fx.currency
    left join probability_scale as ps on f.batch_id = ps.batch_id
    left join stage_map as m1
        on lower(regexp_replace(strip_accents(coalesce(v.stage_raw, '')), '[^A-Za-z0-9]', '', 'g')) = m1.stage_key
    left join stage_map as m2 on coalesce(v.stage_key, f.stage_now) = m2.stage_key
)

select * from final

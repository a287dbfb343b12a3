-- deal_changes: the deal history (issue "the sales half of the meeting", point 1): every value a
-- deal's stage, amount, close date, forecast category and owner took, and when, from every source
-- the data has:
--   * a history export (real dates): stage_history rows of deals (Salesforce OpportunityHistory,
--     HubSpot's "Date entered <stage>", a change log's stage rows) and deal_field_history
--     (OpportunityFieldHistory, Pipedrive's change log, Dynamics audit history, OpportunityHistory's
--     Amount / CloseDate / ForecastCategory columns); a change log's first old value is the value
--     the deal was created with;
--   * successive uploads of the same deals (dates inferred): every load keeps the rows it replaced
--     (deals_history), so each copy of a deal is an observation on the day its load's data ran to
--     (the meeting snapshot's window end; the load being written: the data's as-of date, or the
--     load's own day if earlier). A change seen only between two uploads is dated the later one
--     and marked inferred.
-- Observations of one deal and field are put in date order (on one day: an upload's first, a
-- history export's after it, as the export says what happened that day); a change is an
-- observation whose value differs from the one before. The first observation is the value the deal
-- started with (is_initial: valid from its creation, as far as the data can tell).
-- Grain: one row per deal x field x change (is_initial rows included). Deals as loaded now only.
-- Values are text: amount as a plain decimal in the deal's own currency, close_date ISO,
-- forecast_category one of commit | best_case | pipeline | omitted | closed (as the CRM named it,
-- canonical), owner by name (owner ids named by the owners sheet), stage as exported (stage_key: the
-- funnel stage it maps to).
-- No parameters.
with

batch_days as (
    select * from deal_batch_days
),

owner_ids as (
    select key, owner_name from owner_lookup where key_kind = 'id'
),

current_deals as (
    select deal_id, created_at from deals
),

uploaded as (
    select deal_id, batch_id, current_stage, stage, amount, closed_at, expected_close_at, owner, forecast_category
    from deals
    union all
    select deal_id, batch_id, current_stage, stage, amount, closed_at, expected_close_at, owner, forecast_category
    from deals_history
    where deal_id in (select deal_id from current_deals)
),

-- one observation per copy and field (a blank value observes nothing)
upload_obs as (
    select
        x.deal_id,
        x.day,
        cast(x.day as timestamp) as seen_at,
        false as is_real,
        x.f.field,
        x.f.value,
        x.f.value_key
    from (
        select
            u.deal_id,
            d.day,
            unnest([
                {'field': 'stage', 'value': u.current_stage, 'value_key': u.stage},
                {'field': 'amount', 'value': printf('%.2f', u.amount), 'value_key': null},
                {'field': 'close_date',
                 'value': strftime(cast(coalesce(u.closed_at, u.expected_close_at) as date), '%Y-%m-%d'),
                 'value_key': null},
                {'field': 'forecast_category', 'value': u.forecast_category, 'value_key': null},
                {'field': 'owner', 'value': u.owner, 'value_key': null}
            ]) as f
        from uploaded as u
        inner join batch_days as d on u.batch_id = d.batch_id
    ) as x
    where nullif(trim(x.f.value), '') is not null
),

stage_obs as (
    select
        record_id as deal_id,
        cast(entered_at as date) as day,
        entered_at as seen_at,
        true as is_real,
        'stage' as field,
        stage_raw as value,
        stage as value_key
    from stage_history
    where record_type = 'deal' and entered_at is not null and record_id in (select deal_id from current_deals)
),

field_rows as (
    select * from deal_field_history
    where
        field in ('amount', 'close_date', 'forecast_category', 'owner')
        and changed_at is not null
        and deal_id in (select deal_id from current_deals)
),

first_old as (
    -- a change log's first old value: what the deal was created with
    select
        f.deal_id,
        f.field,
        arg_min(f.old_value, f.changed_at) as value,
        min(f.changed_at) as first_change
    from field_rows as f
    group by f.deal_id, f.field
),

field_obs as (
    select
        deal_id,
        cast(changed_at as date) as day,
        changed_at as seen_at,
        true as is_real,
        field,
        new_value as value,
        cast(null as varchar) as value_key
    from field_rows
    where new_value is not null
    union all
    select
        o.deal_id,
        cast(least(coalesce(c.created_at, o.first_change), o.first_change) as date) as day,
        least(coalesce(c.created_at, o.first_change), o.first_change) - interval 1 second as seen_at,
        true as is_real,
        o.field,
        o.value,
        cast(null as varchar) as value_key
    from first_old as o
    left join current_deals as c on o.deal_id = c.deal_id
    where o.value is not null
),

observed as (
    select * from upload_obs
    union all
    select * from stage_obs
    union all
    select * from field_obs
),

-- values told the same way whatever the source: a forecast category by its canonical name, an
-- owner by name, an amount and a date as written above
normalised as (
    select
        o.deal_id,
        o.day,
        o.seen_at,
        o.is_real,
        o.field,
        case
            when o.field = 'forecast_category' then
                case lower(regexp_replace(o.value, '[^A-Za-z]', '', 'g'))
                    when 'commit' then 'commit'
                    when 'committed' then 'commit'
                    when 'forecast' then 'commit'
                    when 'bestcase' then 'best_case'
                    when 'mostlikely' then 'best_case'
                    when 'upside' then 'best_case'
                    when 'pipeline' then 'pipeline'
                    when 'open' then 'pipeline'
                    when 'omitted' then 'omitted'
                    when 'notforecasted' then 'omitted'
                    when 'excluded' then 'omitted'
                    when 'closed' then 'closed'
                    when 'closedwon' then 'closed'
                    when 'won' then 'closed'
                    when 'lost' then 'omitted'
                    when 'closedlost' then 'omitted'
                end
            when o.field = 'owner' then coalesce(oi.owner_name, nullif(trim(o.value), ''))
            when o.field = 'amount' then printf('%.2f', try_cast(o.value as decimal(18, 2)))
            else trim(o.value)
        end as value,
        o.value_key
    from observed as o
    left join owner_ids as oi on o.field = 'owner' and o.value = oi.key
),

-- one value per deal, field and day: the last of the day (a history export's after an upload's)
daily as (
    select
        deal_id,
        field,
        day,
        arg_max(value, struct_pack(r := is_real, t := seen_at)) as value,
        arg_max(value_key, struct_pack(r := is_real, t := seen_at)) as value_key,
        arg_max(is_real, struct_pack(r := is_real, t := seen_at)) as is_real
    from normalised
    where value is not null
    group by deal_id, field, day
),

sequenced as (
    select
        *,
        lag(value) over (partition by deal_id, field order by day) as old_value,
        row_number() over (partition by deal_id, field order by day) as n
    from daily
),

final as (
    select
        deal_id,
        field,
        day as changed_on,
        old_value,
        value as new_value,
        value_key as new_stage_key,
        n = 1 as is_initial,
        not is_real as is_inferred,
        case when is_real then 'history export' else 'successive uploads' end as source
    from sequenced
    where n = 1 or value is distinct from old_value
)

select * from final

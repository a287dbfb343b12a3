-- handoff_clocks: one scoreboard per handoff with an SLA set (domain.md "Revenue SLA"; seed 003:
-- SLAs "at key lead handoff points"): every configured stage with SLA hours (Funnel page, stage
-- settings) before the last one starts a clock when a record enters it (its recorded date: an
-- inferred date cannot be timed).
-- The clock stops: at the MQL stage (the handoff from marketing to sales), at the first sales
-- touch (speed to lead: the earliest activity at or after the handoff, or First Response); at any
-- other stage, when the record moves on (reaches the next stage) or exits.
-- Whose records: a stage marketing owns (config_stages.owner) counts marketing-sourced records only
-- (sales does not hand its own leads over); every other stage counts every record at it.
-- within_sla: stopped within the hours; breaches: stopped later, or not stopped and older than the
-- hours at the data's as-of date; waiting: not stopped and still inside the hours.
-- Grain: one row per handoff stage x grouping: the whole handoff (territory and owner NULL), each
-- territory (owner NULL), each owner (territory NULL).
-- Parameters: $period_start, $period_end (the record entered the stage in [start, end)), $territory,
--   $channel, $owner, $sourced_by.
with

stages as (
    select
        s.stage_index,
        s.stage,
        s.label,
        s.owner as stage_owner,
        s.sla_hours,
        n.label as next_label
    from funnel_stages as s
    -- the handoff's other side: the next stage the funnel has, else the next configured one (an MQL
    -- clock stops at a touch, whatever the data has after it)
    inner join funnel_stages as n
        on n.stage_index = coalesce(
            (select min(x.stage_index) from funnel_stages as x where x.stage_index > s.stage_index and x.in_funnel),
            s.stage_index + 1
        )
    where s.sla_hours is not null and s.in_funnel
),

-- only the records that entered some stage in the window: a test on each record's own dates,
-- before the join with the stages (which then sorts a window's records, not all of them)
records as (
    select *
    from filtered_records($territory, $channel, $owner, $sourced_by)
    where len(list_filter(stage_at, lambda x: cast(x as date) >= cast($period_start as date)
        and cast(x as date) < cast($period_end as date))) > 0
),

clocked as (
    select
        s.stage_index,
        s.stage,
        s.label,
        s.next_label,
        s.sla_hours,
        r.territory,
        r.owner,
        r.stage_at[s.stage_index] as entered_at,
        case
            when s.stage = 'mql' then r.first_touch_at
            when r.reached_index > s.stage_index then r.stage_at[s.stage_index + 1]
            else r.exit_at
        end as stopped_at,
        data_as_of() as data_as_of
    from stages as s
    inner join records as r
        on s.stage_index between r.entry_index and r.reached_index
        and not r.stage_inferred[s.stage_index]
        and cast(r.stage_at[s.stage_index] as date) >= cast($period_start as date)
        and cast(r.stage_at[s.stage_index] as date) < cast($period_end as date)
        and (s.stage_owner <> 'marketing' and s.stage <> 'mql' or r.sourced_by = 'marketing')
),

timed as (
    select
        *,
        case when stopped_at >= entered_at then datediff('second', entered_at, stopped_at) / 3600.0 end as hours,
        stopped_at is null or stopped_at < entered_at as is_open
    from clocked
),

flagged as (
    select
        *,
        not is_open and hours <= sla_hours as is_within,
        (not is_open and hours > sla_hours)
            or (is_open and datediff('second', entered_at, data_as_of) > sla_hours * 3600) as is_breach,
        is_open and datediff('second', entered_at, data_as_of) <= sla_hours * 3600 as is_waiting
    from timed
),

final as (
    select
        stage_index,
        any_value(stage) as stage,
        any_value(label) as from_label,
        any_value(next_label) as to_label,
        any_value(sla_hours) as sla_hours,
        territory,
        owner,
        count(*) as entered,
        count(*) filter (where is_within) as within_sla,
        count(*) filter (where is_breach) as breaches,
        count(*) filter (where is_waiting) as waiting,
        median(hours) as median_hours
    from flagged
    group by grouping sets ((stage_index), (stage_index, territory), (stage_index, owner))
)

select * from final order by stage_index, territory nulls first, owner nulls first

-- funnel_record_rows: one row per record that moves through the funnel, with where it went (read as
-- the view funnel_records, which adds the data's as-of date to every row).
-- Grain: one row per lead, plus one row per deal that is not linked to a loaded lead
-- (deal_links: a deal that continues a lead is that lead's record; a deals-only export enters the
-- funnel at the SQL stage, domain.md "The revenue process"). record_id is 'L:<lead_id>' or 'D:<deal_id>'.
-- Channel -> sourced_by comes from config_channels (domain.md: "the mapping of channels to a
-- source is configuration"). Owner: the person's name when the owners sheet names an owner id
-- (owner_lookup). Territory: the record's own, else its account's (accounts sheet), else its
-- owner's (owners sheet), else 'Unassigned'.
-- Outcomes (issue 13 rules 2 and 7): a deal is lost only when the export says it is closed and not
-- won (deal_links); an open deal is open, never an exit. Exits: disqualified / rejected / lost as
-- loaded. exit_kind: lost | disqualified | rejected (from the reason's words, else lost at or after
-- the SQL stage and disqualified before it).
-- Recycled (seed 000: prospects go quiet and come back; find, engage, close, grow): a state, never
-- an exit. A lead that is neither won, converted (reached the SQL stage or flagged converted) nor
-- exited, whose last movement (a stage date, a sales touch or its creation) is more than
-- `stale_days` before data_as_of, is_recycled; recycled_at is when its latest quiet spell began
-- (last movement + stale_days). A loaded exit reason that only says so ('stale', 'recycled',
-- 'nurture') is this state too, not an exit.
-- Came back: a lead whose movements (stage dates and touches, in time order) have a gap of more
-- than `stale_days` while it was still before the SQL stage re-engaged: came_back_at is the first
-- movement after its latest such gap (a later touch or a new stage date, e.g. a new MQL date),
-- reentry_index the stage it re-entered at (the furthest stage dated at or before came_back_at:
-- the stage its new dates show), and recycled_at the start of that quiet spell when it is not
-- quiet now.
-- data_as_of (rule 5) is funnel_as_of's: a row depends only on its own record's data and on the
-- as-of date through is_recycled / recycled_at (an incremental load refreshes the records whose
-- quiet spell the moved as-of date crosses).
-- Stages reached (computed per row, so the stage_events and funnel_steps marts are a plain
-- unnest of this table): stage index i is the i-th configured stage in funnel order.
--   entry_index: 1 for a lead, the SQL stage for a deal with no loaded lead;
--   reached_index: the furthest stage with a date, or the current stage (the lead's, or its
--     deals'), or the SQL stage when converted, or the last stage when won (with only a current
--     stage, a lead counts as having passed every stage before its current one);
--   stage_at[i], entry_index <= i <= reached_index: the stage's own date (its column, else
--     stage_history / lead_stage_dates: real stage-entry dates); a stage without one was reached by
--     the earliest known later date, else the latest known earlier one, else creation;
--   stage_inferred[i]: stage_at[i] was inferred (days-in-stage, maturity and the bottleneck leave
--     such dates out).
--   stage_mask: bit i-1 set when the record has a date or a status for stage i (funnel_stages
--     skips a stage no record has).
-- step_from_min / step_from_max: the earliest / latest from-date of the record's steps (stage_at
--   over entry_index .. the last stage but one it reached): a step query for a period first drops
--   the records whose steps all lie outside it, before the funnel_steps view unnests the rest.
-- Facts the scorecard reads: sql_at (entered the SQL stage), is_accepted (reached 'sal') and
-- accepted_at (its date), first_touch_at (the earliest activity at or after the handoff, or First
-- Response, whichever is earlier), touch_count (the lead's activities, else its Follow-ups
-- column) and last_touch_at (its latest activity or First Response).
-- No parameters.
with

settings as (
    select
        coalesce(max(case when key = 'stale_days' then try_cast(value as integer) end), 180)
            as stale_days
    from config_settings
),

funnel as (
    select
        list(stage order by position) as stages,
        count(*) as n_stages,
        coalesce(
            list_position(list(stage order by position), min(stage order by position) filter (where is_sql)),
            1
        ) as sql_index,
        coalesce(list_position(list(stage order by position), 'sal'), 0) as sal_index,
        -- each stage's place in the standard columns below (7: a stage without a column)
        list_transform(list(stage order by position), lambda s: coalesce(
            list_position(['lead', 'mql', 'sal', 'opportunity', 'proposal', 'won'], s), 7)) as column_index
    from config_stages
),

links as (
    select * from deal_links
),

owner_ids as (
    select key, owner_name, territory from owner_lookup where key_kind = 'id'
),

owner_names as (
    select key, owner_name, territory from owner_lookup where key_kind = 'name'
),

account_ids as (
    select key, territory from account_lookup where key_kind = 'id'
),

account_names as (
    select key, territory from account_lookup where key_kind = 'name'
),

deals_by_lead as (
    select
        k.lead_id,
        min(d.created_at) as first_deal_created_at,
        min(d.closed_at) filter (where k.is_won) as first_won_at,
        sum(k.amount) filter (where k.is_won) as won_amount,
        count(*) filter (where k.is_won) as won_deal_count,
        bool_and(k.is_lost) as is_all_lost,
        max(d.closed_at) filter (where k.is_lost) as last_lost_at,
        max(list_position(f.stages, d.stage)) as deal_stage_index
    from links as k
    inner join deals as d on k.deal_id = d.deal_id
    cross join funnel as f
    where k.lead_id is not null
    group by k.lead_id
),

-- real stage-entry dates per lead: lead_stage_dates (configured stages without a column of their
-- own), stage_history of the lead and of the deals that continue it
history_rows as (
    select lead_id, stage, entered_at from lead_stage_dates
    union all
    select record_id as lead_id, stage, entered_at from stage_history where record_type = 'lead'
    union all
    select k.lead_id, h.stage, h.entered_at
    from stage_history as h
    inner join links as k on h.record_id = k.deal_id
    where h.record_type = 'deal' and k.lead_id is not null
),

lead_dates as (
    select
        lead_id,
        map_from_entries(list({'k': stage, 'v': entered_at})) as dates
    from (
        select lead_id, stage, min(entered_at) as entered_at
        from history_rows
        where stage is not null and entered_at is not null
        group by lead_id, stage
    )
    group by lead_id
),

-- stage_history of deals with no loaded lead
deal_dates as (
    select
        deal_id,
        map_from_entries(list({'k': stage, 'v': entered_at})) as dates
    from (
        select h.record_id as deal_id, h.stage, min(h.entered_at) as entered_at
        from stage_history as h
        inner join links as k on h.record_id = k.deal_id
        where h.record_type = 'deal' and k.lead_id is null and h.stage is not null and h.entered_at is not null
        group by h.record_id, h.stage
    )
    group by deal_id
),

touches as (
    select
        a.lead_id,
        count(a.activity_id) as activity_count,
        min(a.occurred_at) filter (where a.occurred_at >= l.mql_at) as first_activity_at,
        -- the touches in time order: a touch after a quiet spell is a re-engagement
        list(distinct a.occurred_at) filter (where a.occurred_at is not null) as touch_times
    from activities as a
    inner join leads as l on a.lead_id = l.lead_id
    group by a.lead_id
),

lead_records as (
    select
        'L:' || l.lead_id as record_id,
        'lead' as record_type,
        l.lead_id,
        cast(null as varchar) as deal_id,
        l.created_at,
        l.channel as channel_raw,
        l.campaign,
        l.company,
        coalesce(nullif(trim(l.territory), ''), ai.territory, an.territory, oi.territory, onm.territory)
            as territory,
        coalesce(oi.owner_name, l.owner) as owner,
        case when dl.won_deal_count > 0 then 'won' else l.stage end as current_stage,
        l.mql_at,
        l.sal_at,
        coalesce(l.opportunity_at, l.converted_at, dl.first_deal_created_at) as opportunity_at,
        l.proposal_at,
        coalesce(l.won_at, dl.first_won_at) as won_at,
        coalesce(
            l.exit_at,
            case when dl.is_all_lost and l.won_at is null then dl.last_lost_at end
        ) as exit_at_raw,
        coalesce(
            l.exit_reason,
            case when dl.is_all_lost and l.won_at is null then 'lost' end
        ) as exit_reason_raw,
        case when l.exit_reason is null and dl.is_all_lost and l.won_at is null then 'lost' end
            as exit_kind_raw,
        coalesce(l.is_converted, false) or dl.lead_id is not null as is_flagged_converted,
        dl.deal_stage_index,
        l.assigned_at,
        l.first_response_at,
        l.followup_count,
        coalesce(dl.won_amount, l.amount) as amount,
        x.dates as extra_dates,
        least(t.first_activity_at, l.first_response_at) as first_touch_at,
        coalesce(t.activity_count, l.followup_count) as touch_count,
        list_filter(list_concat(coalesce(t.touch_times, []), [l.first_response_at]), lambda x: x is not null)
            as touch_times
    from leads as l
    left join deals_by_lead as dl on l.lead_id = dl.lead_id
    left join owner_ids as oi on l.owner = oi.key
    left join owner_names as onm on l.owner = onm.key
    left join account_ids as ai on l.account_id = ai.key
    left join account_names as an on lower(trim(l.company)) = an.key
    left join lead_dates as x on l.lead_id = x.lead_id
    left join touches as t on l.lead_id = t.lead_id
),

deal_records as (
    select
        'D:' || d.deal_id as record_id,
        'deal' as record_type,
        cast(null as varchar) as lead_id,
        d.deal_id,
        d.created_at,
        d.channel as channel_raw,
        d.campaign,
        d.company,
        coalesce(nullif(trim(d.territory), ''), ai.territory, an.territory, oi.territory, onm.territory)
            as territory,
        coalesce(oi.owner_name, d.owner) as owner,
        case when k.is_won then 'won' else d.stage end as current_stage,
        cast(null as timestamp) as mql_at,
        cast(null as timestamp) as sal_at,
        d.created_at as opportunity_at,
        cast(null as timestamp) as proposal_at,
        case when k.is_won then d.closed_at end as won_at,
        case when k.is_lost then d.closed_at end as exit_at_raw,
        case when k.is_lost then coalesce(d.lost_reason, 'lost') end as exit_reason_raw,
        case when k.is_lost then 'lost' end as exit_kind_raw,
        true as is_flagged_converted,
        cast(null as integer) as deal_stage_index,
        cast(null as timestamp) as assigned_at,
        cast(null as timestamp) as first_response_at,
        cast(null as integer) as followup_count,
        k.amount,
        x.dates as extra_dates,
        cast(null as timestamp) as first_touch_at,
        cast(null as bigint) as touch_count,
        cast([] as timestamp[]) as touch_times
    from deals as d
    inner join links as k on d.deal_id = k.deal_id
    left join owner_ids as oi on d.owner = oi.key
    left join owner_names as onm on d.owner = onm.key
    left join account_ids as ai on d.account_id = ai.key
    left join account_names as an on lower(trim(d.company)) = an.key
    left join deal_dates as x on d.deal_id = x.deal_id
    where k.lead_id is null
),

unioned as (
    select * from lead_records
    union all
    select * from deal_records
),

-- the data's as-of date (funnel_as_of: one row, read from the business tables, so a record's row
-- depends on no other record's)
as_of as (
    select raw_as_of as data_as_of from funnel_as_of
),

-- the channel map, resolved once per distinct channel value rather than once per record
channel_map as (
    select
        v.channel_raw,
        coalesce(c.channel_label, nullif(trim(v.channel_raw), ''), 'Unknown') as channel,
        coalesce(c.sourced_by, 'unmapped') as sourced_by
    from (select channel as channel_raw from leads union select channel from deals) as v
    left join config_channels as c
        on lower(regexp_replace(coalesce(v.channel_raw, ''), '[^A-Za-z0-9]', '', 'g')) = c.channel_key
),

-- per record and configured stage: the stage's date from its column, and whether it has one
known as (
    select
        u.*,
        u.won_at is not null or u.current_stage = 'won' as is_won_record,
        case when u.record_type = 'deal' then f.sql_index else 1 end as entry_index,
        list_select([
            u.created_at, u.mql_at, u.sal_at,
            case when u.record_type = 'lead' then u.opportunity_at end,
            u.proposal_at, u.won_at, null
        ], f.column_index) as column_at,
        list_select([
            u.record_type = 'lead', u.mql_at is not null, u.sal_at is not null,
            u.record_type = 'lead' and u.opportunity_at is not null,
            u.proposal_at is not null, u.won_at is not null, false
        ], f.column_index) as column_known
    from unioned as u
    cross join funnel as f
),

-- per record and configured stage: the stage's known date (its column, else a real stage-entry
-- date from stage_history / lead_stage_dates), and whether the record has one
known_stages as (
    select
        k.* exclude (column_at, column_known),
        case
            -- a deal with no loaded lead entered the SQL stage when it was created
            when k.record_type = 'deal' then list_transform(k.column_at, lambda v, i: case
                when i = f.sql_index then least(k.opportunity_at, coalesce(v, k.extra_dates[f.stages[i]]))
                else coalesce(v, k.extra_dates[f.stages[i]]) end)
            when k.extra_dates is not null then list_transform(k.column_at, lambda v, i:
                coalesce(v, k.extra_dates[f.stages[i]]))
            else k.column_at
        end as known_at,
        case
            when k.record_type = 'deal' then list_transform(k.column_known, lambda h, i: h or i = f.sql_index
                or coalesce(k.extra_dates[f.stages[i]] is not null, false))
            when k.extra_dates is not null then list_transform(k.column_known, lambda h, i:
                h or coalesce(k.extra_dates[f.stages[i]] is not null, false))
            else k.column_known
        end as is_known,
        list_position(f.stages, k.current_stage) as status_index
    from known as k
    cross join funnel as f
),

bounded as (
    select
        k.*,
        greatest(
            coalesce(list_max(list_transform(k.is_known, lambda h, i: case when h then i end)), 0),
            coalesce(k.status_index, 0),
            coalesce(k.deal_stage_index, 0),
            k.entry_index,
            case when k.is_flagged_converted then f.sql_index else 0 end,
            case when k.is_won_record then f.n_stages else 0 end
        ) as reached_index
    from known_stages as k
    cross join funnel as f
),

reached as (
    select
        b.*,
        case
            -- most records sit at one stage: nothing to infer from neighbours
            when b.entry_index = b.reached_index then list_transform(range(1, f.n_stages + 1),
                lambda i: case when i = b.entry_index then coalesce(b.known_at[i], b.created_at) end)
            else list_transform(range(1, f.n_stages + 1), lambda i: case
                when i between b.entry_index and b.reached_index then coalesce(
                    b.known_at[i],
                    list_min(b.known_at[i:b.reached_index]),
                    list_max(b.known_at[b.entry_index:i]),
                    b.created_at
                )
            end)
        end as stage_at,
        list_transform(range(1, f.n_stages + 1), lambda i: case
            when i between b.entry_index and b.reached_index then b.known_at[i] is null
        end) as stage_inferred,
        -- a date or a status for each stage (bit i - 1)
        list_sum(list_transform(range(1, f.n_stages + 1), lambda i: case
            when (b.is_known[i] and b.known_at[i] is not null)
                or i = b.entry_index
                or i = b.status_index
                or i = b.deal_stage_index
                or (i = f.sql_index and b.is_flagged_converted)
                or (i = f.n_stages and b.is_won_record)
                then 1 << (i - 1)
            else 0
        end)) as stage_mask,
        f.sql_index,
        f.sal_index,
        least(b.reached_index, f.n_stages - 1) as last_step_index,
        b.is_won_record or b.reached_index >= f.sql_index as is_converted
    from bounded as b
    cross join funnel as f
),

-- quiet spells: the record's movements (its known stage dates, its touches, its creation) in time
-- order; a gap of more than stale_days before the SQL stage is a quiet spell
moves as (
    select
        r.*,
        list_sort(list_distinct(list_filter(
            list_concat(r.known_at, r.touch_times, [r.created_at]), lambda x: x is not null
        ))) as moved_at,
        r.stage_at[f.sql_index] as sql_stage_at,
        -- a loaded exit that only says the lead went quiet is the recycled state, not an exit
        coalesce(lower(trim(r.exit_reason_raw)) in ('stale', 'recycled', 'nurture', 'nurturing'), false)
            as is_quiet_reason
    from reached as r
    cross join funnel as f
),

spells as (
    select
        m.*,
        list_max(m.moved_at) as last_moved_at,
        -- the index of the first movement after the latest quiet spell (NULL: none)
        list_max(list_filter(range(2, len(m.moved_at) + 1), lambda i:
            m.moved_at[i] - m.moved_at[i - 1] > to_days(s.stale_days)
            and m.moved_at[i - 1] < coalesce(m.sql_stage_at, m.moved_at[i])
        )) as return_index,
        a.data_as_of,
        s.stale_days
    from moves as m
    cross join as_of as a
    cross join settings as s
),

quiet as (
    select
        r.* exclude (moved_at, return_index),
        r.record_type = 'lead'
            and not coalesce(r.is_won_record, false)
            and not coalesce(r.is_converted, false)
            and (
                r.is_quiet_reason
                or (r.exit_at_raw is null and r.exit_reason_raw is null
                    and coalesce(r.last_moved_at < r.data_as_of - to_days(r.stale_days), false))
            )
            as is_recycled,
        case when r.record_type = 'lead' then r.moved_at[r.return_index] end as came_back_at,
        case when r.record_type = 'lead' then r.moved_at[r.return_index - 1] + to_days(r.stale_days) end
            as quiet_from
    from spells as r
),

final as (
    select
        r.record_id,
        r.record_type,
        r.lead_id,
        r.deal_id,
        r.created_at,
        cast(r.created_at as date) as created_date,
        m.channel,
        m.sourced_by,
        r.campaign,
        r.company,
        coalesce(nullif(trim(r.territory), ''), 'Unassigned') as territory,
        coalesce(nullif(trim(r.owner), ''), 'Unassigned') as owner,
        r.current_stage,
        r.mql_at,
        r.sal_at,
        r.opportunity_at,
        r.proposal_at,
        r.won_at,
        r.is_won_record as is_won,
        r.is_converted,
        case
            when r.is_won_record or r.is_quiet_reason then null
            when r.exit_at_raw is not null or r.exit_reason_raw is not null then r.exit_at_raw
        end as exit_at,
        case
            when r.is_won_record or r.is_quiet_reason then null
            when r.exit_at_raw is not null or r.exit_reason_raw is not null
                then coalesce(r.exit_reason_raw, 'exited')
        end as exit_reason,
        case
            when r.is_won_record or r.is_quiet_reason then null
            when r.exit_kind_raw is not null then r.exit_kind_raw
            when r.exit_at_raw is not null or r.exit_reason_raw is not null then case
                when lower(r.exit_reason_raw) like '%disqualif%' or lower(r.exit_reason_raw) like '%unqualif%'
                    then 'disqualified'
                when lower(r.exit_reason_raw) like '%reject%' then 'rejected'
                when lower(r.exit_reason_raw) like '%lost%' then 'lost'
                when r.reached_index >= r.sql_index then 'lost'
                else 'disqualified'
            end
        end as exit_kind,
        r.is_recycled,
        case
            when r.is_recycled then coalesce(
                case when r.is_quiet_reason then r.exit_at_raw end,
                r.last_moved_at + to_days(r.stale_days)
            )
            else r.quiet_from
        end as recycled_at,
        r.came_back_at,
        case when r.came_back_at is not null then list_max(list_transform(
            range(r.entry_index, r.reached_index + 1),
            lambda i: case when r.stage_at[i] <= r.came_back_at then i end
        )) end as reentry_index,
        r.last_moved_at,
        r.assigned_at,
        r.first_response_at,
        r.followup_count,
        r.amount,
        r.entry_index,
        r.reached_index,
        r.stage_at,
        r.stage_inferred,
        r.stage_mask,
        list_min(r.stage_at[r.entry_index:r.last_step_index]) as step_from_min,
        list_max(r.stage_at[r.entry_index:r.last_step_index]) as step_from_max,
        r.stage_at[r.sql_index] as sql_at,
        cast(r.stage_at[r.sql_index] as date) as sql_date,
        r.sal_index between r.entry_index and r.reached_index as is_accepted,
        case when r.sal_index between r.entry_index and r.reached_index then r.stage_at[r.sal_index] end
            as accepted_at,
        r.first_touch_at,
        r.touch_count,
        list_max(r.touch_times) as last_touch_at
    from quiet as r
    left join channel_map as m on r.channel_raw is not distinct from m.channel_raw
)

select * from final

-- Shared definitions the screen queries call, so each rule is written once.
-- passes_filters: a row's territory, channel, owner and sourced-by pass the shared filters
-- filtered_records / filtered_won / filtered_steps / filtered_deals: funnel_records (with the
--   scorecard's facts) / won_deals / funnel_steps / deal_facts under the shared filters
--   (territory, channel, owner, sourced_by: lists, an empty list meaning 'all').
-- period_share: the fraction of the inclusive date range [s, e] (a target or spend row) that
--   falls inside the half-open period [ps, pe); targets and spend are prorated by it.
create or replace macro passes_filters(f_territory, f_channel, f_owner, f_sourced_by,
        territory, channel, owner, sourced_by) as
    (len(f_territory) = 0 or list_contains(f_territory, territory))
    and (len(f_channel) = 0 or list_contains(f_channel, channel))
    and (len(f_owner) = 0 or list_contains(f_owner, owner))
    and (len(f_sourced_by) = 0 or list_contains(f_sourced_by, sourced_by));

create or replace macro filtered_records(f_territory, f_channel, f_owner, f_sourced_by) as table
    select *
    from funnel_records
    where passes_filters(f_territory, f_channel, f_owner, f_sourced_by, territory, channel, owner, sourced_by);

create or replace macro filtered_won(f_territory, f_channel, f_owner, f_sourced_by) as table
    select *
    from won_deals
    where passes_filters(f_territory, f_channel, f_owner, f_sourced_by, territory, channel, owner, sourced_by);

create or replace macro filtered_steps(f_territory, f_channel, f_owner, f_sourced_by) as table
    select *
    from funnel_steps
    where passes_filters(f_territory, f_channel, f_owner, f_sourced_by, territory, channel, owner, sourced_by);

-- the sales side of the revenue SLA: a handed-off lead rejected with a reason (an exit other than
-- going stale or a bare 'rejected'/'exited') counts as feedback, like acceptance
create or replace macro rejected_with_reason(is_accepted, exit_reason) as
    exit_reason is not null and exit_reason not in ('stale', 'exited', 'rejected') and not is_accepted;

create or replace macro period_share(s, e, ps, pe) as
    datediff('day', greatest(s, ps), least(e + 1, pe)) / datediff('day', s, e + 1);

-- the targets of [ps, pe) per territory, prorated by days (targets sheet), for the given territories
-- (empty list: all): a territory's team targets, else the sum of the personal quotas of its reps.
-- A company-level target (no territory) is not here: company_target has it.
create or replace macro prorated_targets(ps, pe, f_territory) as table
    with rows_ as (
        select
            coalesce(target_territory, 'Unassigned') as territory,
            level,
            revenue_money * period_share(period_start, period_end, ps, pe) as revenue_target,
            mql_quota * period_share(period_start, period_end, ps, pe) as mql_quota
        from target_facts
        where
            period_start < pe
            and period_end + 1 > ps
            and level <> 'company'
            and (len(f_territory) = 0 or list_contains(f_territory, target_territory))
    )
    select
        territory,
        case
            when count(revenue_target) filter (where level = 'territory') > 0
                then sum(revenue_target) filter (where level = 'territory')
            else sum(revenue_target) filter (where level = 'personal')
        end as revenue_target,
        case
            when count(mql_quota) filter (where level = 'territory') > 0
                then sum(mql_quota) filter (where level = 'territory')
            else sum(mql_quota) filter (where level = 'personal')
        end as mql_quota
    from rows_
    group by territory;

-- the revenue target and MQL quota of [ps, pe) for the given territories (empty list: the whole
-- company): the company-level team target when there is one and no territory filter, else the sum
-- of prorated_targets' territories. One row (NULLs: no target).
create or replace macro company_target(ps, pe, f_territory) as table
    with company as (
        select
            sum(revenue_money * period_share(period_start, period_end, ps, pe)) as revenue_target,
            sum(mql_quota * period_share(period_start, period_end, ps, pe)) as mql_quota
        from target_facts
        where period_start < pe and period_end + 1 > ps and level = 'company' and len(f_territory) = 0
    ),
    territories as (
        select sum(revenue_target) as revenue_target, sum(mql_quota) as mql_quota
        from prorated_targets(ps, pe, f_territory)
    )
    select
        coalesce(c.revenue_target, t.revenue_target) as revenue_target,
        coalesce(c.mql_quota, t.mql_quota) as mql_quota
    from company as c
    cross join territories as t;

-- deal_facts under the shared filters (win rate, open pipeline)
create or replace macro filtered_deals(f_territory, f_channel, f_owner, f_sourced_by) as table
    select *
    from deal_facts
    where passes_filters(f_territory, f_channel, f_owner, f_sourced_by, territory, channel, owner, sourced_by);

-- lead records handed off (mql_at) in [ps, pe) under the shared filters, with their facts
create or replace macro handoffs_in(ps, pe, f_territory, f_channel, f_owner, f_sourced_by) as table
    select *
    from filtered_records(f_territory, f_channel, f_owner, f_sourced_by)
    where
        record_type = 'lead'
        and mql_at is not null
        and cast(mql_at as date) >= ps
        and cast(mql_at as date) < pe;

-- the handoffs the revenue SLA judges: marketing-sourced leads handed off in [ps, pe) (a lead sales
-- sourced itself is a rep's own, not a handoff: it is counted beside, never in, either side's figure)
create or replace macro marketing_handoffs_in(ps, pe, f_territory, f_channel, f_owner, f_sourced_by) as table
    select *
    from handoffs_in(ps, pe, f_territory, f_channel, f_owner, f_sourced_by)
    where sourced_by = 'marketing';

-- a handed-off lead no sales touch reached by `as_at` (an activity at or after the handoff, First
-- Response, or a Follow-ups count above 0 with no date), once its first-touch window (sla_hours;
-- NULL: none) has run out by then
create or replace macro never_touched_by(mql_at, first_touch_at, followup_count, as_at, sla_hours) as
    datediff('second', mql_at, as_at) > coalesce(sla_hours, 0) * 3600
    and ((first_touch_at is null and coalesce(followup_count, 0) = 0) or first_touch_at >= as_at);

-- the segment a record falls in for a breakdown ('All' when none is asked for)
create or replace macro segment_of(f_by, channel, territory, owner, campaign, sourced_by) as
    case f_by
        when 'channel' then channel
        when 'territory' then territory
        when 'owner' then owner
        when 'campaign' then coalesce(campaign, '(no campaign)')
        when 'sourced_by' then sourced_by
        else 'All'
    end;

-- whether a step row belongs to the period: by the step's entry (view 'period') or by the
-- record's creation (view 'cohort')
create or replace macro in_view(f_view, created_date, from_at, step_from_min, step_from_max, ps, pe) as
    case f_view
        when 'cohort' then created_date >= ps and created_date < pe
        else cast(from_at as date) >= ps and cast(from_at as date) < pe
    end
    -- implied by the test above, but on the record's own columns: funnel_steps (a view) applies it
    -- before it unnests, so only the records with a step in the period are unnested
    and (f_view = 'cohort' or (step_from_min < pe and step_from_max >= ps));

-- lead records created in [ps, pe) under the shared filters, with their facts (a created-date cohort)
create or replace macro leads_created_in(ps, pe, f_territory, f_channel, f_owner, f_sourced_by) as table
    select *
    from filtered_records(f_territory, f_channel, f_owner, f_sourced_by)
    where record_type = 'lead' and created_date >= ps and created_date < pe;

-- the periods a multi-period query reports on: period i = [starts[i], ends[i]), named labels[i]
create or replace macro periods_of(labels, starts, ends) as table
    select
        unnest(labels) as period,
        cast(unnest(starts) as date) as period_start,
        cast(unnest(ends) as date) as period_end;

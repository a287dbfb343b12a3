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

-- the pipeline on each of the given days (deal_versions): each deal created by then, as it stood
-- that day. status: won | lost once its close date has passed (a won or lost deal with no close date:
-- from its current version on), else open; close_date: its expected close while open, the close date
-- once closed; forecast_category: 'closed' once won, NULL once lost. deals_at(x): one day.
create or replace macro deals_on(days) as table
    select
        d.day,
        v.* exclude (forecast_category, close_date),
        case
            when v.outcome in ('won', 'lost') and (v.closed_on <= d.day or (v.closed_on is null and v.valid_to is null))
                then v.outcome
            else 'open'
        end as status,
        case when v.outcome in ('won', 'lost') and v.closed_on <= d.day then v.closed_on else v.close_date end
            as close_date,
        case
            when v.outcome = 'won' and v.closed_on <= d.day then 'closed'
            when v.outcome = 'lost' and v.closed_on <= d.day then null
            else v.forecast_category
        end as forecast_category
    from (select cast(unnest(days) as date) as day) as d
    inner join deal_versions as v
        on v.valid_from <= d.day
        and (v.valid_to is null or d.day < v.valid_to)
        and (v.created_on is null or v.created_on <= d.day);

create or replace macro deals_at(x) as table
    select * exclude (day) from deals_on([x]);

-- pipeline movement between days a and b for deals closing in [ps, pe) (the Pipeline page's
-- waterfall): one row per deal that moved, with what it adds to each bar (magnitudes; the page and
-- the CLI sign them) so that, summed over the deals,
--   start + created + pulled_in + increased - decreased - won - lost - pushed_out = end
-- holds exactly (a data test checks it on the demo):
--   start: open on day a with a close date in the period; end: the same on day b;
--   created / pulled_in: not in the start, then in the period by b (closed in it by then, or open
--     with a close date in it): created after a, else pulled in (its close date moved into the period);
--   increased / decreased: a starting deal's amount change (its last amount against its amount on a);
--   won / lost: closed between a and b, at its last amount; pushed_out: a starting deal still open
--     with its close date moved out of the period, at its last amount.
-- A blank amount counts as 0 here (has_amount says which deals had none). Deals are attributed to
-- their owner, territory, channel and sourcing on day b (f_* are the shared filters; f_currency ''
-- = every deal, else only the deals of that currency).
create or replace macro pipeline_movement(a, b, ps, pe, f_territory, f_channel, f_owner, f_sourced_by, f_currency)
        as table
    with
    on_a as (select * from deals_at(a)),
    on_b as (
        select *
        from deals_at(b)
        where
            passes_filters(f_territory, f_channel, f_owner, f_sourced_by, territory, channel, owner, sourced_by)
            and (f_currency = '' or coalesce(currency, '') = f_currency)
    ),
    paired as (
        select
            y.deal_id,
            y.deal_name,
            y.company,
            y.owner,
            y.territory,
            y.currency,
            y.created_on,
            x.deal_id is not null as existed,
            x.status as status_a,
            y.status as status_b,
            x.amount as amount_a,
            y.amount as amount_b,
            x.close_date as close_a,
            y.close_date as close_b,
            x.forecast_category as category_a,
            y.forecast_category as category_b,
            coalesce(x.status = 'open' and x.close_date >= ps and x.close_date < pe, false) as in_start,
            coalesce(y.status = 'open' and y.close_date >= ps and y.close_date < pe, false) as in_end,
            y.status in ('won', 'lost') and coalesce(x.status, 'open') = 'open' as closed_between,
            coalesce(y.close_date >= ps and y.close_date < pe, false) as closes_in_period,
            coalesce(x.amount, 0) as amt_a,
            coalesce(y.amount, 0) as amt_b,
            y.amount is not null and (x.deal_id is null or x.amount is not null) as has_amount
        from on_b as y
        left join on_a as x on y.deal_id = x.deal_id
    ),
    flagged as (
        select
            *,
            not in_start and (in_end or (closed_between and closes_in_period)) as entered
        from paired
    )
    select
        deal_id, deal_name, company, owner, territory, currency, created_on, status_a, status_b,
        amount_a, amount_b, close_a, close_b, category_a, category_b, in_start, in_end, has_amount,
        case when in_start then amt_a else 0 end as start_amount,
        case when entered and not existed then amt_b else 0 end as created,
        case when entered and existed then amt_b else 0 end as pulled_in,
        case when in_start and amt_b > amt_a then amt_b - amt_a else 0 end as increased,
        case when in_start and amt_b < amt_a then amt_a - amt_b else 0 end as decreased,
        case when (in_start or entered) and status_b = 'won' and closed_between then amt_b else 0 end as won,
        case when (in_start or entered) and status_b = 'lost' and closed_between then amt_b else 0 end as lost,
        case when in_start and status_b = 'open' and not in_end then amt_b else 0 end as pushed_out,
        case when in_end then amt_b else 0 end as end_amount
    from flagged
    where in_start or in_end or entered;

-- the data's as-of date (funnel_as_of.sql, rule 5): the latest created, stage, close or activity
-- date that is not in the future. Screen queries read it here, never from a record's row, so the
-- rule lives in one place (one row: no scan of the records).
create or replace macro data_as_of() as (select data_as_of from funnel_as_of);

-- Exact quantiles from a histogram (the rollups keep whole days as value -> records): vals in
-- ascending order, counts[i] records having vals[i]. hist_quantile(vals, counts, q) is what
-- quantile_cont(x, q) (and median(x), q = 0.5) gives over those records: position (n - 1) x q, the
-- values at its floor and ceiling ranks, interpolated as lo + (hi - lo) x fraction. NULL when empty.
create or replace macro hist_value_at(vals, cums, r) as
    cast(vals[list_position(list_transform(cums, lambda c: c > r), true)] as double);

create or replace macro hist_quantile_at(vals, cums, rn) as
    hist_value_at(vals, cums, floor(rn))
    + (hist_value_at(vals, cums, ceil(rn)) - hist_value_at(vals, cums, floor(rn))) * (rn - floor(rn));

create or replace macro hist_quantile(vals, counts, q) as
    case when len(vals) > 0 then hist_quantile_at(
        vals,
        list_transform(range(1, len(counts) + 1), lambda i: list_sum(counts[1:i])),
        cast(list_sum(counts) - 1 as double) * cast(q as double)
    ) end;

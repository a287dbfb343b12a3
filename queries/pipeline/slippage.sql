-- slippage: close dates that moved, deal by deal, in a window (deal_changes: from a history export,
-- else between successive uploads, dated the later one): a push is a close date moved later (out
-- of the period, or later within it), a pull-in one moved earlier; days_pushed adds up how far the
-- pushes moved it. The change a CRM makes when the deal closes (its close date set to the day it
-- closed) is not a slip. Beside them, the deals still open past their close date on the day given.
-- Grain: one row per deal with a close-date change in the window or open past its close date.
-- Parameters: $window_start, $window_end (changes on days in [start, end)); $period_start,
--   $period_end (the period: a push from inside it to after it is pushed_out); $as_of_day;
--   $territory, $channel, $owner, $sourced_by (lists; empty = all).
with

deals_ as (
    select *
    from deals_at($as_of_day)
    where passes_filters($territory, $channel, $owner, $sourced_by, territory, channel, owner, sourced_by)
),

moves as (
    select
        c.deal_id,
        try_cast(c.old_value as date) as old_close,
        try_cast(c.new_value as date) as new_close,
        c.changed_on,
        c.is_inferred
    from deal_changes as c
    inner join deals_ as d on c.deal_id = d.deal_id
    where
        c.field = 'close_date'
        and not c.is_initial
        and c.changed_on >= $window_start
        and c.changed_on < $window_end
        and (d.closed_on is null or c.changed_on < d.closed_on)
),

per_deal as (
    select
        deal_id,
        count(*) filter (where new_close > old_close) as pushes,
        count(*) filter (where new_close < old_close) as pull_ins,
        coalesce(sum(datediff('day', old_close, new_close)) filter (where new_close > old_close), 0) as days_pushed,
        count(*) filter (where new_close > old_close and old_close >= $period_start and old_close < $period_end
                         and new_close >= $period_end) as pushed_out,
        arg_min(old_close, changed_on) as close_before,
        max(changed_on) as last_change,
        bool_or(is_inferred) as any_inferred
    from moves
    group by deal_id
),

final as (
    select
        d.deal_id,
        d.deal_name,
        d.company,
        d.owner,
        d.territory,
        d.amount,
        d.status,
        d.close_date,
        coalesce(m.pushes, 0) as pushes,
        coalesce(m.pull_ins, 0) as pull_ins,
        coalesce(m.days_pushed, 0) as days_pushed,
        coalesce(m.pushed_out, 0) as pushed_out,
        m.close_before,
        m.last_change,
        coalesce(m.any_inferred, false) as any_inferred,
        d.status = 'open' and d.close_date < $as_of_day as is_overdue,
        case when d.status = 'open' and d.close_date < $as_of_day
            then datediff('day', d.close_date, $as_of_day) end as days_overdue
    from deals_ as d
    left join per_deal as m on d.deal_id = m.deal_id
    where m.deal_id is not null or (d.status = 'open' and d.close_date < $as_of_day)
)

select * from final order by pushes desc, days_pushed desc, days_overdue desc nulls last, deal_id

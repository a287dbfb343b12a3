-- funnel_as_of: the data's as-of date (issue 13 rule 5): the latest created, stage, close (won or
-- lost) or activity date that is not in the future (after today: marts.rebuild sets the variable
-- revmachine_today); an expected close date never moves it. Dates after today are future-dated
-- (flagged by marts.data_checks) and do not move it.
-- Grain: one row. raw_as_of: the date as the tables give it (funnel_record_rows reads it for the
-- recycled state); data_as_of: the same while the data has a funnel record (a lead or a deal),
-- else NULL (what funnel_records carries and the macro data_as_of() returns); built_on: the day
-- "today" was when it was worked out (an append on another day works it out again from all rows).
-- Kept out of the record rows so that an append that moves the as-of date rewrites one row here,
-- not every record.
-- No parameters.
with

today as (
    select
        cast(coalesce(try_cast(getvariable('revmachine_today') as date), current_date) + 1 as timestamp)
            as cutoff
),

as_of as (
    select greatest(
        (select greatest(
            max(l.created_at) filter (where l.created_at < t.cutoff),
            max(l.mql_at) filter (where l.mql_at < t.cutoff),
            max(l.sal_at) filter (where l.sal_at < t.cutoff),
            max(l.opportunity_at) filter (where l.opportunity_at < t.cutoff),
            max(l.proposal_at) filter (where l.proposal_at < t.cutoff),
            max(l.won_at) filter (where l.won_at < t.cutoff),
            max(l.exit_at) filter (where l.exit_at < t.cutoff),
            max(l.converted_at) filter (where l.converted_at < t.cutoff)
        ) from leads as l cross join today as t),
        (select greatest(
            max(d.created_at) filter (where d.created_at < t.cutoff),
            max(d.closed_at) filter (
                where d.closed_at < t.cutoff
                and (coalesce(d.is_won, false) or coalesce(d.is_lost, false) or coalesce(d.is_closed, false))
            )
        ) from deals as d cross join today as t),
        (select max(a.occurred_at) filter (where a.occurred_at < t.cutoff) from activities as a cross join today as t),
        (select max(h.entered_at) filter (where h.entered_at < t.cutoff) from stage_history as h cross join today as t),
        (select max(s.entered_at) filter (where s.entered_at < t.cutoff) from lead_stage_dates as s cross join today as t)
    ) as raw_as_of
),

final as (
    select
        a.raw_as_of,
        case when exists (select 1 from leads) or exists (select 1 from deals) then a.raw_as_of end as data_as_of,
        cast(t.cutoff as date) - 1 as built_on
    from as_of as a
    cross join today as t
)

select * from final

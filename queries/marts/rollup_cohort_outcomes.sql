-- rollup_cohort_outcomes: the created-date cohort's outcomes by the day they happened (won, else
-- the exit day), so a period compared with the one looked at counts only the outcomes up to the
-- same age (queries/dashboard/scorecard.sql: observed_until). Records with no outcome are not here
-- (rollup_created counts them).
-- Grain: created_date x outcome_day x record_type x territory x channel x owner x sourced_by.
select
    created_date,
    cast(case when is_won then won_at when exit_kind is not null then exit_at end as date) as outcome_day,
    record_type,
    territory,
    channel,
    owner,
    sourced_by,
    count(*) filter (where is_won) as won,
    count(*) filter (where exit_kind is not null) as exited,
    count(*) filter (where exit_kind = 'lost') as lost,
    count(*) filter (where exit_kind = 'disqualified') as disqualified,
    count(*) filter (where exit_kind = 'rejected') as rejected
from funnel_records
where case when is_won then won_at when exit_kind is not null then exit_at end is not null
group by all

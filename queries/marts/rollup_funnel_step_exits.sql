-- rollup_funnel_step_exits: the records that left each funnel step without converting, by exit
-- reason and kind (queries/funnel/step_exits.sql).
-- Grain: one row per dated_by x day x step x territory x channel x owner x sourced_by x exit_reason x
-- exit_kind (dated_by and day as in rollup_funnel_steps); records: how many.
-- No parameters.
select
    v.dated_by,
    case v.dated_by when 'cohort' then s.created_date else cast(s.from_at as date) end as day,
    s.step_index,
    s.territory,
    s.channel,
    s.owner,
    s.sourced_by,
    s.exit_reason,
    s.exit_kind,
    count(*) as records
from funnel_steps as s
cross join (values ('period'), ('cohort')) as v (dated_by)
where s.to_at is null and s.exit_reason is not null
group by all
order by dated_by, day

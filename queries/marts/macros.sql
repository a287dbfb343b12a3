-- Shared definitions the screen queries call, so each rule is written once.
-- filtered_records / filtered_won / filtered_facts / filtered_steps: funnel_records / won_deals /
--   record_facts / funnel_steps under the shared filters
--   (territory, channel, owner, sourced_by: lists, an empty list meaning 'all').
-- period_share: the fraction of the inclusive date range [s, e] (a target or spend row) that
--   falls inside the half-open period [ps, pe); targets and spend are prorated by it.
create or replace macro filtered_records(f_territory, f_channel, f_owner, f_sourced_by) as table
    select *
    from funnel_records
    where
        (len(f_territory) = 0 or list_contains(f_territory, territory))
        and (len(f_channel) = 0 or list_contains(f_channel, channel))
        and (len(f_owner) = 0 or list_contains(f_owner, owner))
        and (len(f_sourced_by) = 0 or list_contains(f_sourced_by, sourced_by));

create or replace macro filtered_won(f_territory, f_channel, f_owner, f_sourced_by) as table
    select *
    from won_deals
    where
        (len(f_territory) = 0 or list_contains(f_territory, territory))
        and (len(f_channel) = 0 or list_contains(f_channel, channel))
        and (len(f_owner) = 0 or list_contains(f_owner, owner))
        and (len(f_sourced_by) = 0 or list_contains(f_sourced_by, sourced_by));

create or replace macro filtered_facts(f_territory, f_channel, f_owner, f_sourced_by) as table
    select *
    from record_facts
    where
        (len(f_territory) = 0 or list_contains(f_territory, territory))
        and (len(f_channel) = 0 or list_contains(f_channel, channel))
        and (len(f_owner) = 0 or list_contains(f_owner, owner))
        and (len(f_sourced_by) = 0 or list_contains(f_sourced_by, sourced_by));

create or replace macro filtered_steps(f_territory, f_channel, f_owner, f_sourced_by) as table
    select *
    from funnel_steps
    where
        (len(f_territory) = 0 or list_contains(f_territory, territory))
        and (len(f_channel) = 0 or list_contains(f_channel, channel))
        and (len(f_owner) = 0 or list_contains(f_owner, owner))
        and (len(f_sourced_by) = 0 or list_contains(f_sourced_by, sourced_by));

create or replace macro period_share(s, e, ps, pe) as
    datediff('day', greatest(s, ps), least(e + 1, pe)) / datediff('day', s, e + 1);

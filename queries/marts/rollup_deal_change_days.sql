-- rollup_deal_change_days: how many deal changes (deal_changes) fall on each day, by kind, so what
-- the deal history covers (pipeline/history_range: its first day, its real and inferred changes)
-- is read from a few hundred rows, not from every change.
-- Grain: one row per changed_on x is_initial x is_inferred. changes: how many deal_changes rows.
-- No parameters.
select
    changed_on,
    is_initial,
    is_inferred,
    count(*) as changes
from deal_changes
group by changed_on, is_initial, is_inferred

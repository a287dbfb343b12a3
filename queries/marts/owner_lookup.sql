-- owner_lookup (a view): an owner as the data names it, a user id or a person's name, resolved to
-- the person's name and territory from the owners / users sheet (issue 13 rule 9: owners by name).
-- Grain: one row per key_kind x key: key_kind 'id' (key = owners.owner_id) or 'name' (key =
-- owners.owner). A record's owner is looked up as an id first, then as a name.
-- No parameters.
with

by_id as (
    select
        'id' as key_kind,
        owner_id as key,
        any_value(owner) as owner_name,
        any_value(territory) as territory
    from owners
    where owner_id is not null
    group by owner_id
),

by_name as (
    select
        'name' as key_kind,
        owner as key,
        any_value(owner) as owner_name,
        any_value(territory) as territory
    from owners
    group by owner
),

final as (
    select * from by_id
    union all
    select * from by_name
)

select * from final

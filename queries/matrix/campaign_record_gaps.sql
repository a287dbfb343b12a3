-- campaign_record_gaps: which fields of each campaign record are empty (seed 001: "basic
-- information about the content of campaigns, targeting, start/end dates and channels used go a
-- long way"). Grain: one row per campaign with at least one empty field. No parameters.
with

gaps as (
    select
        campaign_id,
        campaign_name,
        owner,
        concat_ws(', ',
            case when content is null then 'content' end,
            case when targeting is null then 'targeting' end,
            case when start_date is null then 'start date' end,
            case when end_date is null then 'end date' end,
            case when channel is null then 'channel' end
        ) as empty_fields
    from campaigns
)

select * from gaps where empty_fields <> '' order by campaign_name

-- rollup_funnel_campaigns: the campaigns the funnel's records carry (the Funnel page's campaign
-- picker), counted at load time.
-- Grain: one row per campaign (a record with none is not here); records: how many carry it.
-- No parameters.
select
    campaign,
    count(*) as records
from funnel_records
where campaign is not null
group by campaign

-- rollup_lead_outcomes: lead records per day created x the shared filters' dimensions x campaign, with
-- what they became (the marketer matrix reads these instead of the records): handed off, accepted,
-- and the won revenue of the deals that continue them (won_deals, joined by record: a lead's won
-- revenue is the sum of its won deals' amounts).
-- Grain: one row per created_date x territory x channel x owner x sourced_by x campaign (the
--   record's own campaign value, as the lead names it), lead records only.
-- leads, handed_off (mql_at set), accepted (is_accepted), won_revenue (the sum over the leads of
--   their won revenue, 0 for a lead without), won_leads (leads with won revenue above 0),
--   won_revenue_sq (the sum of its squares over those leads: the spread the lift's interval needs;
--   NULL when none), traceable_revenue (from won deals that name a campaign), won_deals (how many).
-- Sums and counts only: every ratio is formed where it is read.
-- No parameters.
with

revenue as (
    select
        record_id,
        sum(amount) as won_revenue,
        sum(amount) filter (where deal_campaign is not null) as traceable_revenue,
        count(*) as won_deals
    from won_deals
    group by record_id
),

lead_rows as (
    select
        r.created_date,
        r.territory,
        r.channel,
        r.owner,
        r.sourced_by,
        r.campaign,
        r.mql_at is not null as is_handed_off,
        r.is_accepted,
        coalesce(v.won_revenue, 0) as won_revenue,
        coalesce(v.traceable_revenue, 0) as traceable_revenue,
        coalesce(v.won_deals, 0) as won_deals
    from funnel_records as r
    left join revenue as v on r.record_id = v.record_id
    where r.record_type = 'lead'
)

select
    created_date,
    territory,
    channel,
    owner,
    sourced_by,
    campaign,
    count(*) as leads,
    count(*) filter (where is_handed_off) as handed_off,
    count(*) filter (where is_accepted) as accepted,
    sum(won_revenue) as won_revenue,
    count(*) filter (where won_revenue > 0) as won_leads,
    sum(won_revenue * won_revenue) filter (where won_revenue > 0) as won_revenue_sq,
    sum(traceable_revenue) as traceable_revenue,
    sum(won_deals) as won_deals
from lead_rows
group by created_date, territory, channel, owner, sourced_by, campaign

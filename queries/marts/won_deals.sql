-- won_deals: closed-won revenue.
-- Grain: one row per won deal (deal_facts with status 'won'); a lead that reached 'won' with no
-- won deal loaded counts as one won deal with the lead's own amount (a leads-only export still has
-- revenue). amount is NULL when the export has none (a blank amount is not $0); it is in
-- `currency` (the reporting currency once every currency has an exchange rate, else the deal's
-- own); deal_amount / deal_currency are as exported.
-- Attributes (channel, sourced_by, territory, owner) come from the deal, falling back to its
-- lead's record. opportunity_at is when the opportunity was created (deal created date, else
-- the lead's opportunity date): the start of the sales cycle (domain.md "average sales cycle").
-- deal_campaign: the campaign the deal itself names (a lead-only win: the lead's), the closed-loop
-- evidence the marketer matrix reads; campaign falls back to the lead's attribution.
-- No parameters.
select
    deal_id,
    record_id,
    closed_at as won_at,
    closed_date as won_date,
    opportunity_at,
    opportunity_date,
    amount,
    currency,
    deal_amount,
    deal_currency,
    territory,
    owner,
    channel,
    sourced_by,
    campaign,
    deal_campaign
from deal_facts
where status = 'won'

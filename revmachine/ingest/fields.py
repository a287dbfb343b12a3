"""The field catalogue: every kind of sheet the import knows, the fields it reads from it, and how a
header names each field.

A header (folded by headers.parse) matches a field by a phrase (the whole folded header; each phrase
carries how sure that name is: 1.0 for a field's own name, less for a generic word such as 'name' or
'status') or by a token rule (e.g. created/create/creation + date/time/on/at => a created timestamp), so
a header never seen still maps. The content of the column (sniff.py) then confirms or refuses the name.

Vocabularies follow each vendor's documentation of its default fields and export formats:
* Salesforce: Object Reference (Lead, Opportunity, OpportunityHistory, Account, User, Campaign, Task,
  Event: API names as Data Loader, Workbench and the weekly Data Export Service write them), and the
  field labels report exports use ("Opportunity Owner", "Close Date", "Won", "Closed", "Probability (%)").
* HubSpot: default contact, deal and company properties ("Record ID", "Create Date", "Lifecycle Stage",
  "Original Source", "Became a ... Date", "Deal Stage", "Close Date", "Amount", "Deal owner", "Pipeline").
* Marketo person fields ("Person Status", "Acquisition Program", "Lead Source"), Pardot / Account
  Engagement prospect fields ("Prospect Id", "Grade", "Score", "Campaign").
* Pipedrive exports ("Deal - Value", "Deal - Status", "Deal - Won time", "Person - Name", "Organization - Name":
  the object prefix is split off by headers.parse and kept as the header's object).
* Zoho CRM ("Record Id", "Lead Status", "Created Time", "Closing Date", "Expected Revenue", "Probability (%)").
* Microsoft Dynamics 365 Sales ("Created On", "Topic", "Potential Customer", "Status Reason", "Est. Revenue",
  "Est. Close Date", "Actual Revenue", "Actual Close Date", goal "Goal Owner" / "Parent Goal" / "From" / "To").
* Freshsales, Close, Copper, Odoo (crm.lead: stage_id, user_id/id, expected_revenue, date_closed),
  SuiteCRM (sales_stage, date_closed, assigned_user_name), Keap, ActiveCampaign, monday CRM.
* The deal type (new business / existing business / renewal; queries/marts/account_deals.sql reads the
  values): Salesforce Opportunity "Type" (help.salesforce.com "Opportunity Fields": "Most customers use
  the Type drop-down list to measure new versus existing business"; default values New Customer,
  Existing Customer - Upgrade / - Replacement / - Downgrade, often replaced by New Business, Existing
  Business, Add-On Business, Renewal); HubSpot "Deal type" (dealtype: New Business / newbusiness,
  Existing Business / existingbusiness; knowledge.hubspot.com "HubSpot's default deal properties");
  Zoho CRM Deals "Type" (help.zoho.com "Standard Fields in Deals": New Business or Existing Business);
  SuiteCRM "Type" (New Business / Existing Business); Freshsales "Type" (New deal, Subscription
  upgrade, Upsell, Renewal; crmsupport.freshworks.com "What are deal fields"); ServiceNow "Sales Cycle
  Type" (NEWCUST / RENEW / UPSELL). Dynamics 365 Sales opportunities and Pipedrive deals have no
  default deal-type field (learn.microsoft.com opportunity table; Pipedrive's Deal model: title, value,
  currency, status, won_time, labels): their deals are typed from the account's history.
* Accounts after the sale: a status ("Account Status", "Customer Status"), a churn flag and date, and
  an account potential ("Account Potential", "Wallet Size") where a team keeps one; none of the CRMs has
  a default churn or wallet field.
* Ad platforms: Google Ads report columns ("Impr.", "Clicks", "Cost", "Conv.", "Currency code", "Day"),
  Meta Ads Manager ("Reporting starts", "Reporting ends", "Amount spent (USD)", "Ad set name", "Results"),
  LinkedIn Campaign Manager ("Start Date (in UTC)", "Campaign Group Name", "Total Spent"), Microsoft
  Advertising ("TimePeriod", "CampaignName", "Spend", "CurrencyCode").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from revmachine.ingest import headers as _headers
from revmachine.ingest.headers import Header


@dataclass(frozen=True)
class Rule:
    """All of the word groups present (one word of each), none of `none_of`: the header names the field."""

    all_of: tuple[frozenset[str], ...]
    score: float
    none_of: frozenset[str] = frozenset()

    def matches(self, h: Header) -> bool:
        ws = set(h.words)
        return all(g & ws for g in self.all_of) and not (self.none_of & ws)


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # id | ref | text | name | timestamp | date | amount | pct | integer | number | bool | stage | status | period | currency
    phrases: dict[str, float]
    rules: tuple[Rule, ...] = ()
    weight: float = 1.0  # how much a match says the sheet is of this kind
    stored: bool = True  # a column of the kind's table (else read only to build one)
    label: str = ""

    def name_score(self, h: Header) -> float:
        best = self.phrases.get(h.text, 0.0)
        for r in self.rules:
            if r.score > best and r.matches(h):
                best = r.score
        return best


def P(*items: str) -> dict[str, float]:
    """Phrases 'lead id' (score 1.0) or 'id:0.4'; each folded like a header."""
    from revmachine.ingest.headers import normalize

    out: dict[str, float] = {}
    for it in items:
        text, _, score = it.rpartition(":") if ":" in it else (it, "", "")
        key = normalize(text if score else it)
        out[key] = max(out.get(key, 0.0), float(score) if score else 1.0)
    return out


def R(*groups: str, score: float = 0.75, none: str = "") -> Rule:
    """R('created create creation', 'date time on at') : one word of each group, none of `none`."""
    return Rule(tuple(frozenset(g.split()) for g in groups), score, frozenset(none.split()))


def F(name, type_, phrases, rules=(), weight=1.0, stored=True, label="") -> Field:
    return Field(name, type_, phrases, tuple(rules), weight, stored, label or name.replace("_", " "))


DATE_WORDS = "date time on at timestamp datetime day dt when"
CREATED = "created create creation added add opened acquisition acquired"
CLOSE = "close closed closing"

# --- leads / contacts / prospects / persons ----------------------------------------------------
LEADS = (
    F("lead_id", "id", P("lead id", "contact id:0.8", "record id:0.9", "prospect id", "person id", "lead number",
                         "marketo id", "hubspot id", "contact record id", "id:0.8", "lead:0.6", "mql id",
                         "prospect number", "lead guid", "visitor id:0.5", "member id:0.7",
                         "customer id:0.5", "lead record id", "crm id:0.6"),
      [R("lead prospect person", "id number guid", score=0.8, none="converted owner campaign account")], 2.0),
    F("created_at", "timestamp", P("create date", "created date", "created at", "created on", "created time",
                                   "lead created date", "first contact date", "date created", "creation date",
                                   "became a lead date:0.7", "lead date", "inquiry date", "created", "lead created",
                                   "date added", "added on", "add time", "signup date", "sign up date",
                                   "registration date", "date:0.45", "timestamp:0.5", "first seen:0.6",
                                   "create time", "created date time", "member since:0.5"),
      [R(CREATED, DATE_WORDS, score=0.8, none="by modified updated converted last close mql sql")], 1.0),
    F("channel", "text", P("lead source", "original source", "original source type", "origin", "marketing channel",
                           "lead channel", "channel", "acquisition channel", "source:0.8", "utm medium:0.7",
                           "utm source:0.75", "lead source type", "marketing source", "source channel",
                           "original traffic source", "traffic source", "lead origin:0.5", "referral source:0.6",
                           "source type:0.7", "origin channel", "first touch channel", "contact source"),
      [R("source origin channel", score=0.6, none="campaign id name detail details drill data")], 1.5),
    F("campaign", "text", P("campaign", "campaign name", "campaign source", "primary campaign source",
                            "source campaign", "acquisition program", "original campaign", "first touch campaign",
                            "utm campaign", "program:0.7", "program name", "campaign id:0.8",
                            "first campaign", "lead campaign", "recent campaign:0.6", "latest campaign:0.6"),
      [R("campaign", score=0.6, none="member members status type response responded")], 0.8),
    F("company", "text", P("company", "company name", "account", "account name", "organization", "organisation",
                           "org name", "organization name", "associated company", "business name",
                           "company account", "account company",
                           "employer:0.7", "potential customer:0.8", "firm"), (), 0.5),
    F("territory", "text", P("territory", "sales territory", "region", "sales region", "geo", "market:0.7",
                             "area:0.6", "regional office", "sales area", "territory name"),
      [R("territory region", score=0.7, none="id code")], 0.3),
    F("owner", "text", P("lead owner", "contact owner", "owner", "owner name", "owner id:0.85", "sales rep",
                         "user name:0.9", "assigned to user",
                         "rep", "assigned to", "sales agent", "account executive", "salesperson", "sales person",
                         "hubspot owner", "sales owner", "owner full name", "assigned user", "assigned user name",
                         "sdr id:0.7", "sdr:0.7", "prospect owner", "lead owner full name", "user:0.4",
                         "owner alias:0.6", "lead owner id", "contact owner id", "record owner"),
      [R("owner", score=0.7, none="account company assigned date time email phone campaign")], 0.5),
    F("current_stage", "stage", P("lead status:0.9", "lifecycle stage", "lifecyclestage", "lead stage", "funnel stage",
                                  "current stage", "status:0.7", "stage:0.8", "person status", "prospect stage",
                                  "contact stage", "hs lead status", "lifecycle", "status reason:0.5",
                                  "lead status reason:0.6", "revenue stage", "lead lifecycle stage", "stage name:0.8"),
      [R("status stage lifecycle", score=0.6, none="reason date time email marketing subscription owner campaign")],
      1.5),
    F("mql_at", "timestamp", P("mql date", "mql at", "date mql", "marketing qualified date", "mql timestamp",
                               "became a marketing qualified lead date", "marketing qualified lead date", "mql",
                               "date became mql", "marketing qualified at", "mql date time"),
      [R("mql", DATE_WORDS, score=0.8), R("marketing", "qualified", DATE_WORDS, score=0.8)], 2.0),
    # HubSpot's "Sales Qualified Lead" is the lifecycle stage before "Opportunity": sales accepted it
    F("sal_at", "timestamp", P("sal date", "sal at", "sales accepted date", "accepted date", "date accepted",
                               "became a sales accepted lead date", "accepted at", "sal", "sales accepted at",
                               "became a sales qualified lead date"),
      [R("sal accepted", DATE_WORDS, score=0.8)], 2.0),
    F("opportunity_at", "timestamp", P("opportunity date", "sql date", "sql at",
                                       "became a sales qualified lead date:0.6", "became an opportunity date", "opportunity created date", "opp date", "sql",
                                       "opportunity", "date became sql", "sales qualified date"),
      [R("sql opportunity", DATE_WORDS, score=0.75, none="close closed amount"),
       R("sales", "qualified", DATE_WORDS, score=0.8)], 1.5),
    F("proposal_at", "timestamp", P("proposal date", "proposal at", "quote date", "proposal sent date", "proposal",
                                    "quote sent date"),
      [R("proposal quote", DATE_WORDS, score=0.8)], 1.0),
    F("won_at", "timestamp", P("won date", "won at", "closed won date", "became a customer date", "customer date",
                               "converted to customer date", "became customer date", "date became customer",
                               "won time", "customer since"),
      [R("won customer", DATE_WORDS, score=0.8, none="lost")], 1.0),
    F("exit_at", "timestamp", P("exit date", "exit at", "disqualified date", "lost date", "rejected date",
                                "closed lost date", "unqualified date", "disqualified on", "date disqualified"),
      [R("disqualified unqualified rejected lost exit", DATE_WORDS, score=0.8)], 1.0),
    F("exit_reason", "text", P("exit reason", "disqualification reason", "disqualified reason", "rejection reason",
                               "rejected reason", "lost reason", "unqualified reason", "reason:0.6",
                               "reason for disqualification", "disqualify reason", "status reason:0.45"),
      [R("disqualification disqualified disqualify rejection rejected lost unqualified exit", "reason", score=0.8)],
      0.8),
    F("assigned_at", "timestamp", P("assigned date", "assigned at", "assignment date", "date assigned",
                                    "owner assigned date", "hubspot owner assigned date"),
      [R("assigned assignment", DATE_WORDS, score=0.8)], 1.0),
    F("first_response_at", "timestamp", P("first response at", "first response", "first touch date", "first touch",
                                          "first sales activity date", "first call date", "first outreach date",
                                          "first engagement date", "time of first engagement", "responded at",
                                          "first response date", "first contacted date", "first activity date",
                                          "date of first engagement", "first contact made"),
      [R("first", "response touch outreach engagement contacted call", DATE_WORDS, score=0.8,
         none="time to")], 1.5),
    F("followup_count", "integer", P("follow ups", "followups", "follow up count", "followup count",
                                     "number of sales activities", "sales touches", "call attempts",
                                     "number of touches", "num touches", "number of times contacted", "attempts",
                                     "touches", "number of calls", "activity count", "total activities"),
      [R("number count total", "touches attempts activities calls contacted", score=0.75)], 1.5),
    F("amount", "amount", P("amount", "deal amount", "opportunity amount", "won amount", "deal value",
                            "value:0.4", "revenue:0.35"), (), 0.3),
    F("email", "text", P("email", "email address", "e mail", "primary email", "work email", "email 1",
                         "business email", "e mail address"),
      [R("email", score=0.7, none="opt out optout bounced bounce opened sent clicked unsubscribed domain "
                                 "subscription owner")], 1.0),
    F("contact_id", "ref", P("converted contact id", "contact id:0.85", "associated contact id",
                             "primary contact id", "contact record id:0.8", "crm contact fid",
                             "salesforce contact id"), (), 0.3),
    F("account_id", "ref", P("account id", "converted account id", "company id", "associated company id",
                             "organization id", "crm account fid", "primary associated company id"), (), 0.3),
    F("is_converted", "bool", P("is converted", "converted", "converted flag", "lead converted"), (), 1.5),
    F("converted_at", "timestamp", P("converted date", "conversion date", "converted on", "date converted",
                                     "converted at", "converted time"),
      [R("converted conversion", DATE_WORDS, score=0.8)], 1.5),
    F("converted_deal_id", "ref", P("converted opportunity id", "converted deal id", "opportunity id:0.6",
                                    "deal id:0.6", "converted opportunity"), (), 0.5),
    # read to build the lead record, not stored
    F("first_name", "name", P("first name", "firstname", "given name"), (), 0.8, False),
    F("last_name", "name", P("last name", "lastname", "surname", "family name"), (), 0.8, False),
    F("full_name", "name", P("full name", "name:0.5", "contact name", "lead name", "person name", "prospect name"),
      (), 0.6, False),
    F("lead_signal", "text", P("lead score", "score:0.8", "grade:0.7", "rating:0.6", "job title:0.6",
                               "phone:0.5", "mobile:0.5", "mobile phone:0.5", "lead quality", "lead profile",
                               "total visits", "page views per visit", "total time spent on website",
                               "last activity:0.6", "do not email", "do not call", "email opt out",
                               "unsubscribed", "opted out of email", "tags:0.5", "salutation", "lead type:0.5"),
      (), 0.8, False),
)

# --- deals / opportunities -------------------------------------------------------------------
DEALS = (
    F("deal_id", "id", P("opportunity id", "deal id", "opp id", "opportunity number", "record id:0.9", "id:0.8",
                         "deal:0.6", "opportunity:0.6", "deal number", "potential id", "deal record id",
                         "opportunity record id", "external id:0.5", "crm id:0.6",
                         "opportunity guid"),
      [R("opportunity deal potential", "id number guid", score=0.8,
         none="converted lead contact account owner campaign pipeline stage product")], 2.0),
    F("lead_id", "ref", P("lead id", "converted lead id", "mql id", "lead:0.5", "originating lead", "lead number:0.7",
                          "prospect id", "source lead id"), (), 0.5),
    F("contact_id", "ref", P("contact id", "associated contact id", "primary contact id", "person id",
                             "contact person id", "contact record id", "contact ids"), (), 0.3),
    F("account_id", "ref", P("account id", "company id", "organization id", "associated company id", "customer id:0.7",
                             "org id", "seller id:0.6", "primary associated company id"), (), 0.3),
    F("deal_name", "text", P("opportunity name", "deal name", "title:0.7", "name:0.6", "topic:0.8", "deal title",
                             "opportunity title", "potential name", "subject:0.5", "opportunity"
                             ":0.4"),
      [R("opportunity deal", "name title", score=0.8, none="account company contact owner stage product campaign")],
      1.2),
    F("company", "text", P("account name", "account", "company", "company name", "organization", "organisation",
                           "associated company", "organization name", "potential customer", "customer:0.7",
                           "client:0.7", "customer name", "client name", "partner:0.4", "accounts:0.8",
                           "lead name:0.6", "partner id:0.6", "company account", "account company"),
      (), 0.5),
    F("owner", "text", P("opportunity owner", "deal owner", "owner", "sales agent", "sales rep", "rep",
                         "account executive", "salesperson", "sales person", "owner name", "owner id:0.85",
                         "assigned to", "user:0.4", "sr id:0.7", "assigned user name", "assigned user",
                         "responsible", "deal owner name", "owner full name", "opportunity owner id",
                         "deal owner id", "record owner", "sales person name", "owner alias:0.6", "user name:0.9",
                         "user id:0.8", "assigned to user"),
      [R("owner", score=0.7, none="account company contact date time email phone campaign")], 0.5),
    F("territory", "text", P("territory", "sales territory", "region", "sales region", "regional office", "geo",
                             "market:0.7", "sales area", "territory name", "business unit:0.4"),
      [R("territory region", score=0.7, none="id code")], 0.3),
    F("channel", "text", P("lead source", "original source", "deal source", "channel", "source:0.8", "origin",
                           "original source type", "source channel", "marketing channel", "lead origin:0.6",
                           "opportunity source", "source of deal", "source id:0.7"),
      [R("source origin channel", score=0.6, none="campaign id name detail details drill data")], 0.5),
    F("campaign", "text", P("primary campaign source", "campaign", "campaign name", "source campaign",
                            "campaign source", "primary campaign", "campaign id:0.8", "originating campaign"),
      [R("campaign", score=0.6, none="member members status type response")], 0.3),
    F("product", "text", P("product", "product name", "products", "series:0.5", "product line", "product interest:0.7",
                           "product family", "line item:0.5", "sku:0.5", "plan:0.4", "package:0.4"), (), 0.3),
    F("current_stage", "stage", P("deal stage", "opportunity stage", "pipeline stage", "stage", "sales stage",
                                  "stage name", "dealstage", "status:0.5", "phase:0.7", "stage id", "deal phase",
                                  "stage name:0.9", "current stage", "sales stage name", "status label:0.9"),
      [R("stage", score=0.7, none="date time history change duration probability entered days last previous "
                                 "changed order")], 2.0),
    F("status", "status", P("status", "deal status", "opportunity status", "state:0.6", "outcome", "result",
                            "won lost", "win loss", "deal state", "opportunity state", "status code",
                            "status type"),
      [R("status state outcome", score=0.6, none="reason date time email stage geocode payment lead label "
                                                 "sync")], 1.5),
    F("is_won", "bool", P("won", "is won", "closed won", "win", "won flag", "won opportunity", "is closed won"),
      (), 2.5),
    F("is_closed", "bool", P("closed", "is closed", "closed flag", "closed opportunity"), (), 2.0),
    F("created_at", "timestamp", P("created date", "create date", "created on", "created time", "engage date",
                                   "opportunity created date", "deal created", "created at", "deal create date",
                                   "created", "open date", "date created", "add time", "deal created on",
                                   "creation date", "date opened", "opened date", "create time", "created date time"),
      [R(CREATED, DATE_WORDS, score=0.8, none="by modified updated last close lead")], 0.8),
    F("closed_at", "timestamp", P("close date", "closed date", "closed at", "close", "date closed", "closing date",
                                  "actual close date", "close time", "closed on", "deal closed on", "closed time",
                                  "date of close", "close date time"),
      [R(CLOSE, DATE_WORDS, score=0.8, none="expected estimated projected forecast target planned est won lost "
                                           "reason")], 1.5),
    F("expected_close_at", "timestamp", P("expected close date", "estimated close date", "projected close date",
                                          "expected close", "forecast close date", "target close date",
                                          "expected closing date", "estimated close", "expected closing",
                                          "forecasted close date", "date deadline:0.8", "deadline:0.6"),
      [R("expected estimated projected forecast forecasted target planned", CLOSE, score=0.85)], 1.5),
    F("won_time", "timestamp", P("won time", "won date", "date won", "won on", "closed won date", "won at"),
      [R("won", DATE_WORDS, score=0.8, none="lost")], 1.5, False),
    F("lost_time", "timestamp", P("lost time", "lost date", "date lost", "lost on", "closed lost date", "lost at"),
      [R("lost", DATE_WORDS, score=0.8, none="won")], 1.5, False),
    F("amount", "amount", P("close value", "amount", "deal value", "opportunity amount", "deal amount", "value:0.8",
                            "revenue:0.6", "total:0.4", "price:0.4", "estimated revenue", "estimated value",
                            "opportunity value", "potential amount", "annual contract value:0.7", "acv:0.6",
                            "contract value:0.7", "total contract value:0.6", "deal size", "sales amount",
                            "expected value:0.5", "opportunity revenue", "deal revenue",
                            "value formatted:0.9", "amount formatted:0.9",
                            "projected revenue high:0.8", "projected revenue:0.7", "expected revenue:0.4"),
      [R("amount value", score=0.6, none="weighted expected probability currency home company base converted "
                                         "lifetime annual")], 1.5),
    F("actual_amount", "amount", P("actual revenue", "actual amount", "closed amount", "won amount", "actual value",
                                   "actual revenue base:0.8"), (), 1.0, False),
    # read only where the sheet also has an amount (Salesforce's Expected Revenue = Amount x Probability);
    # alone (Odoo's expected_revenue) it is the amount: recognise.FALLBACK
    F("weighted_amount", "amount", P("expected revenue:0.5", "weighted amount", "amount converted",
                                     "estimated revenue converted", "value converted", "projected revenue low:0.7", "weighted value", "weighted revenue",
                                     "weighted deal value", "forecast amount", "amount in company currency:0.9",
                                     "amount in home currency:0.9", "weighted forecast"), (), 0.8, False),
    F("currency", "currency", P("currency", "currency iso code", "deal currency", "currency code",
                                "opportunity currency", "transaction currency", "currency name", "iso code:0.6"), (), 0.5),
    F("probability", "pct", P("probability", "probability percent", "win probability", "close probability",
                              "deal probability", "likelihood:0.8", "chance of winning", "probability of closing",
                              "confidence:0.5"),
      [R("probability", score=0.8)], 1.5),
    F("lost_reason", "text", P("lost reason", "loss reason", "closed lost reason", "reason lost", "reason:0.6",
                               "status reason:0.5", "reason for loss", "close reason", "lost reason description",
                               "loss reason description", "objection:0.6"),
      [R("lost loss", "reason", score=0.8)], 1.0),
    F("pipeline", "text", P("pipeline", "sales pipeline", "pipeline name", "deal pipeline", "board:0.4",
                            "sales process:0.5"), (), 1.0),
    # Odoo archives a lost opportunity (Active = False) whatever stage it sat in
    F("active", "bool", P("active", "is active"), (), 0.5, False),
    # the forecast category as the CRM keeps it: Salesforce ForecastCategoryName (Pipeline, Best Case,
    # Most Likely, Commit, Omitted, Closed; its ForecastCategory API values BestCase, Forecast...:
    # Object Reference, OpportunityStage / Opportunity), HubSpot "Forecast category"
    # (hs_manual_forecast_category: Not forecasted, Pipeline, Best case, Commit, Closed won; knowledge
    # base "Set up the forecast tool"), Dynamics 365 "Forecast Category" (msdyn_forecastcategory:
    # Pipeline, Best case, Committed, Omitted, Won, Lost; "Capture forecast category for opportunity")
    F("forecast_category", "text", P("forecast category name", "forecast category:0.95", "forecastcategoryname",
                                     "hs manual forecast category", "hs forecast category", "forecast category label",
                                     "msdyn forecastcategory"), (), 0.5),
    # new business, existing business (expansion) or a renewal, as the export types the deal; the
    # values are read by queries/marts/account_deals.sql (vocabulary and vendor pages there)
    F("deal_type", "text", P("type:0.7", "opportunity type", "deal type", "dealtype", "deal type name",
                             "opportunity type name", "sales type", "sale type",
                             "sales cycle type", "new or existing", "new existing", "revenue type:0.7",
                             "booking type:0.8", "deal category:0.6"), (), 0.8),
    F("deal_signal", "text", P("next step", "fiscal period",
                               "fiscal quarter", "fiscal year:0.5", "age", "deal age", "stage duration", "days in stage", "competitor:0.6",
                               "rating:0.3", "purchase timeframe", "purchase process",
                               "customer need", "proposed solution", "budget amount:0.6", "quote:0.4",
                               "days to close", "expected revenue:0.2"), (), 1.0, False),
)

# --- campaigns ---------------------------------------------------------------------------------
CAMPAIGNS = (
    F("campaign_id", "id", P("campaign id", "program id", "id:0.7", "campaign:0.6", "campaign number",
                             "record id:0.7"),
      [R("campaign program", "id number", score=0.8)], 1.0),
    F("campaign_name", "text", P("campaign name", "program name", "name:0.7", "program:0.7", "campaign",
                                 "title:0.6", "campaign title"), (), 2.0),
    F("channel", "text", P("channel", "campaign type", "program channel", "campaign channel", "medium", "type:0.7",
                           "program type", "campaign channel type", "channel type"), (), 1.0),
    F("owner", "text", P("campaign owner", "marketer", "owner", "manager:0.6", "owner name", "program owner",
                         "owner id:0.85", "user name:0.9"), (), 0.5),
    F("start_date", "date", P("start date", "launch date", "begin date", "start:0.8", "proposed start",
                              "actual start", "starts", "campaign start date", "start time:0.7"),
      [R("start starts begin launch", score=0.7, none="reporting")], 1.0),
    F("end_date", "date", P("end date", "finish date", "end:0.8", "proposed end", "actual end", "ends",
                            "campaign end date", "end time:0.7"),
      [R("end ends finish", score=0.7, none="reporting")], 1.0),
    F("targeting", "text", P("targeting", "target audience", "audience", "segment:0.7", "target market",
                             "target segment"), (), 1.0),
    F("content", "text", P("content", "asset", "offer", "message", "description:0.7", "objective:0.6",
                           "campaign description", "creative:0.6"), (), 0.8),
    F("spend", "amount", P("spend", "actual cost", "cost", "amount spent", "total cost", "actual cost in campaign",
                           "total actual cost", "total cost of campaign", "spent"), (), 1.0),
    F("budget", "amount", P("budgeted cost", "budget", "budget allocated", "budgeted cost in campaign",
                            "planned cost", "campaign budget"), (), 1.0, False),
    F("currency", "currency", P("currency", "currency iso code", "currency code"), (), 0.3),
    F("status", "text", P("status", "campaign status", "status reason:0.4", "state:0.5", "active:0.5"), (), 0.5),
    F("campaign_signal", "text", P("expected response", "number sent", "num sent", "expected revenue:0.4",
                                   "leads in campaign", "contacts in campaign", "responses in campaign",
                                   "parent campaign", "template:0.6", "number of leads", "members"), (), 0.8, False),
)

# --- ad-platform performance reports ------------------------------------------------------------
ADS = (
    F("period", "date", P("day", "date", "week", "month", "time period", "reporting date", "date range:0.6",
                          "week start", "month of year:0.6", "gregorian date"), (), 0.5),
    F("period_start", "date", P("reporting starts", "start date", "date start", "from", "report start",
                                "start:0.7", "reporting start", "start date in utc", "period start"),
      [R("start starts", score=0.7)], 0.5),
    F("period_end", "date", P("reporting ends", "end date", "date stop", "to:0.7", "report end", "end:0.7",
                              "reporting end", "end date in utc", "period end"),
      [R("end ends stop", score=0.7)], 0.5),
    F("platform", "text", P("platform", "publisher platform", "network", "ad network", "ad platform", "source:0.4"),
      (), 0.5),
    F("account", "text", P("account", "account name", "ad account", "ad account name", "advertiser",
                           "customer id:0.6", "account id:0.6", "customer name"), (), 0.3),
    F("campaign", "text", P("campaign", "campaign name", "campaign group name:0.3"), (), 1.5),
    F("campaign_id", "ref", P("campaign id"), (), 0.5),
    F("ad_group", "text", P("ad group", "ad set name", "ad set", "adset name", "ad group name", "adgroup name",
                            "adgroup"), (), 1.0),
    F("impressions", "integer", P("impressions", "impr", "imps", "total impressions"), (), 3.0),
    F("clicks", "integer", P("clicks", "link clicks", "clicks all", "total clicks", "interactions:0.5"), (), 2.5),
    F("cost", "amount", P("cost", "spend", "amount spent", "total spent", "total spend", "spent", "cost usd:0.9",
                          "amount spent usd:0.9", "media cost"), (), 2.0),
    F("conversions", "number", P("conversions", "results:0.6", "total conversions", "all conversions:0.7",
                                 "conversion:0.8", "leads:0.4", "purchases:0.4"), (), 1.5),
    # Meta's 'Results' count what the ad set optimises for, named by 'Result indicator': only lead,
    # purchase and other conversion results are conversions (link clicks or reach are not)
    F("result_indicator", "text", P("result indicator", "result type"), (), 0.5, False),
    F("currency", "currency", P("currency", "currency code", "account currency"), (), 0.5),
    F("ads_signal", "text", P("ctr", "cpc", "cpm", "average cpc", "average cpm", "cost conversions",
                              "cost per result", "cost per results", "reach", "frequency", "interaction rate",
                              "conversion rate", "average cost", "search impression share", "quality score",
                              "click through rate", "delivery", "result indicator", "campaign status:0.5",
                              "budget:0.5", "bid strategy type", "campaign type:0.5", "view through conversions",
                              "conversions value", "cost per conversion", "engagements",
                              "video views", "ctr link click through rate", "cpc cost per link click"),
      (), 1.5, False),
)

# --- spend by month and function -----------------------------------------------------------------
SPEND = (
    F("period", "period", P("spend month", "month", "period", "date:0.7", "quarter:0.8", "year:0.6",
                            "fiscal period", "spend period", "month of spend"), (), 0.8),
    F("function", "text", P("function", "department", "team:0.6", "side", "cost center", "category:0.4",
                            "cost type:0.6", "budget line:0.5"), (), 2.5),
    F("channel", "text", P("channel", "marketing channel:0.9"), (), 0.5),
    F("amount", "amount", P("spend", "amount", "cost", "actual", "actual spend", "expense", "total:0.6",
                            "spend amount", "amount spent"), (), 1.5),
    F("currency", "currency", P("currency", "currency code"), (), 0.3),
)

# --- revenue targets, quotas and goals --------------------------------------------------------------
TARGETS = (
    F("period", "period", P("period", "quarter", "fiscal period", "month:0.8", "year:0.6", "fiscal quarter",
                            "target period", "quota period", "goal period", "period name"), (), 0.8),
    F("period_start", "date", P("from", "start date", "period start", "start:0.7", "valid from", "from date",
                                "period start date", "quota start date"), (), 0.8),
    F("period_end", "date", P("to", "end date", "period end", "end:0.7", "valid to", "to date", "period end date",
                              "quota end date"), (), 0.8),
    F("fiscal_year", "text", P("fiscal year", "fy"), (), 0.3, False),
    F("territory", "text", P("territory", "region", "sales region", "regional office", "sales territory",
                             "team:0.5", "sales team:0.6"), (), 0.5),
    F("owner", "text", P("goal owner", "quota owner", "owner", "sales rep", "rep", "salesperson",
                         "region lead:0.6", "territory lead:0.6", "regional lead:0.6", "territory owner",
                         "quota owner id", "user:0.5", "owner name", "assigned to:0.7", "manager:0.3"), (), 0.5),
    F("revenue_target", "amount", P("revenue target", "target revenue", "revenue quota", "quota", "target", "goal",
                                    "quota amount", "target amount", "sales target", "goal amount", "sales quota",
                                    "revenue goal", "target value", "quota value", "bookings target"),
      [R("target quota goal", score=0.75, none="mql mqls lead leads name owner period id metric type achieved "
                                               "actual in progress")], 3.0),
    F("mql_quota", "integer", P("mql quota", "mql target", "lead quota", "mqls", "lead target", "mql goal",
                                "leads target"), (), 3.0),
    F("goal_name", "text", P("name:0.6", "goal name", "goal:0.5", "target name", "quota name"), (), 0.3),
    F("parent_goal", "text", P("parent goal", "parent", "parent goal name", "rolls up to", "parent quota"), (), 1.0,
      False),
    F("currency", "currency", P("currency", "currency code", "currency iso code"), (), 0.3),
    # what a goal counts (Dynamics 365: 'Revenue' / 'No. of Won Deals'; Metric Type 'Amount' / 'Count'):
    # only money goals are revenue targets
    F("goal_metric", "text", P("goal metric", "name goal metric", "metric", "quota type", "target type",
                               "measure"), (), 0.8, False),
    F("metric_type", "text", P("metric type", "metric type goal metric", "amount or quantity", "is amount"),
      (), 0.8, False),
    F("quantity_target", "number", P("quota quantity", "target quantity", "quantity quota", "quantity"), (), 1.0,
      False),
    F("targets_signal", "text", P("goal period type", "actual", "in progress", "percentage achieved", "achieved",
                                  "stretched target", "forecasting type id", "period id", "forecasting type"),
      (), 0.8, False),
)

# --- activities: tasks, calls, meetings, emails -----------------------------------------------------
ACTIVITIES = (
    F("activity_id", "id", P("activity id", "task id", "event id", "id:0.6", "activity number", "activity:0.5",
                             "call id", "meeting id", "engagement id", "record id:0.5"),
      [R("activity task event call meeting engagement", "id", score=0.8)], 1.0),
    F("lead_id", "ref", P("lead id", "contact id", "who id", "related record id:0.7", "record id:0.4", "person id",
                          "name id:0.6", "associated contact id", "lead:0.4", "contact:0.4", "related to:0.4",
                          "regarding:0.4", "associated contact"), (), 0.8),
    F("deal_id", "ref", P("what id:0.7", "opportunity id", "deal id", "related to id:0.6", "regarding:0.5",
                          "associated deal id", "opportunity:0.4", "deal:0.4", "associated deal"),
      (), 0.8),
    F("occurred_at", "timestamp", P("activity date", "occurred at", "completed date", "timestamp:0.7", "date:0.6",
                                    "created date:0.6", "start time", "due date", "actual start", "activity date time",
                                    "date time:0.7", "done time", "start date:0.6", "scheduled start",
                                    "completed on", "created on:0.5", "call date", "meeting date", "activity timestamp",
                                    "due date time", "completed at", "time:0.5", "activity created date:0.8"),
      [R("activity call meeting task event", DATE_WORDS, score=0.75, none="id")], 1.0),
    F("activity_type", "text", P("activity type", "task type", "touch type", "type:0.7", "subtype", "event type",
                                 "activity subtype", "task subtype", "call type:0.6", "engagement type",
                                 "activity category"), (), 2.0),
    F("owner", "text", P("assigned to", "owner", "rep", "sales rep", "activity owner", "organizer:0.7",
                         "assigned user", "user:0.5", "owner name", "owner id:0.85", "activity assigned to",
                         "task owner", "done by", "assigned to user", "user name:0.9"), (), 0.5),
    F("subject", "text", P("subject", "title:0.7", "activity subject", "name:0.4", "task subject",
                           "activity name", "note:0.4"), (), 1.5),
    F("activity_signal", "text", P("duration", "location", "priority", "required attendees", "end time",
                                   "actual end", "is online meeting", "call result", "call duration", "outcome:0.5",
                                   "completed:0.6", "done:0.6", "due date:0.5", "attendees", "meeting location",
                                   "activity status:0.8", "description:0.4"), (), 1.0, False),
)

# --- owners / users / sales team -------------------------------------------------------------------
OWNERS = (
    F("owner_id", "id", P("user id", "id:0.7", "owner id", "employee id", "rep id", "sales rep id", "sdr id",
                          "agent id", "record id:0.6", "user record id", "sr id", "member id:0.5"),
      [R("user employee rep agent owner", "id", score=0.8, none="manager role profile")], 1.0),
    F("owner", "name", P("sales agent", "sales rep", "rep", "owner", "name:0.7", "user:0.7", "full name",
                         "salesperson", "employee", "display name", "rep name", "agent", "owner name",
                         "user full name", "user name:0.5", "employee name", "sales person", "member name"),
      (), 1.0),
    F("first_name", "name", P("first name", "firstname", "given name"), (), 1.0, False),
    F("last_name", "name", P("last name", "lastname", "surname", "family name"), (), 1.0, False),
    F("manager", "text", P("manager", "sales manager", "manager name", "reports to", "manager id", "supervisor",
                           "team lead", "manager full name", "reports to id", "line manager"), (), 3.0),
    F("territory", "text", P("regional office", "territory", "region", "team:0.7", "sales team", "office:0.8",
                             "business unit:0.7", "division:0.6", "role:0.4", "user role:0.5", "sales region"),
      (), 1.0),
    F("email", "text", P("email", "primary email", "email address", "work email", "e mail"), (), 1.0),
    F("title", "text", P("title", "job title", "position", "role:0.6"), (), 1.5),
    F("owners_signal", "text", P("username", "alias", "is active", "active:0.5", "profile", "user role",
                                 "time zone", "locale", "quota:0.3", "hire date", "department:0.5", "phone:0.3",
                                 "mobile:0.3", "user license", "federation id", "nickname"), (), 1.0, False),
)

# --- accounts / companies -----------------------------------------------------------------------------
ACCOUNTS = (
    F("account_id", "id", P("account id", "id:0.7", "company id", "record id:0.8", "organization id",
                            "account number:0.5"),
      [R("account company organization organisation", "id", score=0.8, none="parent owner")], 1.0),
    F("company", "text", P("account name", "account", "company", "company name", "name:0.7", "organization",
                           "organization name", "organisation", "business name", "customer name"), (), 1.5),
    F("territory", "text", P("territory", "region", "sales region", "sales territory", "regional office",
                             "territory name"), (), 1.0),
    F("industry", "text", P("industry", "sector", "vertical", "industry type", "business type:0.6"), (), 2.0),
    F("owner", "text", P("account owner", "owner", "owner name", "owner id:0.9", "account manager", "company owner",
                         "sales rep:0.6"), (), 0.5),
    F("country", "text", P("country", "billing country", "office location:0.8", "address 1 country region",
                           "country region", "hq country", "shipping country:0.6", "country code:0.7"), (), 0.8),
    # whether the account is still a customer: a status or type whose value says churned / former
    # customer / cancelled (read by queries/marts/account_deals.sql), a churn flag, the date it churned
    F("status", "text", P("account status", "customer status", "status:0.6", "relationship status",
                          "account stage:0.7", "customer stage:0.7", "account lifecycle stage:0.7",
                          "churn status", "subscription status:0.7", "customer state:0.7"), (), 1.0),
    F("is_churned", "bool", P("churned", "churn", "is churned", "churn flag", "has churned", "churned customer",
                              "lost customer:0.7", "is former customer", "former customer"), (), 2.0),
    F("churned_at", "timestamp", P("churn date", "churned date", "date churned", "churned on", "churned at",
                                   "cancellation date", "cancelled date", "canceled date", "date cancelled",
                                   "date canceled", "customer end date", "lost customer date",
                                   "became a former customer date"),
      [R("churn churned cancellation cancelled canceled", DATE_WORDS, score=0.8)], 2.0),
    # what the account could spend with us a year (its wallet): wallet share = its won revenue over the
    # trailing twelve months / this. Annual Revenue (the customer's own turnover) is not it.
    F("potential", "amount", P("account potential", "potential", "wallet size", "wallet", "share of wallet potential",
                               "total addressable spend", "annual potential", "potential revenue", "potential spend",
                               "spend potential", "revenue potential", "account potential value", "wallet estimate",
                               "estimated wallet", "addressable spend", "account wallet", "total wallet"), (), 2.0),
    F("account_signal", "text", P("annual revenue", "employees", "number of employees", "phone:0.6",
                                  "main phone", "website", "billing city", "billing state", "billing state province",
                                  "address 1 city", "address 1 state province", "city:0.6", "state:0.4",
                                  "sic code", "year established", "subsidiary of", "parent account",
                                  "primary contact:0.6", "account type", "type:0.3", "ownership", "ticker symbol",
                                  "revenue:0.5", "company size", "domain", "company domain name", "naics code",
                                  "number of employees range", "account source:0.5"), (), 1.0, False),
)

# --- stage history (long form) -------------------------------------------------------------------------
STAGE_HISTORY = (
    F("record_id", "ref", P("opportunity id", "deal id", "record id:0.8", "lead id", "object id", "parent id",
                            "item id", "id:0.3", "opportunity", "deal:0.6", "contact id:0.7"),
      (), 1.5),
    F("stage", "stage", P("stage name", "stage", "new value:0.8", "to stage", "new stage", "value:0.5",
                          "deal stage", "stage to", "status:0.5", "lifecycle stage:0.8", "stage entered"), (), 2.0),
    F("entered_at", "timestamp", P("created date:0.8", "changed at", "change date", "date:0.6", "timestamp:0.8",
                                   "time:0.6", "update time", "entered at", "date entered", "log time",
                                   "modified date:0.6", "changed on", "change time", "entered stage at", "edit date", "edited date",
                                   "edited at",
                                   "stage entered date", "date changed", "created on:0.6", "log date"),
      [R("changed change entered update", DATE_WORDS, score=0.8)], 1.5),
    # a history with no ids names its record (the deal by its company or name); the amount on a row is
    # what deals derived from the history carry (stage.derive_deals)
    F("record_name", "text", P("company", "company name", "account", "account name", "deal name", "opportunity name",
                               "customer", "customer name", "client", "organization", "name:0.6", "deal:0.5"),
      (), 0.5, False),
    F("amount", "amount", P("amount", "deal value", "value:0.7", "deal amount", "opportunity amount",
                            "deal size"), (), 0.2, False),
    F("field", "text", P("field", "property", "field name", "property name", "changed field", "attribute"), (),
      3.0, False),
    F("old_value", "text", P("old value", "from stage", "previous value", "old stage", "previous stage",
                             "stage from"), (), 3.0, False),
    F("history_signal", "text", P("expected revenue:0.5", "is deleted:0.5",
                                  "system modstamp:0.6", "created by id:0.4", "prev amount", "prev close date",
                                  "from forecast category", "probability:0.3", "data type:0.6", "datatype:0.6"),
      (), 0.5, False),
    # what a snapshot-style history row says beside its stage (Salesforce OpportunityHistory: StageName,
    # Amount, CloseDate, ForecastCategory, Probability per change; Object Reference "OpportunityHistory"):
    # read into deal_field_history (ingest/history.py), not stored here
    F("amount", "amount", P("amount:0.6", "to amount", "new amount"), (), 0.15, False),
    F("close_date", "date", P("close date:0.6", "to close date", "new close date", "expected close date:0.5"),
      (), 0.15, False),
    F("forecast_category", "text", P("forecast category:0.6", "to forecast category", "forecast category name:0.6",
                                     "to forecastcategory"), (), 0.15, False),
)


@dataclass(frozen=True)
class Kind:
    name: str
    table: str
    label: str  # as a person says it: 'deals / opportunities'
    fields: tuple[Field, ...]
    hints: tuple[str, ...]  # words of a file or sheet name that suggest the kind
    objects: tuple[str, ...]  # header objects (headers.OBJECT_WORDS values) that are this kind's own
    anchors: frozenset[str] = field(default_factory=frozenset)  # one of these must be named

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("leads", "leads", "leads / contacts", LEADS,
         ("lead", "contact", "prospect", "people", "person", "mql", "member", "subscriber", "signup"),
         ("lead", "person"),
         frozenset({"lead_id", "current_stage", "channel", "mql_at", "sal_at", "email", "is_converted",
                    "first_name", "converted_at", "lead_signal", "won_at", "first_response_at"})),
    Kind("deals", "deals", "deals / opportunities", DEALS,
         ("deal", "opportunit", "pipeline", "opps", "potential", "won", "closed", "sales"),
         ("deal",),
         frozenset({"deal_id", "current_stage", "status", "is_won", "is_closed", "closed_at", "expected_close_at",
                    "probability", "deal_name", "won_time", "lost_time", "deal_signal"})),
    Kind("campaigns", "campaigns", "campaigns", CAMPAIGNS, ("campaign", "program"), ("campaign",),
         frozenset({"campaign_name", "campaign_id"})),
    Kind("ads", "ad_spend", "ad-platform report (spend per campaign)", ADS,
         ("ads", "adwords", "google", "meta", "facebook", "linkedin", "bing", "microsoft", "performance",
          "report", "campaign"), ("campaign",),
         frozenset({"impressions", "clicks"})),
    Kind("spend", "spend", "spend by period and function", SPEND, ("spend", "budget", "cost", "expense"), (),
         frozenset({"function"})),
    Kind("targets", "targets", "revenue targets / quotas", TARGETS, ("target", "quota", "goal", "forecast"), (),
         frozenset({"revenue_target", "mql_quota"})),
    Kind("activities", "activities", "activities (tasks, calls, meetings)", ACTIVITIES,
         ("activit", "task", "touch", "call", "event", "appointment", "meeting", "engagement", "email"),
         ("activity",), frozenset({"activity_type", "subject", "activity_id"})),
    Kind("owners", "owners", "owners / users / sales team", OWNERS,
         ("team", "rep", "owner", "agent", "user", "staff", "employee", "people"), ("owner",),
         frozenset({"manager", "title", "first_name", "owners_signal", "owner_id"})),
    Kind("accounts", "accounts", "accounts / companies", ACCOUNTS,
         ("account", "compan", "organi", "customer", "client"), ("account",),
         frozenset({"industry", "account_signal", "country", "potential", "is_churned", "churned_at"})),
    Kind("stage_history", "stage_history", "stage history (record, stage, when)", STAGE_HISTORY,
         ("history", "histories", "change", "log", "flow", "audit"), (),
         frozenset({"field", "old_value", "entered_at"})),
)}


# --- the same fields in the exports' UI languages ------------------------------------------------------
# Ad platforms and CRMs name their export columns in the user's interface language. The phrases below
# (accents folded by headers.parse: 'Coût' is 'cout', 'Impressões' is 'impressoes') are the default
# column names of German, French, Spanish, Portuguese, Italian and Dutch accounts, as public exports and
# parsers of them write them (each fixture's README under tests/fixtures/vendors/ cites its sources):
# * Google Ads report downloads: 'Tag, Kampagne, Währungscode, Kosten, Impr., Klicks, Conversions',
#   'Jour;Campagne;Code de la devise;Coût;Impr.;Clics;Conversions', 'Dag, Campagne, Valutacode, Kosten,
#   Vertoningen, Klikken, Conversies', total rows 'Gesamt: Konto', 'Total : compte', 'Totaal: account'
#   (public Google Ads report parsers and their tests found with find_string "Total : compte" and
#   "Gesamt: Konto"; a Dutch runbook reading 'rij Totaal: account → Kosten, Conversies').
# * Meta Ads Manager 'Export table data' in six languages: 'Importe gastado (EUR)', 'Ausgegebener Betrag
#   (EUR)', 'Montant dépensé (EUR)', 'Valor gasto (BRL)', 'Importo speso (EUR)', 'Nombre de la campaña',
#   'Kampagnenname', 'Impresiones', 'Impressionen', 'Resultados', 'Ergebnisse', 'Inicio del informe' /
#   'Fin del informe' (public Meta CSV parsers found with find_string "Importe gastado (EUR)" and
#   "Ausgegebener Betrag (EUR)").
# * Microsoft Advertising (API column names in every language: 'GregorianDate', 'Spend'), LinkedIn
#   Campaign Manager ('Total Spent'; localized 'Dépenses totales', 'Total gasto'), Pinterest ('Spend in
#   account currency', 'Impression', 'Outbound clicks', 'Total conversions'), TikTok ('Cost',
#   'Impression', 'Clicks', 'Conversions', 'By Day') (a public cross-platform column map found with
#   find_string "Spend in account currency").
# * CRM field labels of Salesforce, HubSpot, Zoho, Dynamics 365 and Pipedrive in those languages
#   ('Erstellungsdatum', 'Date de création', 'Fecha de creación', 'Data de criação', 'Data di creazione',
#   'Aanmaakdatum'; 'Phase', 'Étape', 'Etapa', 'Fase'; 'Betrag', 'Montant', 'Importe', 'Valor', 'Importo',
#   'Bedrag'; 'Abschlussdatum', 'Date de clôture', 'Fecha de cierre', 'Data de fechamento', 'Data di
#   chiusura', 'Sluitingsdatum'; owners, sources and campaigns).
LOCAL_PHRASES: dict[tuple[str, str], dict[str, float]] = {
    # ad-platform reports
    ("ads", "period"): P("tag", "datum", "dag", "jour", "dia", "fecha", "giorno", "data:0.8", "woche", "semaine",
                         "semana", "settimana", "monat", "mois", "mes", "mese", "maand", "by day", "stat time day"),
    ("ads", "period_start"): P("inicio del informe", "debut des rapports", "berichtsbeginn", "inizio report",
                               "inicio dos relatorios", "begin rapportage", "berichtszeitraum beginn",
                               "date de debut", "data de inicio", "fecha de inicio", "startdatum", "data di inizio",
                               "begindatum"),
    ("ads", "period_end"): P("fin del informe", "fin des rapports", "berichtsende", "fine report",
                             "termino dos relatorios", "fim dos relatorios", "einde rapportage", "date de fin",
                             "data de termino", "fecha de finalizacion", "enddatum", "data di fine", "einddatum"),
    ("ads", "campaign"): P("kampagne", "kampagnenname", "campagne", "nom de la campagne", "campana",
                           "nombre de la campana", "campanha", "nome da campanha", "campagna", "nome della campagna",
                           "campagnenaam", "naam van campagne", "naam campagne"),
    ("ads", "campaign_id"): P("kampagnen id", "id de campagne", "id de la campagne", "id de la campana",
                              "id de campana", "id da campanha", "id campagna", "id della campagna", "campagne id"),
    ("ads", "ad_group"): P("anzeigengruppe", "name der anzeigengruppe", "groupe d annonces",
                           "nom de l ensemble de publicites", "ensemble de publicites", "grupo de anuncios",
                           "nombre del conjunto de anuncios", "conjunto de anuncios", "nome do conjunto de anuncios",
                           "gruppo di annunci", "nome del gruppo di inserzioni", "advertentiegroep",
                           "naam van advertentieset", "advertentieset", "ad group name", "pin promotion name:0.6"),
    ("ads", "impressions"): P("impressionen", "impresiones", "impressoes", "impressioni", "vertoningen",
                              "weergaven:0.8", "impression", "paid impressions", "total impressions",
                              "impressions payees"),
    ("ads", "clicks"): P("klicks", "clics", "cliques", "clic", "klikken", "link klicks", "klicks alle",
                         "clics sur le lien", "clics tous", "clics en el enlace", "clics todos", "cliques no link",
                         "cliques todos", "clic sul link", "clic tutti", "klikken op link", "linkklikken",
                         "outbound clicks", "pin clicks:0.8", "paid clicks", "total clicks", "klikken alle"),
    # every money column as the platforms name it: spend, amount spent, cost, spend in account currency,
    # with or without a currency in brackets (headers.parse takes '(EUR)' out as the unit)
    ("ads", "cost"): P("kosten", "cout", "coste", "costo", "custo", "ausgegebener betrag", "montant depense",
                       "importe gastado", "valor gasto", "valor usado", "importo speso", "besteed bedrag",
                       "uitgegeven bedrag", "spend in account currency", "spend in advertiser currency",
                       "spend local currency", "cost local currency", "amount spent in account currency", "gasto",
                       "gasto total", "gastos", "ausgaben", "gesamtausgaben", "depenses", "depenses totales",
                       "total gasto", "gasto total", "spesa", "spesa totale", "totale uitgaven", "uitgaven",
                       "total cost", "costs", "ad spend", "media spend", "total amount spent", "amount",
                       "spend amount", "cost micros:0.3", "budget spent:0.5"),
    ("ads", "conversions"): P("conversiones", "conversoes", "conversioni", "conversies", "ergebnisse:0.6",
                              "resultats:0.6", "resultados:0.6", "risultati:0.6", "resultaten:0.6",
                              "total conversions", "conversions totales", "conversiones totales", "alle conversions:0.7",
                              "toutes les conversions:0.7", "todas las conversiones:0.7", "todas as conversoes:0.7",
                              "tutte le conversioni:0.7", "alle conversies:0.7", "conversion"),
    ("ads", "result_indicator"): P("indicador de resultados", "indicador de resultado", "indicateur de resultats",
                                   "indicateur de resultat", "ergebnisindikator", "ergebnis indikator",
                                   "indicatore dei risultati", "indicatore di risultato", "resultaatindicator",
                                   "indicator van resultaten"),
    ("ads", "currency"): P("wahrungscode", "wahrung", "code de la devise", "devise", "codigo de moneda", "moneda",
                           "divisa", "codigo da moeda", "moeda", "codice valuta", "valuta", "valutacode",
                           "account currency", "currency code", "advertiser currency"),
    ("ads", "account"): P("konto", "kontoname", "compte", "nom du compte", "cuenta", "nombre de la cuenta", "conta",
                          "nome da conta", "nome account", "accountnaam", "advertiser name", "ad account name"),
    ("ads", "ads_signal"): P("kosten conversions", "cout conversions", "coste conversions", "custo conversions",
                             "costo conversions", "durchschn cpc", "cpc moy", "cpc medio", "cpc medio",
                             "gem cpc", "interaktionen", "interactions", "interacciones", "interacoes",
                             "interazioni", "interacties", "reichweite", "portee", "alcance", "copertura",
                             "bereik", "frequenz", "frequence", "frecuencia", "frequencia", "frequenza",
                             "frequentie", "kosten pro ergebnis", "cout par resultat", "coste por resultado",
                             "costo por resultado", "custo por resultado", "costo per risultato",
                             "kosten per resultaat", "conversions wert", "conversions waarde", "valeur de conv",
                             "kampagnentyp", "type de campagne", "tipo de campana", "tipo de campanha",
                             "tipo di campagna", "campagnetype", "ctr alle", "ctr tous", "ctr todos",
                             "cpm kosten pro 1 000 impressionen", "earned impressions", "engagements",
                             "video views", "cost per 1000 people reached", "ecpc", "ectr"),
    # CRM exports: deals / opportunities / potentials
    ("deals", "deal_id"): P("datensatz id", "id de l enregistrement", "id d enregistrement", "id de registro",
                            "id do registro", "id record", "opportunity id", "verkoopkans id", "id de la oportunidad",
                            "id da oportunidade", "id de l opportunite", "deal id"),
    ("deals", "deal_name"): P("opportunity name", "name der opportunity", "nom de l opportunite",
                              "nombre de la oportunidad", "nome da oportunidade", "nome opportunita",
                              "naam van verkoopkans", "dealname", "nom de la transaction", "nombre del negocio",
                              "nome do negocio", "nome della trattativa", "dealnaam", "titel:0.6", "titre:0.6",
                              "titulo:0.6", "titolo:0.6"),
    ("deals", "company"): P("firma", "unternehmen", "firmenname", "accountname", "nom du compte", "entreprise",
                            "societe", "nombre de la cuenta", "empresa", "nome da conta", "azienda", "nome account",
                            "bedrijf", "accountnaam", "bedrijfsnaam", "organisation", "organizacion", "organizacao",
                            "organizzazione", "organisatie", "potentieller kunde", "client potentiel",
                            "cliente potencial", "cliente potenziale", "potentiele klant"),
    ("deals", "owner"): P("besitzer", "inhaber", "opportunity inhaber", "deal inhaber", "verantwortlicher",
                          "proprietaire", "proprietaire de l opportunite", "proprietaire de la transaction",
                          "propietario", "propietario de la oportunidad", "propietario del negocio", "proprietario",
                          "proprietario da oportunidade", "proprietario do negocio", "proprietario della trattativa",
                          "titolare", "eigenaar", "eigenaar van verkoopkans", "eigenaar van deal", "deal eigenaar",
                          "besitzer des potenzials"),
    ("deals", "channel"): P("lead quelle", "quelle", "originalquelle", "origine de la piste", "source de la piste",
                            "source d origine", "origen del candidato", "fuente original", "origen", "origem do lead",
                            "fonte original", "origine lead", "fonte originale", "leadbron", "oorspronkelijke bron",
                            "kanal", "canal", "canale", "kanaal", "leadherkunft", "origine"),
    ("deals", "campaign"): P("kampagne", "campagne", "campana", "campanha", "campagna", "primare kampagnenquelle",
                             "source de campagne principale", "origen de campana principal",
                             "fonte da campanha principal", "origine campagna principale", "primaire campagnebron"),
    ("deals", "current_stage"): P("phase", "verkaufsphase", "deal phase", "etape", "etape de la vente",
                                  "phase de vente", "phase de la transaction", "etapa", "fase", "fase de venta",
                                  "etapa del negocio", "etapa de venda", "etapa do negocio", "fase di vendita",
                                  "fase della trattativa", "verkoopfase", "dealfase", "stadium", "stade"),
    ("deals", "status"): P("statut", "estado", "stato", "situacao", "status"),
    ("deals", "created_at"): P("erstellungsdatum", "erstellt am", "angelegt am", "erstellungszeit",
                               "date de creation", "cree le", "heure de creation", "fecha de creacion",
                               "creado el", "hora de creacion", "data de criacao", "criado em", "hora de criacao",
                               "data di creazione", "creato il", "ora di creazione", "aanmaakdatum", "gemaakt op",
                               "datum aangemaakt", "aanmaaktijd", "aangemaakt op"),
    ("deals", "closed_at"): P("abschlussdatum", "date de cloture", "fecha de cierre", "data de fechamento",
                              "data di chiusura", "sluitingsdatum", "afsluitdatum", "datum gesloten"),
    ("deals", "expected_close_at"): P("voraussichtliches abschlussdatum", "geschatztes abschlussdatum",
                                      "date de cloture prevue", "date de cloture estimee", "fecha de cierre prevista",
                                      "fecha de cierre estimada", "data de fechamento prevista",
                                      "data de fechamento estimada", "data di chiusura prevista",
                                      "data di chiusura stimata", "verwachte sluitingsdatum", "geschatte sluitingsdatum"),
    ("deals", "amount"): P("betrag", "montant", "importe", "valor", "importo", "bedrag", "wert", "valeur", "valore",
                           "waarde", "dealwert", "valeur de la transaction", "valor del negocio", "valor do negocio",
                           "valore della trattativa", "dealwaarde", "geschatzter umsatz:0.9",
                           "chiffre d affaires estime:0.9", "revenu estime:0.9", "ingresos estimados:0.9",
                           "receita estimada:0.9", "ricavi stimati:0.9", "geschatte opbrengst:0.9"),
    ("deals", "probability"): P("wahrscheinlichkeit", "probabilite", "probabilidad", "probabilidade",
                                "probabilita", "waarschijnlijkheid", "kans"),
    ("deals", "lost_reason"): P("verlustgrund", "raison de la perte", "motivo de perdida", "motivo da perda",
                                "motivo della perdita", "reden van verlies"),
    # leads / contacts
    ("leads", "lead_id"): P("datensatz id", "id de l enregistrement", "id d enregistrement", "id de registro",
                            "id do registro", "id record", "lead id", "id du lead", "id del candidato", "id do lead",
                            "id del lead"),
    ("leads", "created_at"): P("erstellungsdatum", "erstellt am", "angelegt am", "erstellungszeit",
                               "date de creation", "cree le", "heure de creation", "fecha de creacion",
                               "creado el", "hora de creacion", "data de criacao", "criado em", "hora de criacao",
                               "data di creazione", "creato il", "ora di creazione", "aanmaakdatum", "gemaakt op",
                               "datum aangemaakt", "aanmaaktijd", "aangemaakt op"),
    ("leads", "channel"): P("lead quelle", "quelle", "originalquelle", "origine de la piste", "source de la piste",
                            "source du lead", "source d origine", "origen del candidato", "fuente original",
                            "origen", "origem do lead", "fonte original", "origine lead", "fonte originale",
                            "leadbron", "oorspronkelijke bron", "kanal", "canal", "canale", "kanaal",
                            "leadherkunft", "origine", "fonte del lead", "bron"),
    ("leads", "campaign"): P("kampagne", "campagne", "campana", "campanha", "campagna", "primare kampagnenquelle",
                             "source de campagne principale", "origen de campana principal",
                             "fonte da campanha principal", "origine campagna principale", "primaire campagnebron"),
    ("leads", "current_stage"): P("statut du lead", "statut de la piste",
                                  "estado del candidato", "estado de candidato", "status do lead", "stato del lead",
                                  "status van lead", "lebenszyklusphase", "phase du cycle de vie",
                                  "etapa del ciclo de vida", "fase do ciclo de vida", "fase del ciclo di vita",
                                  "levenscyclusfase", "statut:0.7", "estado:0.7", "stato:0.7", "situacao:0.7"),
    ("leads", "owner"): P("lead inhaber", "kontaktinhaber", "besitzer", "inhaber", "proprietaire du lead",
                          "proprietaire de la piste", "proprietaire du contact", "propietario del candidato",
                          "propietario del contacto", "proprietario do lead", "proprietario do contato",
                          "proprietario del lead", "proprietario del contatto", "eigenaar van lead",
                          "eigenaar van contactpersoon", "eigenaar", "proprietaire", "propietario", "proprietario"),
    ("leads", "company"): P("firma", "unternehmen", "firmenname", "entreprise", "societe", "empresa", "azienda",
                            "bedrijf", "bedrijfsnaam"),
    ("leads", "email"): P("e mail", "e mail adresse", "adresse e mail", "correo electronico", "correo",
                          "endereco de e mail", "indirizzo email", "e mailadres"),
    ("leads", "territory"): P("gebiet", "vertriebsgebiet", "territoire", "territorio", "gebied", "regio", "region"),
    ("leads", "amount"): P("betrag", "montant", "importe", "valor:0.4", "importo", "bedrag"),
}
for (_kind_name, _field_name), _phrases in LOCAL_PHRASES.items():
    _f = KINDS[_kind_name].field(_field_name)
    for _p, _score in _phrases.items():
        if _f.phrases.get(_p, 0.0) < _score:
            _f.phrases[_p] = _score
# file and sheet names in those languages that suggest an ad report
KINDS["ads"] = Kind(KINDS["ads"].name, KINDS["ads"].table, KINDS["ads"].label, KINDS["ads"].fields,
                    (*KINDS["ads"].hints, "kampagne", "campagne", "campana", "campanha", "campagna", "anzeigen",
                     "annonces", "anuncios", "advertenties", "pinterest", "tiktok", "bericht", "informe",
                     "relatorio", "rapporto"), KINDS["ads"].objects, KINDS["ads"].anchors)

KIND_NAMES = tuple(KINDS)
# every phrase of every field: a header the import knows (header-row detection counts them)
ALL_PHRASES = frozenset(p for k in KINDS.values() for f in k.fields for p in f.phrases)


def is_known_header(text: str) -> bool:
    """A header some field of some kind names (header-row detection counts these)."""
    h = _headers.parse(text)
    if h.text in ALL_PHRASES:
        return True
    return any(r.matches(h) for k in KINDS.values() for f in k.fields for r in f.rules)


def _vocabulary() -> set[str]:
    words = {w for p in ALL_PHRASES for w in p.split()}
    for k in KINDS.values():
        for f in k.fields:
            for r in f.rules:
                for g in r.all_of:
                    words |= g
    from revmachine.ingest.headers import ABBREVIATIONS

    words |= {w for v in ABBREVIATIONS.values() for w in v.split()}
    # short words that would split real words apart ('is', 'to', 'on', 'at', 'of' are kept: IsWon, ...)
    return {w for w in words if len(w) > 1 and not w.isdigit()} | {"is", "to", "on", "at", "of", "by"}


_headers.VOCABULARY |= _vocabulary()

"""Recognising sheets and columns, and mapping CRM stage names onto the funnel.

Headers are compared after normalisation (lower case, punctuation and spacing folded), against the
names Salesforce, HubSpot, Marketo and Pipedrive exports use and common hand-made variants. A sheet's
kind is the one whose fields its headers match best; a sheet that matches no kind well enough is
reported as unrecognised, never guessed.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

KINDS = ("leads", "deals", "campaigns", "spend", "targets", "activities", "owners")
# the stages whose dates have a leads column of their own; any other configured stage's date is
# a 'stage:<key>' field, loaded into lead_stage_dates
STANDARD_STAGES = ("lead", "mql", "sal", "opportunity", "proposal", "won")


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # id | text | timestamp | date | amount | integer | bool | stage | period
    synonyms: tuple[str, ...]  # normalised; the first ones are the specific ones
    required: bool = False
    specific: int = 99  # synonyms[:specific] weigh 3, the rest (generic words) weigh 1
    label: str = ""


def normalize(header: str) -> str:
    s = re.sub(r"[^0-9a-z]+", " ", str(header).lower().replace("&", " and "))
    return " ".join(s.split())


def _f(name, type_, syn, required=False, specific=99, label=""):
    return Field(name, type_, tuple(normalize(s) for s in syn), required, specific, label or name)


FIELDS: dict[str, tuple[Field, ...]] = {
    "leads": (
        _f("lead_id", "id", ["lead id", "leadid", "lead_id", "contact id", "record id", "lead number",
                             "prospect id", "person id", "marketo id", "hubspot id", "contact record id",
                             "id", "lead", "email", "email address"], True, 10),
        _f("created_at", "timestamp", ["create date", "created date", "created at", "created on",
                                       "lead created date", "first contact date", "date created",
                                       "became a lead date", "lead date", "inquiry date", "created",
                                       "lead created", "date"], True, 12),
        _f("channel", "text", ["lead source", "original source", "original source type", "origin",
                               "marketing channel", "lead channel", "channel", "acquisition channel",
                               "source", "utm medium"], False, 8),
        _f("campaign", "text", ["campaign", "campaign name", "campaign id", "primary campaign source",
                                "acquisition program", "original campaign", "first touch campaign",
                                "utm campaign", "program", "program name"]),
        _f("company", "text", ["company", "company name", "account", "account name", "organization",
                               "organisation", "org name", "organization name"]),
        _f("territory", "text", ["territory", "sales territory", "region", "sales region", "geo", "market",
                                 "area", "regional office", "country"], False, 7),
        _f("owner", "text", ["lead owner", "contact owner", "owner", "owner name", "sales rep", "rep",
                             "assigned to", "sales agent", "account executive", "salesperson",
                             "hubspot owner", "sales owner"]),
        _f("current_stage", "stage", ["lead status", "lifecycle stage", "lifecyclestage", "lead stage",
                                      "funnel stage", "current stage", "status", "stage"], False, 6),
        _f("mql_at", "timestamp", ["mql date", "mql at", "date mql", "marketing qualified date",
                                   "became a marketing qualified lead date", "mql timestamp",
                                   "marketing qualified lead date", "mql"]),
        _f("sal_at", "timestamp", ["sal date", "sal at", "sales accepted date", "accepted date",
                                   "date accepted", "became a sales accepted lead date", "accepted at",
                                   "sal"]),
        _f("opportunity_at", "timestamp", ["opportunity date", "sql date", "sql at", "opportunity at",
                                           "became a sales qualified lead date",
                                           "became an opportunity date", "converted date",
                                           "opportunity created date", "opp date", "sql",
                                           "opportunity"]),
        _f("proposal_at", "timestamp", ["proposal date", "proposal at", "quote date",
                                        "proposal sent date", "proposal"]),
        _f("won_at", "timestamp", ["won date", "won at", "closed won date", "became a customer date",
                                   "customer date", "converted to customer date"]),
        _f("exit_at", "timestamp", ["exit date", "exit at", "disqualified date", "lost date",
                                    "rejected date", "closed lost date", "unqualified date"]),
        _f("exit_reason", "text", ["exit reason", "disqualification reason", "disqualified reason",
                                   "rejection reason", "rejected reason", "lost reason",
                                   "unqualified reason", "reason"]),
        _f("assigned_at", "timestamp", ["assigned date", "assigned at", "assignment date",
                                        "date assigned", "owner assigned date"]),
        _f("first_response_at", "timestamp", ["first response at", "first response", "first touch date",
                                              "first touch", "first sales activity date",
                                              "first call date", "first outreach date",
                                              "first engagement date", "time of first engagement",
                                              "responded at", "first response date",
                                              "first contacted date"]),
        _f("followup_count", "integer", ["follow ups", "followups", "follow up count", "followup count",
                                         "number of sales activities", "sales touches",
                                         "call attempts", "number of touches", "num touches",
                                         "number of times contacted", "attempts", "touches"]),
        _f("amount", "amount", ["amount", "deal amount", "opportunity amount", "won amount",
                                "deal value", "value", "revenue"]),
    ),
    "deals": (
        _f("deal_id", "id", ["opportunity id", "deal id", "opp id", "opportunity number",
                             "record id", "deal", "opportunity", "id"], True, 4),
        _f("lead_id", "text", ["lead id", "converted lead id", "contact id", "associated contact id",
                               "lead"]),
        _f("deal_name", "text", ["opportunity name", "deal name", "title", "name"]),
        _f("company", "text", ["account name", "account", "company", "company name", "organization",
                               "organisation", "associated company", "organization name"]),
        _f("owner", "text", ["opportunity owner", "deal owner", "owner", "sales agent", "sales rep",
                             "rep", "account executive", "salesperson", "owner name"]),
        _f("territory", "text", ["territory", "sales territory", "region", "sales region",
                                 "regional office", "geo", "market"]),
        _f("channel", "text", ["lead source", "original source", "deal source", "channel", "source",
                               "origin"], False, 3),
        _f("campaign", "text", ["primary campaign source", "campaign", "campaign name"]),
        _f("product", "text", ["product", "product name", "products", "series"]),
        _f("current_stage", "stage", ["deal stage", "opportunity stage", "pipeline stage", "dealstage",
                                      "stage", "status"], True, 4),
        _f("created_at", "timestamp", ["created date", "create date", "engage date",
                                       "opportunity created date", "deal created", "created at",
                                       "deal create date", "created", "open date", "date created"]),
        _f("closed_at", "timestamp", ["close date", "closed date", "closed at", "close", "won time",
                                      "won date", "lost time", "closed won date", "date closed"]),
        _f("amount", "amount", ["close value", "amount", "deal value", "opportunity amount",
                                "deal amount", "value", "revenue", "total", "price"]),
        _f("outcome", "bool", ["won", "is won", "closed won", "outcome", "result"]),
        _f("lost_reason", "text", ["lost reason", "loss reason", "closed lost reason", "reason lost",
                                   "reason"]),
    ),
    "campaigns": (
        _f("campaign_id", "id", ["campaign id", "program id", "campaign", "id"], False, 2),
        _f("campaign_name", "text", ["campaign name", "program name", "name", "program", "campaign"]),
        _f("channel", "text", ["channel", "campaign type", "program channel", "campaign channel", "medium",
                               "type"], False, 4),
        _f("owner", "text", ["campaign owner", "marketer", "owner", "manager"]),
        _f("start_date", "date", ["start date", "launch date", "begin date", "start"]),
        _f("end_date", "date", ["end date", "finish date", "end"]),
        _f("targeting", "text", ["targeting", "target audience", "audience", "segment"]),
        _f("content", "text", ["content", "asset", "offer", "message", "description"]),
        _f("spend", "amount", ["spend", "actual cost", "cost", "budgeted cost", "amount spent", "budget"]),
    ),
    "spend": (
        _f("period", "period", ["spend month", "month", "period", "date"], True),
        _f("function", "text", ["function", "department", "team", "side"], False, 1),
        _f("channel", "text", ["channel"]),
        _f("amount", "amount", ["spend", "amount", "cost", "actual"], True),
    ),
    "targets": (
        _f("period", "period", ["period", "quarter", "fiscal period", "month", "year"], True),
        _f("territory", "text", ["territory", "region", "sales region", "regional office"]),
        _f("revenue_target", "amount", ["revenue target", "target revenue", "revenue quota",
                                        "quota", "target", "goal"], True),
        _f("mql_quota", "integer", ["mql quota", "mql target", "lead quota", "mqls"]),
    ),
    "activities": (
        _f("activity_id", "id", ["activity id", "task id", "event id", "id"], False, 3),
        _f("lead_id", "text", ["lead id", "contact id", "who id", "related record id", "record id"], True),
        _f("occurred_at", "timestamp", ["activity date", "occurred at", "completed date", "timestamp",
                                        "date", "created date"], True, 4),
        _f("activity_type", "text", ["activity type", "task type", "touch type", "type", "subject"]),
        _f("owner", "text", ["assigned to", "owner", "rep", "sales rep", "activity owner"]),
    ),
    "owners": (
        _f("owner", "text", ["sales agent", "sales rep", "rep", "owner", "name", "user"], True, 3),
        _f("manager", "text", ["manager", "sales manager"]),
        _f("territory", "text", ["regional office", "territory", "region", "team"], True),
    ),
}

# Words in a sheet or file name that hint at its kind
KIND_HINTS = {
    "leads": ("lead", "contact", "prospect", "people", "person"),
    "deals": ("deal", "opportunit", "pipeline", "opps"),
    "campaigns": ("campaign", "program"),
    "spend": ("spend", "budget", "cost"),
    "targets": ("target", "quota", "goal"),
    "activities": ("activit", "task", "touch", "call", "event"),
    "owners": ("team", "rep", "owner", "agent", "user"),
}

# A sheet is a candidate for a kind only when one of these fields is mapped (or all its required
# fields are): a company list with a 'Revenue' column is not a deals sheet.
ANCHORS = {
    "leads": {"lead_id", "created_at"},
    "deals": {"deal_id", "current_stage"},
    "campaigns": {"campaign_id", "campaign_name"},
    "spend": {"function"},
    "targets": {"revenue_target", "mql_quota"},
    "activities": {"activity_type"},
    "owners": {"manager"},
}

_ALL_SYNONYMS = {s for fields in FIELDS.values() for f in fields for s in f.synonyms}


def is_known_header(text: str) -> bool:
    return normalize(text) in _ALL_SYNONYMS


def field(kind: str, name: str) -> Field:
    return next(f for f in FIELDS[kind] if f.name == name)


def stage_date_field(header_norm: str, stage_keys: dict[str, str]) -> str | None:
    """'Demo Date' -> 'stage:demo' for a configured stage with no fixed column of its own."""
    for key, label in stage_keys.items():
        for base in {normalize(key), normalize(label)}:
            if header_norm in {f"{base} date", f"{base} at", f"date {base}", f"{base} entered date"}:
                return f"stage:{key}"
    return None


@dataclass
class Proposal:
    kind: str | None
    mapping: dict[int, str]  # column index -> field name
    score: int
    missing_required: list[str]
    scores: dict[str, int]


def propose(headers: list[str], hint: str = "", extra_stages: dict[str, str] | None = None) -> Proposal:
    """The most likely kind for a sheet and its column mapping (each field used once)."""
    norms = [normalize(h) for h in headers]
    hint_l = hint.lower()
    best: Proposal | None = None
    scores: dict[str, int] = {}
    for kind, fields in FIELDS.items():
        taken: dict[int, str] = {}
        used: set[str] = set()
        score = 0
        # rank candidate (column, field) pairs: exact specific synonyms first, in synonym order
        cands = []
        for ci, n in enumerate(norms):
            for f in fields:
                if n in f.synonyms:
                    pos = f.synonyms.index(n)
                    w = 3 if pos < f.specific else 1
                    cands.append((-w, pos, ci, f.name))
        for negw, _pos, ci, fname in sorted(cands):
            if ci in taken or fname in used:
                continue
            taken[ci] = fname
            used.add(fname)
            score -= negw
        if kind == "leads" and extra_stages:
            for ci, n in enumerate(norms):
                if ci not in taken:
                    sf = stage_date_field(n, extra_stages)
                    if sf:
                        taken[ci] = sf
                        score += 2
        required = {f.name for f in fields if f.required}
        if not (used & ANCHORS[kind]) and not required <= used:
            score = 0
        if score and any(h in hint_l for h in KIND_HINTS[kind]):
            score += 4
        scores[kind] = score
        missing = [f.name for f in fields if f.required and f.name not in used]
        prop = Proposal(kind, taken, score, missing, scores)
        if best is None or score > best.score or (
            score == best.score and len(missing) < len(best.missing_required)
        ):
            best = prop
    assert best is not None
    if best.score < 4:
        return Proposal(None, {}, best.score, [], scores)
    return best


def signature(headers: list[str]) -> str:
    """Identifies 'the same headers' for remembered mapping corrections."""
    return hashlib.sha256(json.dumps([normalize(h) for h in headers]).encode()).hexdigest()[:32]


# --- stage names ---------------------------------------------------------------------------

def stage_key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", str(text).lower())


# CRM stage / status names (normalised with stage_key) -> funnel stage, or an exit reason
STAGE_SYNONYMS: dict[str, str] = {
    # lead
    **dict.fromkeys(["lead", "new", "open", "subscriber", "raw", "inquiry", "leadin", "other",
                     "contacted", "attemptingtocontact", "nurture", "nurturing", "openlead",
                     "opennotcontacted", "unassigned", "prospect"], "lead"),
    # mql
    **dict.fromkeys(["mql", "marketingqualifiedlead", "marketingqualified", "mqled", "hot",
                     "qualifiedlead", "handedoff", "handoff"], "mql"),
    # sal
    **dict.fromkeys(["sal", "salesacceptedlead", "salesaccepted", "accepted", "working",
                     "workingcontacted", "contactmade", "inprogress"], "sal"),
    # opportunity (SQL)
    **dict.fromkeys(["opportunity", "sql", "salesqualifiedlead", "salesqualified", "qualification",
                     "qualifiedtobuy", "prospecting", "needsanalysis", "discovery",
                     "appointmentscheduled", "engaging", "demoscheduled", "presentationscheduled",
                     "valueproposition", "iddecisionmakers", "perceptionanalysis",
                     "decisionmakerboughtin", "qualified", "converted", "opp", "pipeline"],
                    "opportunity"),
    # proposal
    **dict.fromkeys(["proposal", "proposalpricequote", "proposalmade", "contractsent", "quote",
                     "quotesent", "negotiation", "negotiationreview", "negotiationsstarted",
                     "proposalsent", "commit"], "proposal"),
    # won
    **dict.fromkeys(["won", "closedwon", "customer", "evangelist", "signed", "closedwonstage",
                     "win"], "won"),
    # exits
    **dict.fromkeys(["lost", "closedlost", "closedlostfinal", "loss"], "exit:lost"),
    **dict.fromkeys(["disqualified", "unqualified", "junk", "baddata", "notqualified", "dq",
                     "disqualify"], "exit:disqualified"),
    **dict.fromkeys(["rejected", "salesrejected", "rejectedbysales", "recycled"], "exit:rejected"),
}


def stage_lookup(config_stages: list[tuple[str, str]]) -> dict[str, str]:
    """stage_key(raw) -> funnel stage or 'exit:<reason>', with the configured stages' own keys and
    labels taking precedence (a renamed or added stage is recognised by its name)."""
    keys = {k for k, _ in config_stages}
    table = {k: v for k, v in STAGE_SYNONYMS.items() if v.startswith("exit:") or v in keys}
    # a synonym of a dropped stage falls to the nearest configured stage before it
    order = list(STANDARD_STAGES)
    for k, v in STAGE_SYNONYMS.items():
        if v in order and v not in keys:
            earlier = [s for s in order[: order.index(v)] if s in keys]
            if earlier:
                table[k] = earlier[-1]
    for key, label in config_stages:
        table[stage_key(key)] = key
        table[stage_key(label)] = key
    return table

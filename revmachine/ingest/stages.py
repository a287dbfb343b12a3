"""Stage and status vocabularies: what a CRM's stage, status or lifecycle value means in the funnel.

Each exported value is folded with `stage_key` (accents stripped, lower case, letters and digits only)
and looked up. A value maps to a funnel stage key (`lead`, `mql`, `sal`, `opportunity`, `proposal`,
`won`), to an exit (`exit:lost`, `exit:disqualified`, `exit:rejected`), or, for a lead, to `converted`
(a lead conversion: it reached the SQL stage; a win only when its deal is won). Values come from each
vendor's documented defaults:

* Salesforce lead statuses and opportunity stages (Setup > Object Manager > Lead Status / Stage picklists:
  "Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted";
  "Prospecting" ... "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost")
* HubSpot lifecycle stages and deal stages, as labels and as internal values
  (knowledge.hubspot.com "Use lifecycle stages"; "Set up and customize pipelines and deal stages":
  subscriber, lead, marketingqualifiedlead, salesqualifiedlead, opportunity, customer, evangelist;
  appointmentscheduled, qualifiedtobuy, presentationscheduled, decisionmakerboughtin, contractsent,
  closedwon, closedlost) and HubSpot lead statuses (NEW, OPEN, IN_PROGRESS, OPEN_DEAL, UNQUALIFIED,
  ATTEMPTED_TO_CONNECT, CONNECTED, BAD_TIMING)
* Zoho CRM lead statuses and deal stages ("Attempted to Contact", "Junk Lead", "Pre-Qualified";
  "Identify Decision Makers", "Closed Lost to Competition")
* Microsoft Dynamics 365 Sales (opportunity Sales Stage Qualify / Develop / Propose / Close; Status
  Open / Won / Lost; Status Reason In Progress / On Hold / Canceled / Out-Sold; lead Status Open /
  Qualified / Disqualified with reasons Lost / Cannot Contact / No Longer Interested / Canceled)
* Pipedrive's default pipeline (Lead In, Contact Made, Demo Scheduled, Proposal Made, Negotiations
  Started) and deal status open / won / lost
* Marketo revenue stages (Known, Engaged, MQL, SAL, SQL, Opportunity, Customer), Odoo CRM stages
  (New, Qualified, Proposition, Won), SuiteCRM lead statuses (New, Assigned, In Process, Converted,
  Recycled, Dead), Maven's pipeline (Prospecting, Engaging, Won, Lost)
* won / lost words in German, French, Spanish, Portuguese, Dutch and Italian; any other name is mapped
  by the user once (Data page, or `load --stage NAME=STAGE`) and remembered (config_stage_aliases).
"""

from __future__ import annotations

import re
import unicodedata

STANDARD_STAGES = ("lead", "mql", "sal", "opportunity", "proposal", "won")
EXITS = ("exit:lost", "exit:disqualified", "exit:rejected")


def stage_key(text: object) -> str:
    """'Closed - Won' -> 'closedwon'; 'Négociation' -> 'negociation'."""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]", "", s.lower())


def _keys(*names: str) -> list[str]:
    return [stage_key(n) for n in names]


# exported stage / status / lifecycle value -> funnel stage, exit, or 'converted'
STAGE_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(_keys(
        "lead", "new", "open", "subscriber", "raw", "inquiry", "lead in", "other", "contacted",
        "attempting to contact", "attempted to contact", "attempted to connect", "nurture", "nurturing",
        "open lead", "open - not contacted", "open not contacted", "not contacted", "unassigned", "prospect",
        "known", "engaged", "anonymous", "contact in future", "bad timing", "connected", "assigned",
        "in process", "cold", "warm", "to contact", "in contact", "follow up", "new lead", "lead new",
        # other languages
        "neu", "nouveau", "nuevo", "novo", "nieuw", "nuovo"), "lead"),
    **dict.fromkeys(_keys(
        "mql", "marketing qualified lead", "marketingqualifiedlead", "marketing qualified", "mqled", "hot",
        "qualified lead", "handed off", "handoff", "pre-qualified", "prequalified", "marketing qualified lead mql"),
        "mql"),
    **dict.fromkeys(_keys(
        "sal", "sales accepted lead", "salesacceptedlead", "sales accepted", "accepted", "working",
        "working - contacted", "working contacted", "contact made", "in progress", "in_progress",
        "open deal", "open_deal"), "sal"),
    **dict.fromkeys(_keys(
        "opportunity", "sql", "sales qualified lead", "salesqualifiedlead", "sales qualified", "qualification",
        "qualify", "qualified to buy", "qualifiedtobuy", "prospecting", "needs analysis", "needs defined",
        "discovery", "appointment scheduled", "appointmentscheduled", "engaging", "demo scheduled", "demo",
        "presentation scheduled", "presentationscheduled", "value proposition", "id decision makers",
        "id. decision makers", "identify decision makers", "perception analysis", "decision maker bought-in",
        "decisionmakerboughtin", "opp", "pipeline", "develop", "new opportunity",
        # other languages
        "qualifiziert", "qualifie", "calificado", "cualificado", "qualificado", "gekwalificeerd",
        "qualificato"), "opportunity"),
    **dict.fromkeys(_keys(
        "proposal", "proposal/price quote", "proposal price quote", "proposal made", "propose", "proposition",
        "contract sent", "contractsent", "quote", "quote sent", "negotiation", "negotiation/review",
        "negotiation review", "negotiations started", "proposal sent", "commit", "close", "closing",
        "verbal commit", "contracting",
        # other languages
        "angebot", "verhandlung", "negociation", "propuesta", "negociacion", "proposta", "negociacao",
        "offerte", "onderhandeling", "trattativa"), "proposal"),
    **dict.fromkeys(_keys(
        "won", "closed won", "closedwon", "customer", "evangelist", "signed", "win", "closed - won",
        "closed/won", "deal won", "won deal", "client", "active customer",
        # other languages
        "gewonnen", "gagne", "gagnee", "ganado", "ganada", "ganho", "ganha", "vinto", "vinta", "gewonnen deal",
        "abgeschlossen gewonnen",
        # Salesforce's 'Closed Won' and HubSpot's 'Closed won' in the six languages' UIs
        "geschlossen und gewonnen", "geschlossen gewonnen", "fermee gagnee", "ferme gagne", "conclue gagnee",
        "cerrada ganada", "cerrado ganado", "fechado ganho", "fechada ganha", "fechado e ganho", "chiusa vinta",
        "chiuso vinto", "gesloten gewonnen", "gesloten en gewonnen"), "won"),
    **dict.fromkeys(_keys(
        "lost", "closed lost", "closedlost", "closed lost final", "loss", "closed - lost", "closed/lost",
        "closed lost to competition", "lost to competition", "out-sold", "outsold", "canceled", "cancelled",
        "abandoned", "deal lost", "lost lead", "no longer interested", "dead",
        # other languages
        "verloren", "perdu", "perdue", "perdido", "perdida", "perso", "persa", "abgeschlossen verloren",
        "geschlossen und verloren", "geschlossen verloren", "fermee perdue", "ferme perdu", "conclue perdue",
        "cerrada perdida", "cerrado perdido", "fechado perdido", "fechada perdida", "fechado e perdido",
        "chiusa persa", "chiuso perso", "gesloten verloren", "gesloten en verloren"),
        "exit:lost"),
    **dict.fromkeys(_keys(
        "disqualified", "unqualified", "junk", "junk lead", "bad data", "not qualified", "dq", "disqualify",
        "closed - not converted", "closed not converted", "not converted", "cannot contact", "bad fit",
        "disqualifiziert", "disqualifie", "descalificado", "desqualificado"), "exit:disqualified"),
    **dict.fromkeys(_keys("rejected", "sales rejected", "rejected by sales", "recycled"), "exit:rejected"),
    # a lead conversion (Salesforce "Closed - Converted", SuiteCRM "Converted"): the SQL stage
    # Dynamics 365 "Qualified" is the same: the lead was qualified into an opportunity
    **dict.fromkeys(_keys("converted", "closed - converted", "closed converted", "qualified - converted",
                          "qualified"), "converted"),
}

# a deal's status column (Pipedrive status, Dynamics Status, ActiveCampaign / Copper / Close status):
# open, won or lost. Stage names that are statuses are found through STAGE_SYNONYMS as well.
STATUS_WORDS: dict[str, str] = {
    **dict.fromkeys(_keys("open", "active", "in progress", "on hold", "pending", "ongoing", "new"), "open"),
    **dict.fromkeys(_keys("won", "closed won", "win", "closed - won", "success", "successful", "gewonnen",
                          "gagne", "gagnee", "ganado", "ganada", "ganho", "ganha", "vinto", "vinta",
                          "geschlossen und gewonnen", "cerrada ganada", "fechado ganho", "chiusa vinta",
                          "gesloten gewonnen", "fermee gagnee"), "won"),
    **dict.fromkeys(_keys("lost", "closed lost", "loss", "closed - lost", "canceled", "cancelled",
                          "abandoned", "out-sold", "outsold", "deleted", "verloren", "perdu", "perdue",
                          "perdido", "perdida", "perso", "persa", "dead", "geschlossen und verloren",
                          "cerrada perdida", "fechado perdido", "chiusa persa", "gesloten verloren",
                          "fermee perdue"), "lost"),
    **dict.fromkeys(_keys("offen", "ouvert", "ouverte", "abierto", "abierta", "aberto", "aberta", "aperto",
                          "aperta", "open"), "open"),
}

# values a lead-conversion flag or an outcome boolean holds (bool columns are typed by parsing.bool_expr)


def stage_lookup(config_stages: list[tuple[str, str]], aliases: dict[str, str] | None = None) -> dict[str, str]:
    """stage_key(raw) -> funnel stage or 'exit:<reason>' or 'converted', with the configured stages'
    own keys and labels, and the user's aliases, taking precedence (a renamed or added stage is
    recognised by its name)."""
    keys = {k for k, _ in config_stages}
    table = {k: v for k, v in STAGE_SYNONYMS.items() if v.startswith("exit:") or v in keys or v == "converted"}
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
    for alias, stage in (aliases or {}).items():
        table[stage_key(alias)] = stage
    return table


def is_stage_word(value: object) -> bool:
    k = stage_key(value)
    return k in STAGE_SYNONYMS or k in STATUS_WORDS

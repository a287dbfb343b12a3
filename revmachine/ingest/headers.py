"""Header normalisation: one column header as the words it means.

Exports name the same field in many ways: `StageName` (Salesforce API names), `Stage` (a report's
field label), `Deal - Stage` (Pipedrive's object prefix), `stage_id` (Odoo), `Opportunity.Stage`
(a Workbench relationship path), `Est. Revenue (USD)` (an abbreviation and a unit). `parse()` folds
them to the same words so the field vocabularies (fields.py) and the token rules need one spelling:

* camelCase / PascalCase split (`CloseDate` -> close date; `OwnerID` -> owner id; `MQLDate` -> mql date)
* API suffixes dropped (`Region__c` -> region, custom; `Account__r.Name` -> account name)
* relationship paths kept as context (`Owner.Name` -> owner name; Odoo `user_id/id` -> user id, the
  relation's external id)
* vendor object prefixes split off (`Deal - Value` -> value, object deal; `Person - Name` -> name,
  object person)
* units in brackets taken out (`Amount (USD)` -> amount, currency USD; `Probability (%)` -> probability,
  unit %; `Start Date (in UTC)` -> start date)
* abbreviations expanded (`Est.`, `Impr.`, `Conv.`, `Qty`, `Amt`, `Opp`, `Acct`, `No.`, `#`)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ISO 4217 codes commonly seen in exports (a unit in brackets or a prefix of an amount)
CURRENCY_CODES = frozenset(
    ["USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "RON", "BGN", "HRK", "TRY", "ZAR", "INR", "CNY", "HKD", "SGD", "KRW", "TWD", "THB", "MYR", "IDR", "PHP", "VND", "BRL", "MXN", "ARS", "CLP", "COP", "PEN", "ILS", "AED", "SAR", "QAR", "KWD", "EGP", "NGN", "KES", "MAD", "RUB", "UAH", "ISK"]
)

# whole-word abbreviations (after lower-casing, dots removed) -> words
ABBREVIATIONS = {
    "est": "estimated", "estd": "estimated", "exp": "expected", "impr": "impressions", "imps": "impressions",
    "impressions": "impressions", "conv": "conversions", "convs": "conversions", "qty": "quantity",
    "amt": "amount", "opp": "opportunity", "opps": "opportunity", "oppty": "opportunity",
    "acct": "account", "acc": "account", "no": "number", "num": "number", "nbr": "number", "dt": "date",
    "rev": "revenue", "prob": "probability", "desc": "description", "mgr": "manager", "terr": "territory",
    "src": "source", "org": "organization", "orgs": "organization", "avg": "average", "pct": "percent",
    "perc": "percent", "ctr": "ctr", "cpc": "cpc", "cpm": "cpm", "dob": "birth date", "tel": "phone",
    "addr": "address", "qtr": "quarter", "yr": "year", "mo": "month", "wk": "week", "tz": "timezone",
    "ae": "account executive", "sdr": "sdr", "bdr": "bdr", "id": "id", "ids": "id", "nr": "number",
    "ref": "reference", "cust": "customer", "dept": "department", "amnt": "amount", "val": "value",
}

# object words a vendor prefix or a relationship path can name
OBJECT_WORDS = {
    "deal": "deal", "deals": "deal", "opportunity": "deal", "opportunities": "deal", "potential": "deal",
    "lead": "lead", "leads": "lead", "person": "person", "persons": "person", "contact": "person",
    "contacts": "person", "prospect": "person", "organization": "account", "organisation": "account",
    "org": "account", "account": "account", "company": "account", "owner": "owner", "user": "owner",
    "createdby": "user", "lastmodifiedby": "user", "campaign": "campaign", "activity": "activity",
    "product": "product", "pipeline": "pipeline", "stage": "stage",
}

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_BRACKET = re.compile(r"[\(\[\{]([^\)\]\}]*)[\)\]\}]")
_PREFIX = re.compile(r"^\s*([A-Za-z][A-Za-z ]{1,30}?)\s+[-–:]\s+(.+)$")


# words known to the field vocabularies (fields.py fills it): a run-together header such as Data
# Loader's upper-case 'CLOSEDATE' or 'LEADSOURCE' is split into them
VOCABULARY: set[str] = set()
# bracketed words that say a value was converted to another currency ('Amount (converted)',
# 'Est. Revenue (Base)'): such a column is the same figure again, not a second one
CONVERTED_WORDS = {"converted", "base", "home", "corporate", "company", "reporting", "default", "system"}


@dataclass(frozen=True)
class Header:
    raw: str
    words: tuple[str, ...]  # normalised words, in order
    obj: str | None = None  # object named by a vendor prefix or a relationship path ('deal', 'person'...)
    unit: str | None = None  # '%' or an ISO currency code from a bracket (or a prefix)
    custom: bool = False  # an API custom field (__c)
    is_relation_id: bool = False  # Odoo's 'x/id' or Workbench's 'Owner.Id': the related record's id
    converted: bool = False  # '(converted)', '(Base)': the same money in another currency

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def has(self, *words: str) -> bool:
        return any(w in self.words for w in words)


def _split_camel(s: str) -> str:
    # 'OwnerID' -> 'Owner ID', 'MQLDate' -> 'MQL Date', 'StageName' -> 'Stage Name'; 'IDs' -> 'ids'
    s = re.sub(r"(?<![A-Z])([A-Z]{2,})s\b", lambda m: m.group(1).capitalize() + "s", s)
    return _CAMEL.sub(" ", s) if re.search(r"[a-z][A-Z]|[A-Z]{2}[a-z]", s) else s


def segment(word: str) -> list[str]:
    """A run-together word split into known words ('closedate' -> close date, 'leadsource' -> lead
    source, 'convertedopportunityid' -> converted opportunity id), fewest words first; the word itself
    when it is known or cannot be split."""
    if word in VOCABULARY or len(word) < 5 or not VOCABULARY:
        return [word]
    n = len(word)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(1, n + 1):
        for j in range(max(0, i - 24), i):
            piece = word[j:i]
            prev = best[j]
            if prev is None or not (piece in VOCABULARY and (len(piece) > 1)):
                continue
            cand = [*prev, piece]
            if best[i] is None or len(cand) < len(best[i]):
                best[i] = cand
    return best[n] if best[n] and len(best[n]) > 1 else [word]


_LETTERS = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "Æ": "AE", "Œ": "OE", "Ø": "O", "ł": "l", "Ł": "L"}


def _fold_accents(s: str) -> str:
    """'Coût' -> 'Cout', 'Impressões' -> 'Impressoes', 'Währungscode' -> 'Wahrungscode': headers in the
    UI languages of the exports compare without their accents (as the field phrases are written)."""
    if s.isascii():
        return s
    import unicodedata

    s = "".join(_LETTERS.get(ch, ch) for ch in s)
    return "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))


def _words(s: str) -> list[str]:
    s = _fold_accents(s)
    s = s.replace("&", " and ").replace("#", " number ").replace("%", " percent ")
    s = _split_camel(s)
    tokens = [w for w in re.split(r"[^0-9A-Za-z]+", s.lower()) if w]
    out: list[str] = []
    for w in tokens:
        parts = ABBREVIATIONS.get(w, w).split()
        # only a header that is one run-together word is split (Data Loader's 'CLOSEDATE'); in a header
        # of several words an unknown word ('Geocode') stays whole
        if len(tokens) == 1 and len(parts) == 1:
            parts = segment(parts[0])
        out.extend(ABBREVIATIONS.get(x, x) for x in parts)
    return out


def parse(raw: object) -> Header:
    """The words a header means, with the object, unit and API markers taken out."""
    text = _ZERO_WIDTH.sub("", str(raw if raw is not None else "")).strip()
    text = " ".join(text.split())
    unit = None
    converted = False
    # units in brackets: 'Amount (USD)', 'Probability (%)', 'Start Date (in UTC)', 'Cost [EUR]'
    for inner in _BRACKET.findall(text):
        t = inner.strip()
        if t.upper() in CURRENCY_CODES:
            unit = t.upper()
        elif t in {"%", "percent", "pct"}:
            unit = "%"
        elif set(t.lower().split()) & CONVERTED_WORDS:
            converted = True
    had_pct = "%" in text
    text_nb = _BRACKET.sub(" ", text).strip() or text
    if unit is None and had_pct:
        unit = "%"
    obj = None
    # a vendor's object prefix: 'Deal - Value', 'Person - Name', 'Organization - Address'
    m = _PREFIX.match(text_nb)
    if m and m.group(1).strip().lower().replace(" ", "") in OBJECT_WORDS:
        obj = OBJECT_WORDS[m.group(1).strip().lower().replace(" ", "")]
        text_nb = m.group(2)
    custom = bool(re.search(r"__(c|pc)\b", text_nb, flags=re.I))
    is_relation_id = bool(re.search(r"(/id|\.id)\s*$", text_nb, flags=re.I))
    # relationship paths: 'Owner.Name', 'Account.External_Id__c', 'Account__r.Name', Odoo 'user_id/id'
    parts = [p for p in re.split(r"[./]", re.sub(r"__(c|r|pc|x)\b", "", text_nb, flags=re.I)) if p.strip()]
    if len(parts) > 1:
        head = parts[0].strip().lower().replace("_", "").replace(" ", "")
        head = re.sub(r"id$", "", head) or head
        if obj is None and head in OBJECT_WORDS:
            obj = OBJECT_WORDS[head]
    words: list[str] = []
    for p in parts or [text_nb]:
        words.extend(_words(p))
    if is_relation_id and words[-2:] == ["id", "id"]:
        words = words[:-1]  # Odoo 'user_id/id'
    return Header(str(raw if raw is not None else ""), tuple(words), obj, unit, custom, is_relation_id, converted)


def normalize(header: object) -> str:
    """The header as one string of normalised words ('StageName' -> 'stage name')."""
    return parse(header).text

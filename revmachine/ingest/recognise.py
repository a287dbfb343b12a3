"""What a sheet is and what each column means: the sheet's kind with a confidence, and per column the
field it feeds with how that was decided (by its name, by its content, as a link to another sheet).

For each kind, every (column, field) pair gets a score: how surely the header names the field
(fields.Field.name_score on the folded header, headers.parse), weighed by whether the column's values
look like the field's type (sniff.ColumnProfile); a column that no name matches may still be taken by
its content (a stage column recognised by its values, a unique id column, a link whose values are
another sheet's ids). Pairs are assigned best first, one field per column. The kind's score is the
sum of its assigned fields' scores times how much each field says about the kind, plus the file and
sheet name. The best kind wins when it clearly beats the next; otherwise the sheet is ambiguous and
the user is asked (Data page, or the CLI's --kind), never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from revmachine.ingest import headers as hdr
from revmachine.ingest.fields import KINDS, Field, Kind
from revmachine.ingest.sniff import SF_PREFIXES, ColumnProfile

MIN_PAIR = 0.3  # a weaker (column, field) match is not used
MIN_KIND_SCORE = 1.8  # below this the sheet is not recognised (one id column alone scores 2)
CLEAR_MARGIN = 1.3  # the best kind must score this many times the next, or the sheet is ambiguous
TYPED = {"timestamp", "date", "amount", "pct", "integer", "number", "bool", "currency", "period"}

OBJECT_NAMES = {"account": ("organization", "account", "company"), "person": ("person", "contact"),
                "owner": ("owner", "user"), "deal": ("deal", "opportunity"), "lead": ("lead",),
                "campaign": ("campaign",), "activity": ("activity",), "product": ("product",),
                "pipeline": ("pipeline",), "stage": ("stage",), "user": ("user",)}


@dataclass
class Decision:
    index: int
    header: str
    field: str | None
    how: str  # name | content | link | remembered | yours | profile | ignored
    score: float = 0.0
    evidence: str = ""


@dataclass
class Proposal:
    kind: str | None
    confidence: float
    candidates: list[tuple[str, float]]  # (kind, confidence), best first
    ambiguous: bool
    mapping: dict[int, str]
    decisions: list[Decision]
    scores: dict[str, float] = field(default_factory=dict)


def compat(f: Field, p: ColumnProfile) -> float:
    """How well a column's values fit a field's type (1 = all of them; an empty column fits nothing)."""
    if p.blank:
        return 0.0
    t = f.type
    if t in {"timestamp", "date"}:
        return p.date
    if t == "amount":
        return max(p.money, p.number)
    if t in {"integer", "number"}:
        return p.number if t == "number" else max(p.integer, p.number * 0.8)
    if t == "pct":
        ok = p.pct + (p.number if p.max_number is not None and p.max_number <= 100 and (p.min_number or 0) >= 0
                      else 0)
        return min(1.0, ok)
    if t == "bool":
        return p.bool
    if t == "currency":
        return p.currency
    if t == "period":
        return max(p.period, p.date_text, p.date * 0.6)
    if t == "stage":
        # any short text fits a stage column; stage words make it certain
        return max(p.stage, p.status, 0.5 if p.text > 0.5 and p.distinct <= 200 else 0.1)
    if t == "status":
        return max(p.status, p.stage * 0.8, 0.35 if p.text > 0.5 and p.distinct <= 12 else 0.05)
    if t == "id":
        shape = 1.0 if p.idlike + p.integer >= 0.5 else 0.35  # names (with spaces) are not ids
        return shape * (1.0 if p.unique else 0.6 if p.distinct >= 0.9 * p.n else 0.25)
    if t == "ref":
        return 1.0 if (p.idlike > 0.5 or p.integer > 0.9) else 0.6
    if t == "name":
        return max(p.text, 0.2)
    if t == "text":
        return 1.0 - 0.7 * max(p.date_text, p.money_marked)
    return 1.0


def _texts(h: hdr.Header, kind: Kind) -> list[str]:
    """The ways a header can name a field of this kind: as written; qualified by its object when the
    object is another kind's (a Pipedrive 'Person - Name' in a deals export is the person's name, not
    the deal's); without its own object's word ('Deal - Deal created' -> created); singular
    ('Accounts' -> account); marked as converted money ('Amount (converted)')."""
    text = h.text
    if h.converted:
        return [f"{text} converted"]
    texts = [text]
    own = h.obj in kind.objects if h.obj else False
    if h.obj and not own:
        names = OBJECT_NAMES.get(h.obj, (h.obj,))
        texts = [text] if h.words[0] in names else [f"{n} {text}" for n in names]
    elif h.obj:
        names = {w for o in kind.objects for w in OBJECT_NAMES.get(o, (o,))}
        if len(h.words) > 1 and h.words[0] in names:
            texts.append(" ".join(h.words[1:]))
        texts.append(f"{kind.name.rstrip('s')} {text}")
    last = h.words[-1]
    if len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "sis")):
        texts.append(" ".join([*h.words[:-1], last[:-1]]))
    return texts


def name_score(f: Field, h: hdr.Header, kind: Kind) -> float:
    """The field's name score for the header (the best of its readings, _texts)."""
    if not h.words:
        return 0.0
    best = 0.0
    for t in _texts(h, kind):
        variant = hdr.Header(h.raw, tuple(t.split()), h.obj, h.unit, h.custom, h.is_relation_id)
        best = max(best, f.name_score(variant))
    return best


# the Salesforce key prefixes each field of a kind holds: a column of ids feeds the field its prefix names,
# whatever its header (an 'ID' column of account ids on opportunities is the account, not the opportunity)
SF_FIELDS: dict[str, dict[str, frozenset[str]]] = {
    "deals": {"deal_id": frozenset({"006"}), "account_id": frozenset({"001"}), "contact_id": frozenset({"003"}),
              "lead_id": frozenset({"00Q"}), "owner": frozenset({"005"}), "campaign": frozenset({"701"})},
    "leads": {"lead_id": frozenset({"00Q", "003"}), "contact_id": frozenset({"003"}), "account_id": frozenset({"001"}),
              "converted_deal_id": frozenset({"006"}), "owner": frozenset({"005"}), "campaign": frozenset({"701"})},
    "activities": {"activity_id": frozenset({"00T", "00U"}), "lead_id": frozenset({"00Q", "003"}),
                   "deal_id": frozenset({"006", "001"}), "owner": frozenset({"005"})},
    "owners": {"owner_id": frozenset({"005"}), "manager": frozenset({"005"})},
    "accounts": {"account_id": frozenset({"001"}), "owner": frozenset({"005"})},
    "campaigns": {"campaign_id": frozenset({"701"}), "owner": frozenset({"005"})},
    "stage_history": {"record_id": frozenset({"006", "00Q"})},
}


def pair_score(f: Field, h: hdr.Header, p: ColumnProfile, kind: Kind) -> tuple[float, str]:
    """(score, how) of one column for one field."""
    if p.sf_prefix and kind.name in SF_FIELDS:
        # a column of Salesforce ids: its key prefix says which field it is
        if p.sf_prefix not in SF_FIELDS[kind.name].get(f.name, frozenset()):
            return 0.0, ""
        ns = name_score(f, h, kind)
        if ns > 0:
            return ns, "name"
        # by its values alone, below any header that names the field ('CreatedById' is no owner)
        return (0.0, "") if h.has("created", "modified", "by", "last") else (0.6, "content")
    ns = name_score(f, h, kind)
    c = compat(f, p)
    if ns > 0:
        if p.blank:
            return ns * 0.5, "name"
        if f.type in TYPED:
            s = ns * (0.35 + 0.65 * c)
            if p.n >= 3 and c < 0.3:
                s *= 0.2  # the values refuse the name ('Revenue' holding 'System Calculated')
        else:
            s = ns * (0.6 + 0.4 * c)
            if f.type in {"stage", "status"} and ns < 0.8 and max(p.stage, p.status) < 0.3:
                s *= 0.5  # a generic 'Status' whose values are no stage names (a program status)
        return s, "name"
    # content alone: a stage or status column by its values
    if f.type == "stage" and p.stage >= 0.7 and p.distinct >= 2:
        return 0.55 * p.stage, "content"
    if f.type == "status" and p.status >= 0.8 and 2 <= p.distinct <= 6:
        return 0.5 * p.status, "content"
    if f.name == "email" and p.email >= 0.8:
        return 0.6, "content"
    if f.name == "currency" and p.currency >= 0.9:
        return 0.55, "content"
    return 0.0, ""


def _evidence(f: Field, h: hdr.Header, p: ColumnProfile, how: str) -> str:
    if how == "content":
        if p.sf_prefix:
            return f"its values are Salesforce {SF_PREFIXES[p.sf_prefix]} ids (key prefix {p.sf_prefix})"
        if f.type in {"stage", "status"}:
            shown = ", ".join(repr(v) for v in p.stage_values[:3])
            return f"{p.stage * 100 if f.type == 'stage' else p.status * 100:.0f}% of its values are " \
                   f"{'stage' if f.type == 'stage' else 'open/won/lost'} names ({shown})"
        return f"its values look like {f.label}"
    shares = {"timestamp": p.date, "date": p.date, "amount": max(p.money, p.number), "pct": p.pct or p.number,
              "bool": p.bool, "integer": p.number, "number": p.number, "currency": p.currency}
    tail = ""
    if f.type in shares and p.n:
        tail = f"; {shares[f.type] * 100:.0f}% of its values fit"
    elif f.type == "id" and p.n:
        tail = "; its values are unique" if p.unique else f"; {p.distinct:,} distinct of {p.n:,}"
    return f"the header '{h.raw}' names {f.label}{tail}"


# a field taken only when another is there too; alone, its column feeds the other
FALLBACK = {"weighted_amount": "amount"}


@dataclass(frozen=True)
class Link:
    """A column whose values are (nearly all) the ids of another sheet of the upload, or of loaded data."""

    target_kind: str  # the kind of the sheet whose ids they are
    evidence: str
    subset: bool  # the other sheet has clearly more ids: this column refers to it (it is not a copy)
    repeated: bool = False  # the same id on several rows: a reference, not this sheet's own id


# the field a column linking to a sheet of this kind feeds, per kind of the sheet holding the column
LINK_FIELDS = {
    "leads": {"deals": "lead_id", "activities": "lead_id", "stage_history": "record_id"},
    "deals": {"leads": "converted_deal_id", "activities": "deal_id", "stage_history": "record_id"},
    "accounts": {"leads": "account_id", "deals": "account_id"},
    "owners": {"leads": "owner", "deals": "owner", "activities": "owner", "accounts": "owner", "targets": "owner"},
    "campaigns": {"leads": "campaign", "deals": "campaign"},
}
# each kind's own id field (a sheet whose ids another sheet's column can hold)
OWN_ID = {"leads": "lead_id", "deals": "deal_id", "accounts": "account_id", "owners": "owner_id",
          "campaigns": "campaign_id"}


def link_field(kind: str, target_kind: str) -> str | None:
    """The field of a `kind` sheet that a column holding a `target_kind` sheet's ids feeds."""
    return LINK_FIELDS.get(target_kind, {}).get(kind)


def assign(kind: Kind, hs: list[hdr.Header], profiles: list[ColumnProfile],
           links: dict[int, Link] | None = None,
           fixed: dict[int, str | None] | None = None) -> tuple[float, list[Decision]]:
    """The kind's score and its column decisions. links: columns whose values are another sheet's ids
    (found by content). fixed: columns the user or a remembered mapping decided."""
    fields = {f.name: f for f in kind.fields}
    fixed = fixed or {}
    pairs: list[tuple[float, int, str, str, str]] = []
    for i, (h, p) in enumerate(zip(hs, profiles, strict=True)):
        if i in fixed:
            continue
        for f in kind.fields:
            s, how = pair_score(f, h, p, kind)
            if s >= MIN_PAIR:
                pairs.append((s, i, f.name, how, _evidence(f, h, p, how)))
        if links and i in links:
            lf = link_field(kind.name, links[i].target_kind)
            if lf in fields:  # below a header that names a field: a link only fills what names left
                pairs.append((0.5, i, lf, "link", links[i].evidence))
    decisions: dict[int, Decision] = {}
    used: set[str] = set()
    score = 0.0
    for i, fname in fixed.items():
        if fname is not None:
            decisions[i] = Decision(i, hs[i].raw, fname, "yours", 1.0, "chosen")
            if fname.startswith("period:"):  # a wide targets sheet's period columns: several, one field
                continue
            used.add(fname)
            if fname in fields:
                score += fields[fname].weight
    for s, i, fname, how, ev in sorted(pairs, key=lambda x: (-x[0], x[1])):
        if i in decisions or fname in used:
            continue
        decisions[i] = Decision(i, hs[i].raw, fname, how, s, ev)
        used.add(fname)
        score += s * fields[fname].weight
    for alone, other in FALLBACK.items():
        if alone in used and other not in used and other in fields:
            d = next(d for d in decisions.values() if d.field == alone)
            d.field = other
            d.evidence += f"; the sheet has no other {fields[other].label} column, so it is that"
            score += d.score * (fields[other].weight - fields[alone].weight)
    out = [decisions.get(i) or Decision(i, h.raw, None, "ignored") for i, h in enumerate(hs)]
    return score, out


def _kind_adjust(kind: Kind, decisions: list[Decision], profiles: list[ColumnProfile], hs: list[hdr.Header],
                 hint: str, links: dict[int, Link] | None = None) -> tuple[float, float]:
    """(multiplier, bonus) for a kind from what its mapping implies and the file / sheet name."""
    got = {d.field: d for d in decisions if d.field}
    # what the headers themselves say (a stage column found by its values alone anchors no kind)
    strong = {n for n, d in got.items() if d.score >= 0.5 and d.how != "content"}
    mult, bonus = 1.0, 0.0
    if not (strong & kind.anchors):
        mult *= 0.25
    hint_l = hint.lower()
    if any(w in hint_l for w in kind.hints):
        bonus += 2.0
    # headers that name the kind's own object: Pipedrive's 'Deal - ' prefix, 'Lead ID', 'Opportunity Name'
    words = {w for o in kind.objects for w in OBJECT_NAMES.get(o, (o,))}
    own = sum(1 for h in hs if (h.obj and h.obj in kind.objects) or (h.words and h.words[0] in words))
    bonus += min(own, 6) * 0.5

    def prof(name):
        return profiles[got[name].index] if name in got else None

    if kind.name == "stage_history":
        rid = prof("record_id")
        repeated = rid is not None and rid.n >= 4 and rid.distinct <= 0.8 * rid.n
        if not (repeated or {"field", "old_value"} & strong):
            mult *= 0.2
        elif repeated:
            bonus += 3.0
    if kind.name in {"deals", "leads", "campaigns", "accounts", "owners"}:
        idf = {"deals": "deal_id", "leads": "lead_id", "campaigns": "campaign_id", "accounts": "account_id",
               "owners": "owner_id"}[kind.name]
        p = prof(idf)
        if p is not None and p.n >= 4 and p.distinct <= 0.8 * p.n:
            mult *= 0.35  # an id that repeats is a link, not this sheet's own id (a program's members)
        # its id column holds the ids of another sheet of the same kind, which has more of them: this
        # sheet refers to those records (closed deals of the MQLs, the history of the opportunities)
    # a column holding the ids of another sheet of this kind, which has more of them: this sheet refers
    # to those records (the closed deals of the MQLs, the stage history of the opportunities)
    if any(lk.target_kind == kind.name and (lk.subset or lk.repeated) for lk in (links or {}).values()):
        mult *= 0.3
    if kind.name == "campaigns" and any(f in got for f in ("impressions", "clicks")):
        mult *= 0.5
    # a stage or won/lost column says the rows are deals or leads
    if kind.name in {"owners", "accounts", "campaigns"} and any(p.stage >= 0.7 or p.status >= 0.8 for p in profiles):
        mult *= 0.5
    if kind.name == "ads" and "cost" not in strong and not {"impressions", "clicks"} <= strong:
        mult *= 0.6
    return mult, bonus


def propose(headers: list[str], profiles: list[ColumnProfile], hint: str = "",
            links: dict[int, Link] | None = None, kind: str | None = None,
            fixed: dict[int, str | None] | None = None) -> Proposal:
    """The most likely kind and its mapping. kind: a kind chosen by the user (only the mapping is
    proposed). fixed: columns already decided (by the user or a remembered mapping)."""
    hs = [hdr.parse(h) for h in headers]
    results: dict[str, tuple[float, list[Decision]]] = {}
    for k in ([KINDS[kind]] if kind else KINDS.values()):
        base, decisions = assign(k, hs, profiles, links, fixed)
        mult, bonus = _kind_adjust(k, decisions, profiles, hs, hint, links)
        results[k.name] = (base * mult + (bonus if base > 0 else 0), decisions)
    scores = {k: round(v[0], 3) for k, v in results.items()}
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    total = sum(max(s, 0) for _, s in ranked) or 1.0
    candidates = [(k, s / total) for k, s in ranked if s > 0]
    best, best_s = ranked[0]
    second_s = ranked[1][1] if len(ranked) > 1 else 0.0
    if kind:
        decisions = results[kind][1]
        return Proposal(kind, 1.0, candidates, False, _mapping(decisions), decisions, scores)
    if best_s < MIN_KIND_SCORE:
        return Proposal(None, 0.0, candidates[:3], False, {}, [Decision(i, h.raw, None, "ignored")
                                                             for i, h in enumerate(hs)], scores)
    decisions = results[best][1]
    conf = best_s / (best_s + second_s)  # how clearly the best kind beats the next one
    ambiguous = second_s > 0 and best_s < CLEAR_MARGIN * second_s
    return Proposal(best, conf, candidates[:3], ambiguous, _mapping(decisions), decisions, scores)


def _mapping(decisions: list[Decision]) -> dict[int, str]:
    """Columns -> fields to load. A 'signal' column (one such sheets typically have, e.g. an account's
    Annual Revenue) counted towards the kind but is not loaded: it is shown as ignored, with why."""
    for d in decisions:
        if d.field and d.field.endswith("_signal"):
            d.field, d.how = None, "ignored"
            d.evidence = f"typical of this kind of sheet ({d.evidence}); not loaded"
    return {d.index: d.field for d in decisions if d.field}

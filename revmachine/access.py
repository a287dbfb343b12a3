"""Who may do what: the roles, the rules that give a signed-in person a role, and the check every
write makes (no Streamlit here: the pages, the CLI and the tests use the same rule).

Roles, each with everything of the one before it:

* **viewer**: every page, every export, and the meeting's own writes: action items and forecast
  calls;
* **analyst**: also uploads, mappings, settings, undo and plan versions;
* **admin**: also who has which role (the rules below) and what an unknown person gets.

With no `[auth]` section in `.streamlit/secrets.toml` the app is one person's, on their own machine:
that person is the admin. The command line runs as the machine's user with the analyst's rights (it
is the analyst's tool; whoever can run it can read the files anyway) and says so.

A signed-in person's role comes from rules an admin edits on the Team page: an e-mail, an e-mail
domain or a group (the identity provider's groups claim) -> role. An e-mail rule names one person
and wins over everything else (so one person in an analysts' group can be made a viewer, or shut
out with `refused`); otherwise the highest role any of their domain and group rules gives. The
admins listed in secrets.toml (`[revmachine] admins`) are always admins, so the first admin can
sign in and hand out the other roles. Nobody matched: a viewer or refused, as configured (refused
by default: an identity provider such as Google signs in anyone with an account).
An e-mail the provider says is not verified (`email_verified` false) matches no e-mail or domain
rule: only the groups claim can give that person a role.
"""

from __future__ import annotations

import getpass
import re
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from revmachine.errors import UserError

ROLES = ("viewer", "analyst", "admin")
REFUSED = "refused"
RULE_KINDS = ("email", "domain", "group")
UNKNOWN_CHOICES = ("refuse", "viewer")

# what each kind of write needs; every write function names its kind
NEEDS = {
    "view": "viewer",
    "export": "viewer",
    "action": "viewer",        # action items: the meeting's own
    "forecast": "viewer",      # forecast calls: the meeting's own
    "plan": "analyst",         # plan versions
    "load": "analyst",
    "undo": "analyst",
    "mapping": "analyst",      # sheet mappings and stage names remembered
    "settings": "analyst",     # stages, channel map, settings, currencies
    "backup": "analyst",
    "roles": "admin",
}

WHAT = {
    "action": "adding or changing an action item",
    "forecast": "making a forecast call",
    "plan": "saving a plan version",
    "load": "loading data",
    "undo": "undoing a load",
    "mapping": "changing a mapping",
    "settings": "changing the settings",
    "backup": "taking a backup",
    "roles": "changing who has which role",
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: the name every write records.

    id: the signed-in person's e-mail (else the provider's subject), or `user@host` for the local app
    and the command line. via: 'sign-in', 'local app' or 'command line'. source: why the role."""

    id: str
    name: str
    role: str
    via: str
    source: str = ""

    @property
    def label(self) -> str:
        return self.id if not self.name or self.name == self.id else f"{self.name} <{self.id}>"

    def may(self, what: str) -> bool:
        return rank(self.role) >= rank(NEEDS[what])


def rank(role: str | None) -> int:
    return ROLES.index(role) + 1 if role in ROLES else 0


def require(actor: Actor | None, what: str) -> Actor:
    """The actor (the command line's when None), or a UserError when their role does not allow it."""
    a = actor or command_line()
    if not a.may(what):
        need = NEEDS[what]
        raise UserError(f"{WHAT.get(what, what)} needs the {need} role; {a.label} is "
                        f"{'refused' if a.role == REFUSED else 'a ' + a.role}. Nothing was changed.",
                        hint="An admin gives roles on the Team page.")
    return a


def machine_user() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def command_line() -> Actor:
    """The command line: the machine's user, with the analyst's rights."""
    u = machine_user()
    return Actor(u, u, "analyst", "command line", "the command line runs as the machine's user, as an analyst")


def local_app() -> Actor:
    """The app with no sign-in configured: one person on their own machine, the admin."""
    u = machine_user()
    return Actor(u, u, "admin", "local app", "no sign-in configured: the app is this machine's user's")


def first_start() -> Actor:
    """The server itself, building the demo database on its first start (no person asked for it)."""
    u = machine_user()
    return Actor(u, "the app's first start (demo data)", "analyst", "first start", "the server's own user")


@dataclass(frozen=True)
class Rule:
    kind: str   # email | domain | group
    value: str
    role: str   # viewer | analyst | admin | refused


def clean_rules(rows: Iterable[Mapping[str, Any]]) -> list[Rule]:
    """Rules as typed on the Team page: blank rows dropped, e-mails and domains lower-cased, a
    domain without its '@', each (kind, value) once. UserError on anything else."""
    out: dict[tuple[str, str], Rule] = {}
    for i, r in enumerate(rows, start=1):
        kind = str(r.get("kind") or "").strip().lower()
        value = str(r.get("value") or "").strip()
        role = str(r.get("role") or "").strip().lower()
        if not kind and not value:
            continue
        if kind not in RULE_KINDS:
            raise UserError(f"rule {i}: the kind is one of {', '.join(RULE_KINDS)}, not '{kind}'.")
        if not value:
            raise UserError(f"rule {i}: say which {kind} it is about.")
        if role not in (*ROLES, REFUSED):
            raise UserError(f"rule {i} ({value}): the role is one of {', '.join((*ROLES, REFUSED))}.")
        if kind == "email":
            value = value.lower()
            if not re.fullmatch(r"[^@\s]+@[^@\s]+", value):
                raise UserError(f"rule {i}: '{value}' is not an e-mail address.")
        elif kind == "domain":
            value = value.lower().lstrip("@")
            if not re.fullmatch(r"[a-z0-9.-]+\.[a-z0-9-]+", value):
                raise UserError(f"rule {i}: '{value}' is not an e-mail domain (example.com).")
        if role == REFUSED and kind != "email":
            raise UserError(f"rule {i}: only an e-mail rule can refuse (one person); a domain or group nobody "
                            "should use is simply left out.")
        out[(kind, value)] = Rule(kind, value, role)
    return list(out.values())


def groups_of(claims: Mapping[str, Any], claim: str = "groups") -> list[str]:
    g = claims.get(claim)
    if isinstance(g, str):
        return [g]
    if isinstance(g, list | tuple):
        return [str(x) for x in g]
    return []


def role_for(claims: Mapping[str, Any], rules: Iterable[Rule], *, unknown: str = "refuse",
             admins: Iterable[str] = (), groups_claim: str = "groups") -> tuple[str, str]:
    """(role, why) for a signed-in person's claims; role 'refused' when they may not in."""
    email = str(claims.get("email") or "").strip().lower()
    verified = claims.get("email_verified") is not False
    rules = list(rules)
    if email and verified and email in {a.strip().lower() for a in admins}:
        return "admin", "listed as an admin in secrets.toml"
    if email and verified:
        for r in rules:
            if r.kind == "email" and r.value == email:
                return r.role, f"e-mail rule {r.value}"
    found: list[tuple[str, str]] = []
    domain = email.rpartition("@")[2] if "@" in email else ""
    if domain and verified:
        found += [(r.role, f"domain rule {r.value}") for r in rules if r.kind == "domain" and r.value == domain]
    groups = set(groups_of(claims, groups_claim))
    found += [(r.role, f"group rule {r.value}") for r in rules if r.kind == "group" and r.value in groups]
    found = [f for f in found if f[0] in ROLES]
    if found:
        return max(found, key=lambda f: rank(f[0]))
    if unknown == "viewer":
        return "viewer", "no rule names them: unknown people are viewers"
    return REFUSED, "no rule names them: unknown people are refused"


def signed_in(claims: Mapping[str, Any], rules: Iterable[Rule], *, unknown: str = "refuse",
              admins: Iterable[str] = (), groups_claim: str = "groups") -> Actor:
    """The Actor for a signed-in person's identity-token claims."""
    role, why = role_for(claims, rules, unknown=unknown, admins=admins, groups_claim=groups_claim)
    ident = str(claims.get("email") or claims.get("sub") or "").strip()
    name = str(claims.get("name") or claims.get("preferred_username") or ident).strip()
    return Actor(ident, name, role, "sign-in", why)

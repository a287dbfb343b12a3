"""Sign-in and the person at the keyboard (Streamlit-side, like ui.py and cache.py).

With an `[auth]` section in `.streamlit/secrets.toml` (Streamlit's own `st.login`, OpenID Connect),
every page needs a signed-in person: `gate()` runs before the navigation and shows a signed-out
visitor the sign-in and nothing else, shows a person the rules give no role a refusal, and asks
again for a sign-in older than REVMACHINE_SESSION_HOURS. Streamlit checks the identity cookie's
signature and age itself (a forged or 30-day-old cookie is no sign-in at all). Without `[auth]` the
app is one person's on their own machine (access.local_app) and says so; started on an address
other people can reach, it warns in the console and in the sidebar.

`actor()` is who is acting on this run, with their role from the rules on the Team page
(access.role_for): every write a page makes passes it on, and `allows(what)` decides what a page
offers.
"""

from __future__ import annotations

import ipaddress
import sys
import time
from typing import Any

import streamlit as st

from revmachine import access, cache, config, db, state
from revmachine.format import esc

# the addresses of app.py's pages ("" = the default page)
PAGE_PATHS = ("", "dashboard", "funnel", "matrix", "planning", "meeting", "data", "team")


def auth_section() -> dict[str, Any] | None:
    """The [auth] section of the secrets, or None (no sign-in configured)."""
    try:
        if not st.secrets.load_if_toml_exists():
            return None
        sec = st.secrets.get("auth")
    except (FileNotFoundError, KeyError):
        return None
    return dict(sec) if sec else None


def enabled() -> bool:
    return auth_section() is not None


def _team_settings() -> dict[str, Any]:
    """The [revmachine] section of the secrets: admins (always admins), groups_claim."""
    try:
        if not st.secrets.load_if_toml_exists():
            return {}
        return dict(st.secrets.get("revmachine") or {})
    except (FileNotFoundError, KeyError):
        return {}


def admins() -> list[str]:
    a = _team_settings().get("admins") or []
    return [a] if isinstance(a, str) else [str(x) for x in a]


def groups_claim() -> str:
    return str(_team_settings().get("groups_claim") or "groups")


def providers() -> list[str | None]:
    """The named providers ([auth.google], [auth.microsoft]...), or [None] for the one unnamed."""
    sec = auth_section() or {}
    named = [k for k, v in sec.items() if isinstance(v, dict) and ("client_id" in v or "server_metadata_url" in v)]
    return named or [None]


def _claims() -> dict[str, Any]:
    try:
        return st.user.to_dict()
    except Exception:  # outside a script run
        return {}


def actor() -> access.Actor:
    """Who is acting: the signed-in person with their role (refused when no rule lets them in), or
    the local app's user when sign-in is off."""
    if not enabled():
        return access.local_app()
    claims = _claims()
    if not claims.get("is_logged_in"):
        return access.Actor("", "", access.REFUSED, "sign-in", "not signed in")
    if _expired(claims):
        return access.Actor(str(claims.get("email") or ""), "", access.REFUSED, "sign-in", "sign-in expired")
    return access.signed_in(claims, cache.state_call(state.rules), unknown=cache.state_call(state.unknown_users),
                            admins=admins(), groups_claim=groups_claim())


def allows(what: str) -> bool:
    return actor().may(what)


def _expired(claims: dict[str, Any]) -> bool:
    iat = claims.get("iat")
    try:
        return iat is not None and time.time() - float(iat) > config.session_hours() * 3600
    except (TypeError, ValueError):
        return True


def gate(navigation: bool = False) -> access.Actor:
    """Let the person in, or draw the sign-in (or the refusal) and stop the run. navigation: called
    by app.py before its own navigation, which the screen then replaces (a signed-out visitor sees
    no page list and no page, whatever the address)."""
    if not enabled():
        _warn_if_exposed()
        return access.local_app()
    claims = _claims()
    who = actor()
    if who.role != access.REFUSED:
        if st.session_state.get("_seen_as") != (who.id, who.role):
            state.seen(db.resolve(), who)  # the Team page lists who signed in, once per session
            st.session_state["_seen_as"] = (who.id, who.role)
        return who
    if not claims.get("is_logged_in"):
        screen = _sign_in_screen
    elif _expired(claims):
        screen = _expired_screen
    else:
        screen = _refused_screen
    if navigation:
        # the screen under every page's address, so a link to /data shows it too (not "page not found")
        st.navigation([st.Page(screen, title="Sign in", url_path=u or "signin", default=not u)
                       for u in PAGE_PATHS], position="hidden").run()
    else:
        screen()
    st.stop()
    raise AssertionError("unreachable")


def _buttons(label: str) -> None:
    for i, p in enumerate(providers()):
        text = label if p is None else f"{label} with {p.replace('_', ' ').title()}"
        st.button(text, key=f"signin_{i}", type="primary", on_click=st.login, args=(p,) if p else ())


def _sign_in_screen() -> None:
    st.title("Revenue Machine")
    st.markdown("Sign in with your company account to open the team's sales and marketing figures.")
    _buttons("Sign in")


def _expired_screen() -> None:
    st.title("Revenue Machine")
    st.warning(f"Your sign-in is more than {config.session_hours():g} hours old: sign in again to go on.")
    _buttons("Sign in again")


def _refused_screen() -> None:
    who = access.signed_in(_claims(), cache.state_call(state.rules), unknown=cache.state_call(state.unknown_users),
                           admins=admins(), groups_claim=groups_claim())
    st.title("Revenue Machine")
    st.error(esc(f"You are signed in as {who.label}, but this app has no role for you ({who.source})."))
    names = admins()
    st.markdown(esc("Ask an admin to give you one on the Team page" + (f": {', '.join(names)}." if names else ".")))
    st.button("Sign out", key="signout_refused", on_click=st.logout)


def sidebar_identity(who: access.Actor) -> None:
    """Who is signed in and as what, with the way out (in the sidebar, under the filters); once a run
    (a page run on its own after app.py's frame draws the frame again when there is no data)."""
    if _key_used("signout"):
        return
    if who.via == "sign-in":
        st.caption(esc(f"Signed in as {who.label} · {who.role}"))
        st.button("Sign out", key="signout", on_click=st.logout)
    else:
        st.caption(esc(f"Sign-in is off: this app is {who.id}'s, on this machine (README: Team mode)."))
        if _exposed_address():
            st.warning(esc(f"This server listens on {_exposed_address()} with no sign-in: anyone who can reach it "
                           "can read and change the data. Configure [auth] in .streamlit/secrets.toml."),
                       icon=":material/warning:")


def _key_used(key: str) -> bool:
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

        ctx = get_script_run_ctx()
        return ctx is not None and key in ctx.shared.widget_user_keys_this_run
    except (ImportError, AttributeError):
        return False


def _exposed_address() -> str | None:
    """The bind address when other machines can reach it (None for a loopback address)."""
    addr = (st.get_option("server.address") or "").strip()
    if addr in ("", "0.0.0.0", "::"):
        return addr or "every network interface"
    if addr == "localhost":
        return None
    try:
        return None if ipaddress.ip_address(addr.strip("[]")).is_loopback else addr
    except ValueError:
        return addr  # a host name: reachable by whoever resolves it


_warned: set[str] = set()


def _warn_if_exposed() -> None:
    addr = _exposed_address()
    if addr and addr not in _warned:
        _warned.add(addr)
        print(f"WARNING: Revenue Machine is listening on {addr} with no sign-in: anyone who can reach this server "
              "can read the CRM data and change it. Add an [auth] section to .streamlit/secrets.toml (README: "
              "Team mode), or bind to 127.0.0.1.", file=sys.stderr, flush=True)

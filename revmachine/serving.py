"""The host names the server answers to, and `python -m revmachine serve`.

A page on another site can make a browser talk to a server on this machine by pointing its own
host name at 127.0.0.1 (DNS rebinding): the browser then sends `Host: attacker.example` and treats
the answers as that site's. Streamlit refuses a WebSocket whose Host header is not in
`server.allowedHosts` (its port is ignored), and the app works only over its WebSocket. So the
server answers only to its own names: `.streamlit/config.toml` lists the loopback names for the
default bind (127.0.0.1); a server bound to another address answers to the names derived from it
(`allowed_hosts`) plus `REVMACHINE_ALLOWED_HOSTS` (e.g. the reverse proxy's public name).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import sys
from pathlib import Path

LOOPBACK = ("localhost", "127.0.0.1", "::1")


def _is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _machine_names() -> list[str]:
    names = [socket.gethostname(), socket.getfqdn()]
    with contextlib.suppress(OSError):
        names += [ai[4][0] for ai in socket.getaddrinfo(socket.gethostname(), None)]
    return names


def allowed_hosts(address: str | None, extra: str | None = None) -> list[str]:
    """The host names a server bound to `address` answers to: the loopback names always; a specific
    address and the machine's own names when it is bound to it; every address of the machine when it
    is bound to all (0.0.0.0 / ::); plus `extra` (REVMACHINE_ALLOWED_HOSTS: names separated by commas
    or spaces, `*.example.com` for subdomains; `*` alone turns the check off)."""
    extra_names = [h for h in (extra or "").replace(",", " ").split() if h]
    if "*" in extra_names:
        return ["*"]
    out = list(LOOPBACK)
    address = (address or "").strip().strip("[]")
    if address and not _is_loopback(address):
        if address not in ("0.0.0.0", "::"):
            out.append(address)
        out += _machine_names()
    out += extra_names
    seen: set[str] = set()
    return [h for h in (x.lower().rstrip(".") for x in out) if h and not (h in seen or seen.add(h))]


def serve_command(address: str, port: int | None, extra: str | None) -> list[str]:
    """The `streamlit run app.py` command line for a server bound to `address` (Streamlit takes a
    list option as the same flag once per item)."""
    root = Path(__file__).resolve().parent.parent
    cmd = [sys.executable, "-m", "streamlit", "run", str(root / "app.py"), "--server.address", address]
    for h in allowed_hosts(address, extra):
        cmd += ["--server.allowedHosts", h]
    if port:
        cmd += ["--server.port", str(port)]
    return cmd


def serve(address: str | None, port: int | None) -> int:
    """Start the app bound to `address` (default: REVMACHINE_ADDRESS, else 127.0.0.1), answering to
    its own host names only."""
    address = address or os.environ.get("REVMACHINE_ADDRESS") or "127.0.0.1"
    cmd = serve_command(address, port, os.environ.get("REVMACHINE_ALLOWED_HOSTS"))
    os.execv(cmd[0], cmd)
    return 0  # not reached

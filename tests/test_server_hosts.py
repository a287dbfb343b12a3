"""The server answers only to its own host names: a WebSocket whose Host header is another site's (a
page that pointed its name at 127.0.0.1, "DNS rebinding") is refused, and a server bound to another
address answers to the names derived from it."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from revmachine import serving

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _handshake(port: int, host: str, origin: str | None) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: streamlit, x\r\n"
                   + (f"Origin: {origin}\r\n" if origin else "") + "\r\n").encode())
        answer = s.recv(4096).decode(errors="replace")
    return answer.splitlines()[0] if answer else ""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`streamlit run app.py` as the README starts it (its .streamlit/config.toml), on a free port."""
    port = _free_port()
    tmp = tmp_path_factory.mktemp("server")
    env = {**os.environ, "REVMACHINE_DB": str(tmp / "rm.duckdb"), "REVMACHINE_NO_DEMO": "1",
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    env.pop("STREAMLIT_SERVER_ALLOWED_HOSTS", None)
    log = open(tmp / "server.log", "w+")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "streamlit exited early"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_a_websocket_from_another_host_name_is_refused(server):
    port = server
    assert " 101 " in _handshake(port, f"127.0.0.1:{port}", f"http://127.0.0.1:{port}")
    assert " 101 " in _handshake(port, f"localhost:{port}", f"http://localhost:{port}")
    # DNS rebinding: the attacker's name, its own origin
    assert " 403 " in _handshake(port, f"attacker.example:{port}", f"http://attacker.example:{port}")
    # a cross-site page talking to 127.0.0.1
    assert " 101 " not in _handshake(port, f"127.0.0.1:{port}", "http://attacker.example")


def test_the_config_names_the_loopback_hosts():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]
    assert cfg["address"] == "127.0.0.1"
    assert cfg["allowedHosts"] == serving.allowed_hosts("127.0.0.1")
    assert cfg["enableCORS"] is True and cfg["enableXsrfProtection"] is True


def test_allowed_hosts_follow_the_bind_address(monkeypatch):
    monkeypatch.setattr(serving, "_machine_names", lambda: ["crm-box", "crm-box.corp.example", "10.0.0.7"])
    assert serving.allowed_hosts("127.0.0.1") == ["localhost", "127.0.0.1", "::1"]
    assert serving.allowed_hosts("10.0.0.7") == ["localhost", "127.0.0.1", "::1", "10.0.0.7", "crm-box",
                                                  "crm-box.corp.example"]
    assert "crm-box.corp.example" in serving.allowed_hosts("0.0.0.0")
    assert serving.allowed_hosts("0.0.0.0", "rm.example.com, *.sales.example.com")[-2:] == [
        "rm.example.com", "*.sales.example.com"]
    assert serving.allowed_hosts("0.0.0.0", "*") == ["*"]
    cmd = serving.serve_command("0.0.0.0", 8600, "rm.example.com")
    assert cmd[cmd.index("--server.address") + 1] == "0.0.0.0"
    assert [cmd[i + 1] for i, a in enumerate(cmd) if a == "--server.allowedHosts"][-1] == "rm.example.com"

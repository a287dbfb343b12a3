"""Team mode in the browser: a real `streamlit run` with an [auth] section signing in against a real
OpenID Connect provider (oidc-provider-mock) that the test runs on 127.0.0.1.

A signed-out visitor sees the sign-in only; a viewer signs in and has no upload; an analyst loads a
file and the audit trail names them; a forged cookie (another secret), a cookie older than
Streamlit's 30 days and a sign-in older than REVMACHINE_SESSION_HOURS are refused.
"""

import json
import os
import threading
import time

import pytest
from playwright.sync_api import Page, expect

from .test_e2e import (  # noqa: F401 - the browser fixtures: Debian's Chromium, 1280x720
    ARTIFACTS,
    CHROMIUM,
    ROOT,
    _free_port,
    _start,
    _stop,
    browser_context_args,
    browser_type_launch_args,
    idle,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                       reason=f"{CHROMIUM} missing: apt-get install -y chromium"),
]

SECRET = "test-cookie-secret-0123456789abcdef"
USERS = {"vic": {"email": "vic@example.com", "name": "Vic Viewer"},
         "ana": {"email": "ana@example.com", "name": "Ana Analyst", "groups": ["revops"]}}


@pytest.fixture(scope="module")
def provider():
    """A real OIDC provider on 127.0.0.1 (oidc-provider-mock, in a thread of the test process)."""
    import oidc_provider_mock
    import werkzeug.serving

    app = oidc_provider_mock.app(user_claims=[oidc_provider_mock.User(sub=s, claims=c) for s, c in USERS.items()])
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def team_server(provider, tmp_path_factory):
    """The app with sign-in on: example.com people are viewers, the revops group analysts."""
    from revmachine import access, state

    d = tmp_path_factory.mktemp("team")
    db_path = d / "team.duckdb"
    state.save_rules(db_path, access.local_app(), [access.Rule("domain", "example.com", "viewer"),
                                                   access.Rule("group", "revops", "analyst")], "refuse")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    secrets = d / "secrets.toml"
    secrets.write_text(f"""[auth]
redirect_uri = "{url}/oauth2callback"
cookie_secret = "{SECRET}"
client_id = "revenue-machine"
client_secret = "not-a-real-secret"
server_metadata_url = "{provider}/.well-known/openid-configuration"

[revmachine]
admins = ["ada@example.com"]
""")
    proc, log, _ = _start(db_path, d / "streamlit.log", demo=False, extra=("--secrets.files", str(secrets)),
                          port=port)
    try:
        yield url, db_path
    finally:
        _stop(proc, log)


def shot(page: Page, name: str) -> None:
    idle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def sign_in(page: Page, url: str, sub: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name=sub, exact=True).click()  # the provider's predefined user
    page.wait_for_url(f"{url}/**")
    idle(page)


def test_a_signed_out_visitor_sees_only_the_sign_in(page: Page, team_server):
    url, _ = team_server
    expect.set_options(timeout=60_000)
    for path in ("", "/data", "/team"):
        page.goto(url + path)
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        idle(page)
        expect(page.get_by_text("Page not found")).to_have_count(0)  # every address shows the sign-in
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
        expect(page.get_by_test_id("stFileUploader")).to_have_count(0)
        expect(page.get_by_test_id("stMetric")).to_have_count(0)
    shot(page, "signin_signed_out")


def test_a_viewer_signs_in_and_cannot_reach_the_upload(page: Page, team_server):
    url, _ = team_server
    expect.set_options(timeout=60_000)
    sign_in(page, url, "vic")
    expect(page.get_by_text("Signed in as Vic Viewer <vic@example.com> · viewer")).to_be_visible()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Data").click()
    expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
    expect(page.get_by_text("You are signed in as a viewer")).to_be_visible()
    idle(page)
    expect(page.get_by_test_id("stFileUploader")).to_have_count(0)
    expect(page.get_by_role("button", name="Save settings")).to_have_count(0)
    shot(page, "signin_viewer_data_page")
    page.goto(url + "/data")  # a direct link changes nothing
    expect(page.get_by_text("You are signed in as a viewer")).to_be_visible()
    expect(page.get_by_test_id("stFileUploader")).to_have_count(0)


def test_an_analyst_uploads_and_the_audit_names_them(page: Page, team_server):
    from revmachine import audit, db, state

    url, db_path = team_server
    expect.set_options(timeout=60_000)
    sign_in(page, url, "ana")
    expect(page.get_by_text("Signed in as Ana Analyst <ana@example.com> · analyst")).to_be_visible()
    page.goto(url + "/data")
    demo = ROOT / "data" / "demo"
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        [demo / "leads.csv", demo / "deals.csv"])
    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.get_by_text("Loaded batch 1")).to_be_visible()
    with db.read(db_path) as con:
        assert con.execute("select loaded_by from batches").fetchall() == [("ana@example.com",)]
    with state.read(db_path) as con:
        trail = audit.trail(con)
    assert trail.loc[0, ["action", "actor", "role", "via", "target"]].tolist() == [
        "load", "ana@example.com", "analyst", "sign-in", "batch 1"]
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_contain_text("ana@example.com")
    expect(page.get_by_text("Roles are given by an admin: ada@example.com.")).to_be_visible()
    shot(page, "signin_analyst_team_page")


def _cookie(url: str, secret: str, claims: dict, age_days: float = 0) -> dict:
    """A `_streamlit_user` cookie as Streamlit signs it (itsdangerous), with these claims, signed
    `age_days` ago."""
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - age_days * 86400)

    payload = json.dumps({**claims, "origin": url, "is_logged_in": True})
    value = URLSafeTimedSerializer(secret, salt="_streamlit_user", signer=Signer).dumps(payload)
    return {"name": "_streamlit_user", "value": value, "url": url}


@pytest.mark.parametrize("case", ["forged", "30 days old", "signed in 2 days ago"])
def test_a_forged_or_expired_cookie_is_refused(page: Page, team_server, case):
    url, _ = team_server
    expect.set_options(timeout=60_000)
    admin = {"email": "ada@example.com", "name": "Ada Admin", "sub": "ada", "iat": int(time.time())}
    cookie = {"forged": _cookie(url, "guessed-secret-0123456789", admin),
              "30 days old": _cookie(url, SECRET, {**admin, "iat": int(time.time() - 40 * 86400)}, age_days=40),
              "signed in 2 days ago": _cookie(url, SECRET, {**admin, "iat": int(time.time() - 2 * 86400)})}[case]
    page.context.add_cookies([cookie])
    page.goto(url + "/data")
    if case == "signed in 2 days ago":  # a valid cookie, but the sign-in is older than 12 hours
        expect(page.get_by_role("button", name="Sign in again")).to_be_visible()
        expect(page.get_by_text("more than 12 hours old")).to_be_visible()
    else:  # Streamlit does not take the cookie at all
        expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    expect(page.get_by_test_id("stFileUploader")).to_have_count(0)
    expect(page.get_by_text("Ada Admin")).to_have_count(0)
    shot(page, f"signin_refused_{case.replace(' ', '_')}")


def test_a_valid_cookie_is_taken_so_the_refusals_mean_something(page: Page, team_server):
    url, _ = team_server
    expect.set_options(timeout=60_000)
    admin = {"email": "ada@example.com", "name": "Ada Admin", "sub": "ada", "iat": int(time.time())}
    page.context.add_cookies([_cookie(url, SECRET, admin)])
    page.goto(url + "/team")
    expect(page.get_by_text("Signed in as Ada Admin <ada@example.com> · admin")).to_be_visible()
    expect(page.get_by_role("button", name="Save the roles")).to_be_visible()
    shot(page, "signin_admin_team_page")


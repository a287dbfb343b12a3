"""AppTest: the role checks. With [auth] in the secrets and st.user mocked (AppTest.user), each role
sees exactly what it may do; without [auth] the app is the local user's, as before."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from revmachine import access, state

from .hostile import plain

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
DATA = str(ROOT / "views" / "data.py")
TEAM = str(ROOT / "views" / "team.py")
AUTH = {"auth": {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32,
                 "client_id": "rm", "client_secret": "s",
                 "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration"},
        "revmachine": {"admins": ["ada@example.com"]}}
PEOPLE = {"viewer": {"email": "vic@example.com", "name": "Vic"},
          "analyst": {"email": "ana@example.com", "name": "Ana", "groups": ["revops"]},
          "admin": {"email": "ada@example.com", "name": "Ada"},
          "stranger": {"email": "eve@elsewhere.org", "name": "Eve"}}


@pytest.fixture
def team_db(demo_env):
    state.save_rules(demo_env, access.local_app(), [access.Rule("domain", "example.com", "viewer"),
                                                    access.Rule("group", "revops", "analyst")], "refuse")
    return demo_env


def run(path, who=None, logged_in=True, auth=True):
    at = AppTest.from_file(path, default_timeout=90)
    if auth:
        at.secrets = AUTH
        at.user = {"is_logged_in": logged_in, **(PEOPLE[who] if who else {})}
    at.run()
    assert not at.exception, at.exception
    return at


def test_signed_out_sees_the_sign_in_only(team_db):
    at = run(APP, logged_in=False)
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.file_uploader and not at.sidebar.markdown


def test_a_viewer_has_no_upload_settings_or_roles(team_db):
    at = run(DATA, "viewer")
    assert not at.file_uploader and "You are signed in as a viewer" in plain(at.info[0].value)
    assert "save_channels" not in [b.key for b in at.button]
    team = run(TEAM, "viewer")
    assert any("Roles are given by an admin" in plain(i.value) for i in team.info)
    assert not [b for b in team.button if b.key == "save_roles"]


def test_an_analyst_loads_but_does_not_give_roles(team_db):
    at = run(DATA, "analyst")
    assert at.file_uploader and any(b.key == "save_channels" for b in at.button)
    team = run(TEAM, "analyst")
    assert not [b for b in team.button if b.key == "save_roles"]
    assert "analyst (group rule revops)" in plain(team.caption[0].value)


def test_an_admin_gives_roles(team_db):
    team = run(TEAM, "admin")
    assert "admin (listed as an admin in secrets.toml)" in plain(team.caption[0].value)
    team.radio(key="unknown_users").set_value("viewer")
    team.button(key="save_roles").click().run()
    assert not team.exception, team.exception
    assert any("Saved 2 rule(s)" in plain(s.value) for s in team.success)
    with state.read(team_db) as con:
        assert state.unknown_users(con) == "viewer"
    # now a stranger gets in, as a viewer
    at = run(DATA, "stranger")
    assert not at.file_uploader and "You are signed in as a viewer" in plain(at.info[0].value)


def test_a_stranger_is_refused(team_db):
    at = run(APP, "stranger")
    assert "no role for you" in plain(at.error[0].value) and [b.label for b in at.button] == ["Sign out"]
    assert not at.metric and not at.file_uploader


def test_without_auth_the_local_user_does_everything(team_db):
    at = run(DATA, auth=False)
    assert at.file_uploader and any(b.key == "save_channels" for b in at.button)
    assert any("Sign-in is off" in plain(c.value) for c in at.sidebar.caption)

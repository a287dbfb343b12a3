"""The app-state file (state.py), the roles (access.py) and the audit trail (audit.py)."""

import csv
import hashlib
import io
import json
import shutil

import duckdb
import pytest

from revmachine import access, audit, configure, db, meeting, planning, schema, state
from revmachine.cli import main
from revmachine.errors import UserError
from revmachine.ingest import load, stage

VIEWER = access.Actor("vic@example.com", "Vic", "viewer", "sign-in", "test")
ANALYST = access.Actor("ana@example.com", "Ana", "analyst", "sign-in", "test")
ADMIN = access.Actor("ada@example.com", "Ada", "admin", "sign-in", "test")


def _load(db_path, rows=b"Lead ID,Create Date,Lead Source\nA,2026-01-05,Webinar\nB,2026-01-06,Outbound\n",
          actor=None):
    return load.load(stage.prepare([stage.UploadFile("l.csv", rows)]), db_path, actor=actor)


def _sha(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_an_action_item_is_written_without_touching_the_data_file(db_path):
    _load(db_path)
    db.ensure_current(db_path)
    before, mtime = _sha(db_path), db_path.stat().st_mtime_ns
    new = meeting.add_action("SAL → Opportunity", "Call back within a day", "Dana", path=db_path, actor=VIEWER)
    meeting.update_action(new, db_path, actor=VIEWER, status="done")
    assert _sha(db_path) == before and db_path.stat().st_mtime_ns == mtime  # bytes and mtime unchanged
    with state.read(db_path) as con:
        items = meeting.actions(con)
        trail = audit.trail(con)
    assert items.loc[0, "created_by"] == "vic@example.com" and items.loc[0, "status"] == "done"
    assert trail.action.tolist()[:2] == ["action.update", "action.add"]
    assert trail.loc[0, "detail"] == "status: open → done" and trail.loc[0, "actor"] == "vic@example.com"
    assert trail.loc[1, "target"] == f"action item {new}"
    assert state.path_for(db_path).stat().st_size < 2_000_000  # a small file (16 KB blocks)


def test_the_load_and_the_undo_name_who_did_them(db_path):
    r = _load(db_path, actor=ANALYST)
    with pytest.raises(UserError, match="needs the analyst role"):
        _load(db_path, actor=VIEWER)
    with pytest.raises(UserError, match="needs the analyst role"):
        load.undo_batch(db_path, None, actor=VIEWER)
    load.undo_batch(db_path, r.batch_id, actor=ADMIN)
    with db.read(db_path) as con:
        h = load.history(con)
    assert h.loc[0, "loaded_by"] == "ana@example.com" and h.loc[0, "undone_by"] == "ada@example.com"
    with state.read(db_path) as con:
        t = audit.trail(con)
    assert t[["action", "actor", "target"]].values.tolist() == [
        ["undo", "ada@example.com", "batch 1"], ["load", "ana@example.com", "batch 1"]]
    assert "l.csv" in t.loc[1, "detail"] and "leads 2" in t.loc[1, "detail"]


def test_settings_live_in_the_state_and_the_marts_follow_once(db_path, monkeypatch):
    _load(db_path)
    with pytest.raises(UserError, match="needs the analyst role"):
        configure.save_settings({"stale_days": 30}, db_path, actor=VIEWER)
    rebuilds = []
    from revmachine import marts

    orig = marts.rebuild
    monkeypatch.setattr(marts, "rebuild", lambda con, progress=None: (rebuilds.append(1), orig(con, progress)))
    said = []
    configure.save_settings({"stale_days": 30, "sla_min_attempts": 4}, db_path, actor=ANALYST,
                            progress=lambda f, t: said.append(t))
    assert len(rebuilds) == 1 and any("Rebuilding the figures" in t for t in said)
    with state.read(db_path) as con:
        assert dict(con.execute("select key, value from config_settings").fetchall())["stale_days"] == "30"
        detail = audit.trail(con).loc[0, "detail"]
    with db.read(db_path) as con:  # the data file's copy, which the marts read
        assert configure.settings(con)["stale_days"] == "30"
    assert "stale_days: 180 → 30" in detail and "sla_min_attempts: 3 → 4" in detail
    # a setting the marts do not read is copied without a rebuild
    rebuilds.clear()
    configure.save_settings({"sla_min_attempts": 5}, db_path, actor=ANALYST)
    assert rebuilds == []
    # reporting currency and rates: one write, one rebuild
    configure.save_currencies("USD", {"EUR": 1.1}, db_path, actor=ANALYST)
    assert len(rebuilds) == 1


def test_a_failed_data_file_write_leaves_the_settings_unchanged(db_path, monkeypatch):
    _load(db_path)
    from revmachine import marts

    monkeypatch.setattr(marts, "rebuild", lambda con, progress=None: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        configure.save_settings({"stale_days": 30}, db_path, actor=ANALYST)
    with state.read(db_path) as con:
        assert dict(con.execute("select key, value from config_settings").fetchall())["stale_days"] == "180"
        assert audit.trail(con).action.tolist() == ["load"]


def _old_database(p):
    """A data file as the version before the app-state file wrote it: schema v2 with action items,
    a plan version, a remembered mapping, a stage name and a changed setting inside."""
    con = duckdb.connect(str(p))
    db._settings(con)
    schema._migrate(con)  # every migration; then as if v6 had never run, with the old tables in use
    con.execute("delete from schema_migrations where version = 6")
    con.execute("""create table if not exists action_items (action_id integer primary key, created_at timestamp not null,
        updated_at timestamp not null, step varchar not null, segment_kind varchar, segment varchar,
        title varchar not null, owner varchar not null, due_date date, status varchar not null, notes varchar,
        metric_at_creation double)""")
    con.execute("create table if not exists plan_versions (plan_name varchar primary key, saved_at timestamp not null, "
                "period varchar not null, inputs json not null)")
    con.execute("create table if not exists mapping_memory (signature varchar primary key, kind varchar, "
                "mapping json not null, saved_at timestamp not null)")
    con.execute("create table if not exists config_stage_aliases (alias varchar primary key, stage varchar not null)")
    con.execute("insert into action_items values (1, now()::timestamp, now()::timestamp, 'MQL → SAL', null, null, "
                "'Old action', 'Dana', null, 'open', null, null)")
    con.execute("insert into plan_versions values ('Q1 plan', now()::timestamp, '2027-Q1', '{\"period\": \"2027-Q1\"}')")
    con.execute("insert into mapping_memory values ('sig', 'leads', '{\"0\": \"lead_id\"}', now()::timestamp)")
    con.execute("insert into config_stage_aliases values ('gewonnen', 'won')")
    con.execute("update config_settings set value = '90' where key = 'stale_days'")
    con.close()


def test_an_older_database_is_migrated_on_first_open_without_losing_anything(db_path):
    _old_database(db_path)
    assert not state.path_for(db_path).exists()
    db.ensure_current(db_path)
    with state.read(db_path) as con:
        assert meeting.actions(con).title.tolist() == ["Old action"]
        assert planning.versions(con).plan_name.tolist() == ["Q1 plan"]
        assert con.execute("select signature from mapping_memory").fetchall() == [("sig",)]
        assert con.execute("select * from config_stage_aliases").fetchall() == [("gewonnen", "won")]
        assert dict(con.execute("select key, value from config_settings").fetchall())["stale_days"] == "90"
    with db.read(db_path) as con:
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        assert not tables & set(state.OWNED)  # nothing kept twice
        assert configure.settings(con)["stale_days"] == "90"
        assert "loaded_by" in {r[0] for r in con.execute("select name from pragma_table_info('batches')").fetchall()}
    # opening it again changes nothing
    before = _sha(db_path), _sha(state.path_for(db_path))
    state._ensured.clear()
    db.ensure_current(db_path)
    assert (_sha(db_path), _sha(state.path_for(db_path))) == before


def test_a_state_file_restored_alone_is_mirrored_into_the_data_file(db_path, tmp_path):
    _load(db_path)
    db.ensure_current(db_path)
    old_state = tmp_path / "old.state"
    shutil.copyfile(state.path_for(db_path), old_state)
    configure.save_settings({"stale_days": 45}, db_path, actor=ANALYST)
    shutil.copyfile(old_state, state.path_for(db_path))  # the state from before the change, put back
    state._ensured.clear()
    db.ensure_current(db_path)
    with db.read(db_path) as con:
        assert configure.settings(con)["stale_days"] == "180"  # the state file is the truth


def test_backup_copies_both_files_as_one(db_path, tmp_path):
    from revmachine.ingest import load as load_mod

    _load(db_path)
    meeting.add_action("MQL → SAL", "Backed up", "Dana", path=db_path)
    out = tmp_path / "backup"
    assert main(["backup", str(out), "--db", str(db_path)]) == 0
    restored = tmp_path / "restored" / db_path.name
    restored.parent.mkdir()
    shutil.copyfile(out / db_path.name, restored)
    shutil.copyfile(out / state.path_for(db_path).name, state.path_for(restored))
    with state.read(restored) as con:
        assert meeting.actions(con).title.tolist() == ["Backed up"]
    with db.read(restored) as con:
        assert con.execute("select count(*) from leads").fetchall() == [(2,)]
    assert (out / load_mod.uploads_dir(db_path).name).is_dir()  # rm.duckdb_uploads: its own folder


def test_roles_from_rules():
    rules = [access.Rule("domain", "example.com", "viewer"), access.Rule("group", "revops", "analyst"),
             access.Rule("email", "boss@example.com", "admin"), access.Rule("email", "gone@example.com", "refused")]
    role = lambda claims, **kw: access.role_for(claims, rules, **kw)[0]  # noqa: E731
    assert role({"email": "x@example.com"}) == "viewer"
    assert role({"email": "x@example.com", "groups": ["revops"]}) == "analyst"  # the highest of domain and group
    assert role({"email": "boss@example.com"}) == "admin"
    assert role({"email": "gone@example.com", "groups": ["revops"]}) == "refused"  # an e-mail rule wins
    assert role({"email": "x@other.org"}) == "refused"
    assert role({"email": "x@other.org"}, unknown="viewer") == "viewer"
    assert role({"email": "x@example.com", "email_verified": False}) == "refused"  # unverified: no e-mail rules
    assert role({"email": "root@other.org"}, admins=["ROOT@other.org"]) == "admin"
    with pytest.raises(UserError, match="only an e-mail rule can refuse"):
        access.clean_rules([{"kind": "domain", "value": "example.com", "role": "refused"}])
    assert access.clean_rules([{"kind": "domain", "value": "@Example.COM", "role": "viewer"}, {}]) == [
        access.Rule("domain", "example.com", "viewer")]


def test_only_an_admin_changes_the_roles(db_path):
    _load(db_path)
    rules = [access.Rule("domain", "example.com", "viewer")]
    with pytest.raises(UserError, match="needs the admin role"):
        state.save_rules(db_path, ANALYST, rules, "viewer")
    with pytest.raises(UserError, match="no longer be an admin"):
        state.save_rules(db_path, ADMIN, rules, "viewer", keeps_admin=lambda rs, unk: False)
    state.save_rules(db_path, ADMIN, rules, "viewer")
    with state.read(db_path) as con:
        assert state.rules(con) == rules and state.unknown_users(con) == "viewer"
        assert audit.trail(con).loc[0, "detail"] == "domain example.com: — → viewer; unknown people: refuse → viewer"


def test_the_cli_says_who_it_writes_as_and_exports_the_audit(db_path, tmp_path, capsys):
    f = tmp_path / "l.csv"
    f.write_bytes(b"Lead ID,Create Date\n=cmd,2026-01-05\n")
    assert main(["load", str(f), "--db", str(db_path)]) == 0
    err = capsys.readouterr().err
    assert f"as {access.machine_user()} (command line: the analyst's rights" in err
    meeting.add_action("MQL → SAL", "=HYPERLINK(\"http://x\")", "Dana", path=db_path)
    capsys.readouterr()
    assert main(["audit", "--db", str(db_path)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["action"] for r in rows] == ["action.add", "load"]
    assert rows[0]["actor"] == access.machine_user() and rows[0]["via"] == "command line"
    assert rows[0]["detail"].startswith("'=HYPERLINK")  # a formula from the data is neutralised
    assert main(["audit", "--db", str(db_path), "--format", "json", "--limit", "1"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1

"""The app state: what people write during the week, in its own small DuckDB file beside the data.

The data file (REVMACHINE_DB) holds the loaded spreadsheets and the marts built from them, hundreds
of MB at a million leads, and a write to it copies the whole file (db.py: copy, write, swap). That is
right for a load and wrong for one action item. So what people write between loads lives in
`<data file stem>.state.duckdb` beside it (`revmachine.state.duckdb` for `revmachine.duckdb`):

* action items, plan versions (and any other meeting record: OWNED below);
* the mapping memory (sheet mappings and stage names remembered);
* the configuration: stages, channel map, settings, exchange rates (MIRRORED below);
* who has which role (`access_rules`, `app_settings`), who signed in (`users`), and the `audit`
  trail: every write, with who and when.

**Connections.** The state file is opened through one in-memory DuckDB instance per process, by
ATTACH, never by a new instance: a DuckDB instance costs ~20 ms to start on this machine, an
ATTACH ~1 ms. A write follows the data file's rule (db.write): under the file's writer lock, a
private copy is written in one transaction, checkpointed and renamed over the live file, so a
reader never waits and never sees half a write, and a failed write leaves the file as it was.
The copy is of a file of a few MB, so an action item costs ~15 ms at any data size.

**The configuration is kept here and mirrored in the data file.** The marts and the screen queries
read `config_stages`, `config_channels`, `config_settings` and `config_fx_rates` in the data file,
in the same transaction as the rows they are built from. This file is where they are changed and
audited; a change writes this file and, nested inside that write (lock order: state, then data),
the data file's copy with the marts rebuilt when the marts read what changed (`change_config`).
Should the two ever differ (a crash between the two renames, one file restored from a backup
without the other), the next open (`ensure`) copies this file's configuration into the data file.

**Older data files** hold the OWNED tables themselves: on first open their rows are copied here
(`insert or ignore` by primary key, so doing it twice adds nothing) and then dropped from the data
file, so nothing is lost and nothing is kept twice. To move another table into the app state: add
a migration creating it below (with a primary key), add its name to OWNED, write it with
`state.write(path, actor, need, action)` instead of `db.write(path)`, and read it with
`state.read(path)` / `cache.state_call(fn)` instead of `db.read(path)` / `cache.call(fn)`.

A consistent backup of both files is `python -m revmachine backup DIR` (`backup` below): it holds
both writer locks (state, then data) while it copies them, so no write lands in between.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import shutil
import stat
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb

from revmachine import access, db
from revmachine.errors import UserError

SUFFIX = ".state.duckdb"

# the tables that live here; an older data file may still hold them (imported, then dropped there)
OWNED = ("action_items", "plan_versions", "mapping_memory", "config_stage_aliases", "forecast_calls")
# kept here, copied into the data file for the marts and the screen queries
MIRRORED = ("config_stages", "config_channels", "config_settings", "config_fx_rates")
# rows of the data file's config_settings that are the data file's own (never mirrored)
DATA_FILE_SETTINGS = ("marts_signature", "marts_config")

_RETRY_SECONDS = 10.0


def path_for(data_path: str | Path | None = None) -> Path:
    """The state file of a data file: beside it, `<stem>.state.duckdb`."""
    p = db.resolve(data_path)
    return p.with_name(p.stem + SUFFIX)


def version(data_path: str | Path | None = None) -> str:
    """The state file's identity (inode, mtime, size): a write changes it, so caches keyed on it
    follow every change."""
    return db.data_version(path_for(data_path))


# --- connections ---------------------------------------------------------------------------------

_host: duckdb.DuckDBPyConnection | None = None
_host_lock = threading.Lock()


def _cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of this process's in-memory host instance (DuckDB asks for one per thread)."""
    global _host
    with _host_lock:
        if _host is None:
            _host = duckdb.connect(":memory:")
            # a commit of the state file checkpoints at once instead of writing a WAL first: the
            # file is a private copy about to be renamed over the live one (one fsync, not two)
            _host.execute("set checkpoint_threshold = '0b'")
        return _host.cursor()


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


# the state file's blocks: 16 KB instead of DuckDB's 256 KB, so a file of a dozen small tables is
# ~0.5 MB instead of ~7 MB, and the copy and the checkpoint of a write take a few ms
BLOCK_SIZE = 16384


@contextlib.contextmanager
def _attached(path: Path | None, *, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor whose default database is `path` attached (None: an empty in-memory one; a path
    that does not exist yet: a new file with BLOCK_SIZE blocks); detached on exit."""
    cur = _cursor()
    alias = f"state_{uuid.uuid4().hex}"
    target = "':memory:'" if path is None else _quote(path)
    options = " (read_only)" if read_only and path else ""
    if path is not None and not read_only and not path.exists():
        options = f" (block_size {BLOCK_SIZE})"
    deadline = time.monotonic() + _RETRY_SECONDS
    try:
        while True:
            try:
                cur.execute(f"attach {target} as {alias}{options}")
                break
            except duckdb.IOException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        cur.execute(f"use {alias}")
        cur.execute("set TimeZone = 'UTC'")  # naive timestamps, as in the data file (db._settings)
        try:
            yield cur
        finally:
            cur.execute("use memory")
            cur.execute(f"detach {alias}")
    finally:
        cur.close()


@contextlib.contextmanager
def read(data_path: str | Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only view of the app state (an empty one with the defaults when there is no state
    file yet and it cannot be made, e.g. a read-only folder)."""
    sp = path_for(data_path)
    if sp.exists():
        with _attached(sp, read_only=True) as con:
            yield con
        return
    with _attached(None, read_only=False) as con:
        _migrate(con)
        yield con


@contextlib.contextmanager
def _write_file(sp: Path, p: Path) -> Iterator[tuple[duckdb.DuckDBPyConnection, int]]:
    """(cursor, schema version found) on a private copy of the state file (of data file p), in one
    transaction; the copy replaces the live file on success. Held under the file's writer lock. A
    new file takes the data file's configuration."""
    db.check_writable(sp)
    try:
        with db._writer_lock(sp):
            db.check_writable(sp)
            before = (db.data_version(p), db.data_version(sp))
            tmp = sp.with_name(f".{sp.name}.{uuid.uuid4().hex}.tmp")
            try:
                if sp.exists():
                    st = sp.stat()
                    shutil.copyfile(sp, tmp)
                    os.chmod(tmp, stat.S_IMODE(st.st_mode))
                    with contextlib.suppress(PermissionError):
                        os.chown(tmp, st.st_uid, st.st_gid)
                with _attached(tmp, read_only=False) as con:
                    try:
                        found = _migrate(con)
                        if found == 0:
                            _seed_config(con, p)
                        con.execute("begin transaction")
                        yield con, found
                        con.execute("commit")  # checkpoint_threshold 0: the commit is the checkpoint
                    except BaseException:
                        with contextlib.suppress(duckdb.Error):
                            con.execute("rollback")
                        raise
                os.replace(tmp, sp)
                if _ensured.get(p) == before:  # the files agreed, and this write keeps them so
                    _ensured[p] = (db.data_version(p), db.data_version(sp))
            finally:
                for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                    with contextlib.suppress(FileNotFoundError):
                        leftover.unlink()
    except (OSError, duckdb.Error) as exc:
        mapped = db.user_error(exc, sp)
        if mapped is exc:
            raise
        raise mapped from None


# --- schema ----------------------------------------------------------------------------------------

def _v1(con: duckdb.DuckDBPyConnection) -> None:
    from revmachine.schema import DEFAULT_CHANNELS, DEFAULT_SETTINGS, DEFAULT_STAGES

    con.execute("""
        create table action_items (
            action_id integer primary key,
            created_at timestamp not null,
            updated_at timestamp not null,
            step varchar not null,
            segment_kind varchar,
            segment varchar,
            title varchar not null,
            owner varchar not null,
            due_date date,
            status varchar not null check (status in ('open', 'done', 'dropped')),
            notes varchar,
            metric_at_creation double,
            created_by varchar,               -- who added it (audit.actor), NULL before sign-in existed
            updated_by varchar                -- who changed it last
        )""")
    con.execute("""
        create table plan_versions (
            plan_name varchar primary key,
            saved_at timestamp not null,
            period varchar not null,
            inputs json not null,
            saved_by varchar
        )""")
    con.execute("""
        create table mapping_memory (
            signature varchar primary key,
            kind varchar,
            mapping json not null,
            saved_at timestamp not null,
            saved_by varchar
        )""")
    con.execute("""
        create table config_stage_aliases (
            alias varchar primary key,        -- a stage or status name as exported, folded (stage_key)
            stage varchar not null            -- a configured stage, or exit:lost|disqualified|rejected
        )""")
    # the configuration the data file mirrors (same columns as there: schema.py v1/v2)
    con.execute("""
        create table config_stages (
            position integer not null,
            stage varchar primary key,
            label varchar not null,
            owner varchar not null,
            benchmark_rate double,
            sla_hours double,
            is_sql boolean not null default false
        )""")
    con.executemany("insert into config_stages values (?, ?, ?, ?, ?, ?, ?)", DEFAULT_STAGES)
    con.execute("""
        create table config_channels (
            channel_key varchar primary key,
            channel_label varchar not null,
            sourced_by varchar not null check (sourced_by in ('marketing', 'sales'))
        )""")
    con.executemany("insert into config_channels values (?, ?, ?)",
                    [(k, label, src) for k, (label, src) in DEFAULT_CHANNELS.items()])
    con.execute("create table config_settings (key varchar primary key, value varchar)")
    con.executemany("insert into config_settings values (?, ?)", list(DEFAULT_SETTINGS.items()))
    con.execute("""
        create table config_fx_rates (
            currency varchar primary key,
            rate double not null
        )""")
    # who has which role
    con.execute("""
        create table access_rules (
            kind varchar not null check (kind in ('email', 'domain', 'group')),
            value varchar not null,
            role varchar not null check (role in ('viewer', 'analyst', 'admin', 'refused')),
            saved_at timestamp not null,
            saved_by varchar,
            primary key (kind, value)
        )""")
    con.execute("create table app_settings (key varchar primary key, value varchar)")
    con.execute("insert into app_settings values ('unknown_users', 'refuse')")
    con.execute("""
        create table users (
            user_id varchar primary key,      -- e-mail (else the provider's subject), or user@host
            name varchar,
            first_seen timestamp not null,
            last_seen timestamp not null,
            role varchar,                     -- the role they had when last seen
            role_source varchar,              -- why
            via varchar
        )""")
    con.execute("""
        create table audit (
            audit_id bigint primary key,
            changed_at timestamp not null,    -- the server's local time
            actor varchar not null,           -- e-mail, or user@host for the local app and the command line
            actor_name varchar,
            role varchar,
            via varchar,                      -- sign-in | local app | command line
            action varchar not null,          -- load, undo, settings, action.add, plan.save, roles...
            target varchar,                   -- batch 7, action item 12, plan 'Q1 stretch'...
            detail varchar
        )""")


def _v2(con: duckdb.DuckDBPyConnection) -> None:
    """The forecast calls recorded in the meeting: each territory's, owner's or the company's commit and
    best case for a period, who called it, who recorded it and when (revmachine/forecast.py)."""
    con.execute("""
        create table if not exists forecast_calls (
            call_id integer primary key,
            period varchar not null,          -- the period the call is for (2026-Q4)
            scope_kind varchar not null check (scope_kind in ('company', 'territory', 'owner')),
            scope varchar not null,           -- the territory or owner ('All' for the company)
            commit_amount decimal(18, 2),
            best_case_amount decimal(18, 2),
            currency varchar,
            called_by varchar not null,       -- who made the call
            note varchar,
            recorded_at timestamp not null,   -- when it was recorded
            recorded_by varchar,              -- who recorded it (the signed-in person, when there is one)
            data_as_of date                   -- the data's as-of date when it was recorded
        )""")


MIGRATIONS: list[tuple[int, str, Callable[[duckdb.DuckDBPyConnection], None]]] = [
    (1, "app state: actions, plans, mapping memory, configuration, roles, users, audit", _v1),
    (2, "forecast calls", _v2),
]
SCHEMA_VERSION = max(v for v, *_ in MIGRATIONS)


def _current_version(con: duckdb.DuckDBPyConnection) -> int:
    try:
        return con.execute("select coalesce(max(version), 0) from state_migrations").fetchall()[0][0]
    except duckdb.CatalogException:  # a new file
        return 0


def _migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Create or upgrade the state schema; returns the version found (0: a new file)."""
    found = _current_version(con)
    if found < SCHEMA_VERSION:
        con.execute("create table if not exists state_migrations "
                    "(version integer primary key, description varchar, applied_at timestamp)")
        for v, description, fn in MIGRATIONS:
            if v > found:
                fn(con)
                con.execute("insert into state_migrations values (?, ?, now()::timestamp)", [v, description])
    return found


# --- the configuration mirror ------------------------------------------------------------------------

def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    # pragma_table_info: ~0.4 ms; information_schema.columns scans every attached catalog (~5 ms)
    return [r[0] for r in con.execute("select name from pragma_table_info(?) order by cid", [table]).fetchall()]


def config_snapshot(con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]] | None = None
                    ) -> dict[str, list[tuple]]:
    """The mirrored configuration as rows (sorted), on a state or a data-file connection; columns:
    the state's columns of each table (so a data file's extra columns do not count)."""
    out = {}
    for t in MIRRORED:
        cols = (columns or {}).get(t) or _columns(con, t)
        where = f" where key not in ({', '.join('?' * len(DATA_FILE_SETTINGS))})" if t == "config_settings" else ""
        rows = con.execute(f"select {', '.join(cols)} from {t}{where}",
                           list(DATA_FILE_SETTINGS) if where else []).fetchall()
        out[t] = sorted(rows, key=repr)
    return out


def _mirror(bulk: duckdb.DuckDBPyConnection, snap: dict[str, list[tuple]], columns: dict[str, list[str]]) -> None:
    """Make the data file's configuration tables hold `snap` (inside the data file's write)."""
    for t in MIRRORED:
        cols = columns[t]
        where = f" where key not in ({', '.join('?' * len(DATA_FILE_SETTINGS))})" if t == "config_settings" else ""
        bulk.execute(f"delete from {t}{where}", list(DATA_FILE_SETTINGS) if where else [])
        if snap[t]:
            bulk.executemany(f"insert into {t} ({', '.join(cols)}) values ({', '.join('?' * len(cols))})", snap[t])


def marts_read(table: str, keys: set[str] | None = None) -> bool:
    """Whether the marts read this configuration table (for config_settings: one of these keys)."""
    from revmachine import marts, sql

    text = "".join(sql.text(f"marts/{n}") for n in (*marts.MARTS, "macros"))
    if table != "config_settings":
        return table in text
    return any(f"'{k}'" in text for k in keys or ())


def _marts_affected(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> bool:
    for t in MIRRORED:
        if before[t] == after[t]:
            continue
        if t == "config_settings":
            changed = {k for k, _ in set(before[t]) ^ set(after[t])}
            if marts_read(t, changed):
                return True
        elif marts_read(t):
            return True
    return False


# --- making sure the two files agree ------------------------------------------------------------------

_ensured: dict[Path, tuple[str, str]] = {}
_ensure_lock = threading.Lock()


def ensure(data_path: str | Path | None = None) -> None:
    """Create or upgrade the state file, bring an older data file's app-state tables into it, and
    make the data file's configuration equal this file's. Cheap when neither file changed since the
    last call in this process. A folder that cannot be written is left alone (reads then see the
    defaults; every write says what to do)."""
    p = db.resolve(data_path)
    sp = path_for(p)
    if _ensured.get(p) == (db.data_version(p), db.data_version(sp)):
        return
    with _ensure_lock:
        try:
            _ensure(p, sp)
        except UserError:
            return  # a folder or file that cannot be written (a read-only copy): read as it is, writes say why
        _ensured[p] = (db.data_version(p), db.data_version(sp))


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("select table_name from duckdb_tables() "
                                      "where database_name = current_database()").fetchall()}


def _ensure(p: Path, sp: Path) -> None:
    db.cleanup(sp)  # what a killed state write left behind (once per process)
    if not sp.exists() or _needs_upgrade(sp):
        with _write_file(sp, p):
            pass  # made or upgraded (a new file takes the data file's configuration)
    if not p.exists():
        return
    with read(p) as con:
        cols = {t: _columns(con, t) for t in MIRRORED}
        snap = config_snapshot(con, cols)
    with db.read(p) as con:
        present = _tables(con)
        legacy = [t for t in OWNED if t in present]
        bulk_snap = config_snapshot(con, cols) if all(t in present for t in MIRRORED) else None
    if not legacy and (bulk_snap is None or bulk_snap == snap):
        return
    # the data file must agree with this file: no app-state tables of its own (their rows are copied
    # here first), the same configuration. Lock order: state, then data (as change_config).
    with _write_file(sp, p) as (scon, _found):
        with db.read(p) as con:
            present = _tables(con)
            rows = {t: con.sql(f"select * from {t}").to_arrow_table() for t in OWNED if t in present}
        for t, arrow in rows.items():
            if arrow.num_rows:  # insert or ignore by primary key: a second import adds nothing
                scon.register("legacy_rows", arrow)
                shared = [c for c in arrow.column_names if c in set(_columns(scon, t))]
                scon.execute(f"insert or ignore into {t} ({', '.join(shared)}) "
                             f"select {', '.join(shared)} from legacy_rows")
                scon.unregister("legacy_rows")
        snap = config_snapshot(scon, cols)
        with db.write(p) as con:
            for t in rows:
                con.execute(f"drop table if exists {t}")  # names from OWNED, never from user text
            if all(t in _tables(con) for t in MIRRORED) and config_snapshot(con, cols) != snap:
                _mirror(con, snap, cols)
                from revmachine import marts

                marts.rebuild(con)


def _needs_upgrade(sp: Path) -> bool:
    with _attached(sp, read_only=True) as con:
        return _current_version(con) < SCHEMA_VERSION


def _seed_config(con: duckdb.DuckDBPyConnection, p: Path) -> None:
    """A new state file takes the configuration the data file has (an older data file's own)."""
    if not p.exists():
        return
    cols = {t: _columns(con, t) for t in MIRRORED}
    with db.read(p) as bulk:
        if not all(t in _tables(bulk) for t in MIRRORED):
            return
        snap = config_snapshot(bulk, cols)
    for t in MIRRORED:
        con.execute(f"delete from {t}")
        if snap[t]:
            con.executemany(f"insert into {t} ({', '.join(cols[t])}) values ({', '.join('?' * len(cols[t]))})",
                            snap[t])


def sync_config(bulk: duckdb.DuckDBPyConnection, data_path: str | Path | None = None) -> None:
    """Inside a write of the data file (a load, an undo): make its configuration this file's before
    the marts are rebuilt. No lock is needed: a configuration change waiting for the data file's
    lock writes its own afterwards."""
    with read(data_path) as con:
        cols = {t: _columns(con, t) for t in MIRRORED}
        snap = config_snapshot(con, cols)
    if config_snapshot(bulk, cols) != snap:
        _mirror(bulk, snap, cols)


# --- writes ---------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Change:
    """One write to the app state: its connection, and what the audit trail says about it (the
    body may fill in target and detail once it knows them, e.g. the new action item's number)."""

    con: duckdb.DuckDBPyConnection
    actor: access.Actor
    action: str
    target: str | None = None
    detail: str | None = None


@contextlib.contextmanager
def write(data_path: str | Path | None, actor: access.Actor | None, need: str, action: str,
          target: str | None = None, detail: str | None = None) -> Iterator[Change]:
    """One small write to the app state, by `actor` (the command line's when None), allowed when
    their role allows `need` (access.NEEDS); its audit row is written in the same transaction.
    The data file is not touched."""
    from revmachine import audit

    who = access.require(actor, need)
    p = db.resolve(data_path)
    ensure(p)
    with _write_file(path_for(p), p) as (con, _found):
        change = Change(con, who, action, target, detail)
        yield change
        audit.record(con, who, change.action, change.target, change.detail)


def change_config(data_path: str | Path | None, actor: access.Actor | None, action: str,
                  apply: Callable[[duckdb.DuckDBPyConnection], Any], *, need: str = "settings",
                  target: str | None = None, detail: Callable[[dict, dict], str] | str | None = None,
                  progress: Callable[[float, str], None] | None = None) -> Any:
    """A change to the configuration: `apply(con)` on the state file's tables; then, inside the same
    write, the data file's copy with the marts rebuilt once when the marts read what changed.
    Returns what apply returned. All or nothing: when the data file cannot be written, the state
    is not changed either. detail: text for the audit, or a function of (before, after)."""
    from revmachine import audit, marts

    who = access.require(actor, need)
    p = db.resolve(data_path)
    ensure(p)
    say = progress or (lambda _f, _t: None)
    say(0.02, "Saving the change...")
    with _write_file(path_for(p), p) as (con, _found):
        before = config_snapshot(con)
        result = apply(con)
        after = config_snapshot(con)
        text = detail(before, after) if callable(detail) else detail
        audit.record(con, who, action, target, text or describe_change(before, after))
        if after != before and p.exists():
            cols = {t: _columns(con, t) for t in MIRRORED}
            rebuild = _marts_affected(before, after)
            say(0.1, "Copying the data file..." if rebuild else "Saving it with the data...")
            with db.write(p) as bulk:
                _mirror(bulk, after, cols)
                if rebuild:
                    marts.rebuild(bulk, progress=lambda f, t: say(0.15 + 0.75 * f, t))
                say(0.92, "Writing the data file...")
    say(1.0, "Saved.")
    return result


def describe_change(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> str:
    """What changed in the configuration, in a line for the audit trail."""
    parts = []
    for t in MIRRORED:
        if before[t] == after[t]:
            continue
        if t == "config_settings":
            b, a = dict(before[t]), dict(after[t])
            parts += [f"{k}: {b.get(k, '—')} → {a.get(k, '—')}" for k in sorted(set(b) | set(a)) if b.get(k) != a.get(k)]
        else:
            added = len(set(after[t]) - set(before[t]))
            removed = len(set(before[t]) - set(after[t]))
            parts.append(f"{t.removeprefix('config_').replace('_', ' ')}: {added} row(s) written, {removed} replaced or removed")
    return "; ".join(parts) or "no change"


def record(data_path: str | Path | None, actor: access.Actor | None, need: str, action: str,
           target: str | None = None, detail: str | None = None) -> None:
    """An audit row for a write made elsewhere (a load or an undo in the data file)."""
    with write(data_path, actor, need, action, target, detail):
        pass


def seen(data_path: str | Path | None, actor: access.Actor) -> None:
    """Note that a person opened the app (once per browser session): the Team page lists them.
    Not an audited change."""
    p = db.resolve(data_path)
    ensure(p)
    now = dt.datetime.now().replace(microsecond=0)
    with _write_file(path_for(p), p) as (con, _found):
        con.execute("""
            insert into users values (?, ?, ?, ?, ?, ?, ?)
            on conflict (user_id) do update set name = excluded.name, last_seen = excluded.last_seen,
                role = excluded.role, role_source = excluded.role_source, via = excluded.via
        """, [actor.id, actor.name, now, now, actor.role, actor.source, actor.via])


# --- roles ----------------------------------------------------------------------------------------------

def rules(con: duckdb.DuckDBPyConnection) -> list[access.Rule]:
    return [access.Rule(k, v, r) for k, v, r in con.execute(
        "select kind, value, role from access_rules order by kind, value").fetchall()]


def unknown_users(con: duckdb.DuckDBPyConnection) -> str:
    r = con.execute("select value from app_settings where key = 'unknown_users'").fetchall()
    return r[0][0] if r and r[0][0] in access.UNKNOWN_CHOICES else "refuse"


def save_rules(data_path: str | Path | None, actor: access.Actor | None, new_rules: list[access.Rule],
               unknown: str, *, keeps_admin: Callable[[list[access.Rule], str], bool] | None = None) -> None:
    """Replace the role rules and the unknown-user choice (admins only). keeps_admin(rules, unknown):
    whether the admin saving them would still be an admin (refused when not: nobody locks
    themselves out by accident)."""
    if unknown not in access.UNKNOWN_CHOICES:
        raise UserError(f"unknown people are either refused or viewers, not '{unknown}'.")
    if keeps_admin is not None and not keeps_admin(new_rules, unknown):
        raise UserError("with these rules you would no longer be an admin; nothing was changed.",
                        hint="Keep a rule that makes you an admin (or list yourself under admins in secrets.toml).")
    with write(data_path, actor, "roles", "roles") as w:
        old = {(r.kind, r.value): r.role for r in rules(w.con)}
        new = {(r.kind, r.value): r.role for r in new_rules}
        was = unknown_users(w.con)
        now = dt.datetime.now().replace(microsecond=0)
        w.con.execute("delete from access_rules")
        w.con.executemany("insert into access_rules values (?, ?, ?, ?, ?)",
                          [(r.kind, r.value, r.role, now, w.actor.id) for r in new_rules])
        w.con.execute("insert or replace into app_settings values ('unknown_users', ?)", [unknown])
        parts = [f"{k} {v}: {old.get((k, v), '—')} → {new.get((k, v), 'removed')}"
                 for k, v in sorted(set(old) | set(new)) if old.get((k, v)) != new.get((k, v))]
        if was != unknown:
            parts.append(f"unknown people: {was} → {unknown}")
        w.detail = "; ".join(parts) or "no change"


# --- backups ---------------------------------------------------------------------------------------------

def backup(data_path: str | Path | None, out_dir: str | Path, actor: access.Actor | None = None,
           with_uploads: bool = True) -> list[Path]:
    """Copy the data file, the state file (and the kept raw uploads) into out_dir as one consistent
    backup: both writer locks are held (state, then data) while they are copied, so no write lands
    between the two copies. Returns the files written."""
    from revmachine.ingest import load as load_mod

    who = access.require(actor, "backup")
    p = db.resolve(data_path)
    if not p.exists():
        raise UserError(f"no database at {p}: nothing to back up.")
    ensure(p)
    sp = path_for(p)
    out = Path(out_dir).expanduser().resolve()
    if out == p.parent:
        raise UserError("back up into another folder than the database's own (the copies would be the files).")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        with db._writer_lock(sp), db._writer_lock(p):
            for src in (p, sp):
                if src.exists():
                    shutil.copy2(src, out / src.name)
                    written.append(out / src.name)
            raw = load_mod.uploads_dir(p)
            if with_uploads and raw.is_dir():
                target = out / raw.name
                shutil.copytree(raw, target, dirs_exist_ok=True)
                written.append(target)
    except OSError as exc:
        mapped = db.user_error(exc, out / p.name)
        if mapped is exc:
            raise
        raise mapped from None
    record(p, who, "backup", "backup", f"both database files copied to {out}")
    return written


def people(con: duckdb.DuckDBPyConnection):
    """Who opened the app (signed in, or the local app), with the role they had then and why."""
    return con.execute("select user_id, name, role, role_source, via, first_seen, last_seen from users "
                       "order by last_seen desc").df()

"""The only place that opens DuckDB.

Concurrency model (see README, "Concurrency"): DuckDB lets one process hold a file read-write and
then nobody else may open it, not even read-only. So no process keeps the database open:

* Readers open a short-lived read-only connection (a bounded retry covers the instant of a swap),
  holding a shared lock on <db>.readers.lock while it is open.
* Writers are serialised by an OS file lock (<db>.lock). A long write (a replace, an undo, a
  settings change: every mart rebuilt) never opens the live file read-write: it copies it, writes
  and commits the copy, closes it (checkpoint) and atomically renames it over the live file. A
  reader that already has the old file open keeps reading a consistent old version; the next one
  opens the new version. A failed write deletes its copy, so the live file stays byte for byte
  what it was.
* An append (write(in_place=True): seconds, whatever the size of the database) writes the live
  file itself in one transaction, so it does not pay for a copy of the whole file: it takes
  <db>.gate.lock (readers arriving now wait behind it), then <db>.readers.lock exclusively once
  the reads already running have closed, and releases both after commit and checkpoint. A reader
  sees the database before or after it; a failed append rolls back. When the running reads do
  not close within a few seconds, or another program holds the file, it writes a copy instead.

The data version is the live file's (inode, mtime, size): cache keys use it, so a load or an undo
invalidates every cached result without opening the database.

A reader opens the file in a database instance of its own (an in-memory instance that attaches the
file read-only), never through DuckDB's per-process instance cache: that cache hands a new
`duckdb.connect(path)` the instance a connection from before the swap still holds, which reads the
old file, and its answer would be cached under the new file's version. A fresh instance opens what
the path names now, so what a reader reads is never older than the version it was asked under.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
import stat
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb

from revmachine import config
from revmachine.errors import UserError

_RETRY_SECONDS = 10.0


def resolve(path: str | Path | None = None) -> Path:
    return Path(path).expanduser().resolve() if path else config.db_path()


def data_version(path: str | Path | None = None) -> str:
    p = resolve(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        return "missing"
    return f"{st.st_ino}:{st.st_mtime_ns}:{st.st_size}"


def _settings(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("set TimeZone = 'UTC'")  # stored timestamps are naive local times; no shifting
    con.execute("set enable_progress_bar = false")  # no progress bars in CLI output or server logs


def memory() -> duckdb.DuckDBPyConnection:
    """An in-memory database with the schema (tests, staging)."""
    from revmachine import schema

    con = duckdb.connect(":memory:")
    _settings(con)
    schema.ensure(con)
    return con


# the catalog name a reader's instance gives the attached database file
_READ_ALIAS = "revmachine"
# DuckDB's words for "another process holds the file read-write": worth waiting for, unlike the rest
_LOCKED_TEXT = ("could not set lock", "conflicting lock")


def check_is_database(p: Path) -> None:
    """Refuse a path that is a folder or a file that is not a DuckDB database (DuckDB writes its magic
    bytes `DUCK` at offset 8), before anything opens or copies it."""
    if p.is_dir():
        raise UserError(f"{p} is a folder, not a database file.",
                        hint="Point --db / REVMACHINE_DB at a .duckdb file (a new name creates one).")
    try:
        with open(p, "rb") as fh:
            head = fh.read(12)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UserError(f"the database file {p} cannot be read ({exc.strerror}).",
                        hint="Check its permissions, or use another --db.") from None
    if head[8:12] != b"DUCK":
        raise UserError(f"{p} is not a Revenue Machine database (not a DuckDB file); nothing was changed.",
                        hint="Point --db / REVMACHINE_DB at the .duckdb file the app made, or at a new name to "
                             "start a new database.")


# Idle reader instances: in-memory DuckDB instances with nothing attached, kept for the next reader.
# Starting an instance costs 15-40 ms (more on a busy machine), attaching the file a few: a page
# asking for ten figures would spend half a second starting instances. An instance serves one reader
# at a time; the file is attached for the read and detached after it, so every read opens the file
# as the path names it then (never a version from before a swap), and nothing holds the file between
# reads (an append written in place waits for no idle instance).
_idle: list[duckdb.DuckDBPyConnection] = []
_idle_lock = threading.Lock()
_IDLE_MAX = 4


def _open_read_only(p: Path) -> duckdb.DuckDBPyConnection:
    """The file as it is now, attached in an instance of this reader's own (see the module's
    docstring); the instance comes from the idle ones when there is one."""
    with _idle_lock:
        con = _idle.pop() if _idle else None
    if con is None:
        con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach $path as {_READ_ALIAS} (read_only)", {"path": str(p)})
        con.execute(f"use {_READ_ALIAS}")
    except BaseException:
        con.close()
        raise
    return con


def _close_read_only(con: duckdb.DuckDBPyConnection) -> None:
    """Detach the file and keep the instance for the next reader, unless the read left anything of
    its own in it (temporary tables or views, registered frames): then it is closed."""
    try:
        con.execute("use memory")
        con.execute(f"detach {_READ_ALIAS}")
        leftovers = con.execute("select (select count(*) from duckdb_tables() where temporary) "
                                "+ (select count(*) from duckdb_views() where temporary and not internal) "
                                "+ (select count(*) from duckdb_databases() where not internal "
                                "and database_name <> 'memory')").fetchone()[0]
    except duckdb.Error:
        con.close()
        return
    with _idle_lock:
        if not leftovers and len(_idle) < _IDLE_MAX:
            _idle.append(con)
            return
    con.close()


@contextlib.contextmanager
def read(path: str | Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection, closed on exit. Raises FileNotFoundError when there is no database,
    a UserError when the path is a folder or not a database."""
    p = resolve(path)
    if not p.exists():
        raise FileNotFoundError(p)
    check_is_database(p)
    source = _reading_from(p)
    with _reading(source):
        deadline = time.monotonic() + _RETRY_SECONDS
        while True:
            try:
                con = _open_read_only(source)
                break
            except duckdb.IOException as exc:
                # another program holds the file read-write (this app's writers wait for its readers)
                if not any(t in str(exc).lower() for t in _LOCKED_TEXT) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        try:
            _settings(con)
            yield con
        finally:
            _close_read_only(con)


# How long a reader waits for an append written in place (a few seconds as a rule), and how long an
# append waits for the readers already reading before it writes a copy instead.
_READ_WAIT_SECONDS = 120.0
_IN_PLACE_WAIT_SECONDS = 5.0


def _flock(path: Path, mode: int, seconds: float):
    """An open lock file holding flock `mode`, waiting up to `seconds` (False when that ran out;
    None when the lock file cannot be made: a folder nobody may write in, so nobody writes in place).
    flock locks belong to the open file, so two threads of one process exclude each other too."""
    try:
        fh = open(path, "a+")  # noqa: SIM115 (returned, closed by the caller)
    except OSError:
        return None
    deadline = time.monotonic() + seconds
    while True:
        try:
            fcntl.flock(fh, mode | fcntl.LOCK_NB)
            return fh
        except BlockingIOError:
            if time.monotonic() > deadline:
                fh.close()
                return False
            time.sleep(0.02)


@contextlib.contextmanager
def _reading(p: Path) -> Iterator[None]:
    """Held by a reader while its connection is open: a shared lock on <db>.readers.lock, taken after
    passing <db>.gate.lock (held by an append written in place, so readers arriving while it waits or
    writes queue behind it instead of starving it)."""
    gate = _flock(p.with_name(p.name + ".gate.lock"), fcntl.LOCK_SH, _READ_WAIT_SECONDS)
    held = None
    try:
        if gate is not False:
            held = _flock(p.with_name(p.name + ".readers.lock"), fcntl.LOCK_SH, _READ_WAIT_SECONDS)
    finally:
        if gate:
            gate.close()
    if gate is False or held is False:
        raise UserError("the database is busy: a load has been writing it for over two minutes.",
                        hint="Try again in a moment.")
    try:
        yield
    finally:
        if held:
            held.close()


@contextlib.contextmanager
def _writer_lock(p: Path, blocking: bool = True) -> Iterator[bool]:
    """The writers' lock (yields False when blocking=False and another process holds it)."""
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fh = open(p.with_name(p.name + ".lock"), "a+")  # noqa: SIM115 (held across the yield)
    except OSError as exc:
        raise user_error(exc, p) from None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# errors a user can cause (and fix) when the database or its folder is written
_USER_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.ENAMETOOLONG, errno.EFBIG}
_USER_IO_TEXT = ("no space left", "disk full", "permission denied", "read-only file system", "file too large",
                 "disk quota")


def user_error(exc: BaseException, p: Path) -> UserError | BaseException:
    """A UserError saying what to do for a full disk, a read-only file or folder, a name too long;
    the exception itself for anything else."""
    code = getattr(exc, "errno", None)
    text = str(exc).lower()
    if isinstance(exc, OSError) and code not in _USER_ERRNOS:
        return exc
    if not isinstance(exc, OSError) and not (isinstance(exc, duckdb.Error) and any(t in text for t in _USER_IO_TEXT)):
        return exc
    folder = p.parent
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) or "space" in text or "full" in text or "quota" in text \
            or "too large" in text:
        try:
            free = f"{shutil.disk_usage(folder).free / 2**20:,.0f} MB free"
        except OSError:
            free = "free space unknown"
        size = p.stat().st_size / 2**20 if p.exists() else 0
        return UserError(f"the disk holding {folder} is full ({free}); nothing was changed.",
                         hint=f"A write needs room for a copy of the database ({size:,.0f} MB) and the upload: free "
                              "some space, or point --db / REVMACHINE_DB at another disk, and try again.")
    if code == errno.ENAMETOOLONG:
        return UserError(f"a file name is too long for the file system under {folder}; nothing was changed.",
                         hint="Rename the file to something shorter and try again.")
    return UserError(f"cannot write in {folder} ({exc.strerror if isinstance(exc, OSError) else str(exc)[:120]}); "
                     "nothing was changed.",
                     hint="Make the folder and the database file writable for this user, or use another --db.")


def check_writable(p: Path) -> None:
    """Refuse a database file or folder that its owner made read-only (even root honours that
    here: the swap would otherwise replace a file someone protected)."""
    for target, what in ((p, "database file"), (p.parent, "folder of the database")):
        try:
            st = target.stat()
        except FileNotFoundError:
            continue
        if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
            raise UserError(f"the {what} {target} is read-only (mode {stat.S_IMODE(st.st_mode):04o}); nothing was "
                            "changed.",
                            hint=f"Make it writable (chmod u+w '{target}') to load or change data, or use another "
                                 "--db.")


@contextlib.contextmanager
def write(path: str | Path | None = None, *, rebuilds_marts: bool = False, in_place: bool = False
          ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection on a private copy inside one transaction; swapped in on success.

    in_place (an append: a small write, seconds): the live file itself is written inside the
    transaction, once the readers already reading are done, while new readers wait for it (see the
    module docstring); when they are not done within a few seconds, or another program holds the
    file, the copy is written as usual. A failure rolls the transaction back: nothing changed.

    Everything done on the connection is one transaction: an exception rolls all of it back and
    the live database is untouched. rebuilds_marts: the caller rebuilds the marts itself (a load,
    an undo), so a new or upgraded database does not build them first. The new file gets the
    live one's mode and owner. A read-only database (or folder) is refused, not replaced; a
    full disk or a folder that cannot be written is a UserError saying what to do.
    """
    from revmachine import schema

    p = resolve(path)
    check_is_database(p)
    check_writable(p)
    try:
        with _writer_lock(p):
            check_writable(p)  # it may have changed while this waited
            if in_place and p.exists():
                con = _open_in_place(p)
                if con is not None:
                    yield from _in_place(con, rebuilds_marts)
                    return
            tmp = p.with_name(f".{p.name}.{uuid.uuid4().hex}.tmp")
            try:
                if p.exists():
                    st = p.stat()
                    shutil.copyfile(p, tmp)
                    os.chmod(tmp, stat.S_IMODE(st.st_mode))
                    with contextlib.suppress(PermissionError):  # only root may give a file away
                        os.chown(tmp, st.st_uid, st.st_gid)
                con = duckdb.connect(str(tmp))
                try:
                    _settings(con)
                    schema.ensure(con, rebuilds_marts=rebuilds_marts)
                    con.execute("begin transaction")
                    yield con
                    con.execute("commit")
                    con.execute("checkpoint")
                except BaseException:
                    with contextlib.suppress(duckdb.Error):
                        con.execute("rollback")
                    raise
                finally:
                    con.close()
                os.replace(tmp, p)
            finally:
                for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                    with contextlib.suppress(FileNotFoundError):
                        leftover.unlink()
    except (OSError, duckdb.Error) as exc:
        mapped = user_error(exc, p)
        if mapped is exc:
            raise
        raise mapped from None


def _open_in_place(p: Path):
    """(lock files, connection) on the live file once its readers are done; None when they are not
    done in time or another program holds the file (the caller writes a copy instead)."""
    gate = _flock(p.with_name(p.name + ".gate.lock"), fcntl.LOCK_EX, _IN_PLACE_WAIT_SECONDS)
    if not gate:
        return None
    readers = _flock(p.with_name(p.name + ".readers.lock"), fcntl.LOCK_EX, _IN_PLACE_WAIT_SECONDS)
    if not readers:
        gate.close()
        return None
    try:
        return (gate, readers), duckdb.connect(str(p))
    except duckdb.Error:
        readers.close()
        gate.close()
        return None


def _in_place(opened, rebuilds_marts: bool):
    from revmachine import schema

    (gate, readers), con = opened
    try:
        _settings(con)
        schema.ensure(con, rebuilds_marts=rebuilds_marts)
        con.execute("begin transaction")
        try:
            yield con
            con.execute("commit")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("rollback")
            raise
        con.execute("checkpoint")
    finally:
        con.close()
        readers.close()
        gate.close()


_cleaned: set[Path] = set()


def cleanup(path: str | Path | None = None, *, force: bool = False) -> list[Path]:
    """Remove what a killed write left behind (once per process and database, unless force): the
    private copies of the database (.<name>.<hex>.tmp and their .wal), the CSV staging copies of
    processes that no longer run, and (ingest.load) kept raw files that no batch names. Done only
    while no writer holds the lock, so nothing in use is touched. Returns what it removed."""
    p = resolve(path)
    if (p in _cleaned and not force) or not p.parent.exists():
        return []
    _cleaned.add(p)
    removed: list[Path] = []
    try:
        with _writer_lock(p, blocking=False) as got:
            if not got:
                _cleaned.discard(p)  # a writer is busy: try again next time
                return []
            for f in p.parent.glob(f".{p.name}.*.tmp*"):
                if _TMP.fullmatch(f.name[len(p.name) + 2:]):
                    with contextlib.suppress(OSError):
                        f.unlink()
                        removed.append(f)
            from revmachine.ingest import load

            removed += load.remove_unnamed_raw_files(p)
    except UserError:
        return removed  # a folder that cannot be written: nothing to clean there
    removed += _remove_dead_staging()
    return removed


_TMP = re.compile(r"[0-9a-f]{32}\.tmp(\.wal)?")
_STAGING = re.compile(r"revmachine-stage-(\d+)-.*\.csv")


def _remove_dead_staging() -> list[Path]:
    import tempfile

    removed = []
    for folder in {Path("/dev/shm"), Path(tempfile.gettempdir())}:
        try:
            entries = list(folder.glob("revmachine-stage-*.csv"))
        except OSError:
            continue
        for f in entries:
            m = _STAGING.fullmatch(f.name)
            if not m:
                continue
            try:
                os.kill(int(m.group(1)), 0)
                continue  # its process still runs
            except ProcessLookupError:
                pass
            except (PermissionError, OverflowError, ValueError):
                continue  # another user's, or not a pid: left alone
            with contextlib.suppress(OSError):
                f.unlink()
                removed.append(f)
    return removed


def ensure_current(path: str | Path | None = None) -> str | None:
    """Upgrade an existing database whose schema or marts are older than this code (one write).

    A database that cannot be written (a read-only file or folder: an archive, a colleague's copy)
    is not refused for reading: its marts are rebuilt in a private copy in the temp folder, made once
    per version of the file, and every read of this process goes there (`read`). Returns a notice
    saying so, or None when the file itself is read. The app-state file beside it (action items,
    settings, roles, audit) is made or upgraded to agree with it (state.ensure)."""
    from revmachine import schema

    p = resolve(path)
    if not p.exists():
        return None
    check_is_database(p)
    cleanup(p)  # once per process: what a killed load left behind
    with read(p) as con:
        old = schema.needs_upgrade(con)
    if old:
        try:
            check_writable(p)
        except UserError:
            copy = _private_upgrade(p)
            _private_copies[p] = (data_version(p), copy)
            return _private_notice(p)
        with write(p):
            pass  # write() upgrades the schema and rebuilds stale marts, then swaps the file in
    notice = _private_notice(p)
    if notice:
        return notice
    from revmachine import state

    state.ensure(p)  # the app-state file beside it (action items, settings, roles, audit): made or upgraded
    return None


# live database -> (its data version, the private upgraded copy reads go to while it has that version)
_private_copies: dict[Path, tuple[str, Path]] = {}


def _reading_from(p: Path) -> Path:
    """The file a reader opens for database `p`: its private upgraded copy while `p` is unchanged."""
    entry = _private_copies.get(p)
    if entry and entry[0] == data_version(p) and entry[1].exists():
        return entry[1]
    return p


def _private_notice(p: Path) -> str | None:
    copy = _reading_from(p)
    if copy == p:
        return None
    return (f"{p} is read-only and was built by an older version of Revenue Machine: its summaries were rebuilt "
            f"in a private copy for reading ({copy}); nothing was written to it. Make it writable (or load into "
            "it) to upgrade it for good.")


def _private_upgrade(p: Path) -> Path:
    """A copy of `p` in the temp folder with the schema and marts of this code (reused while `p` is
    unchanged; copies of older versions of `p` are removed)."""
    import hashlib
    import tempfile

    from revmachine import schema

    version = data_version(p)
    stem = f"revmachine-upgraded-{hashlib.sha256(str(p).encode()).hexdigest()[:12]}"
    folder = Path(tempfile.gettempdir())
    target = folder / f"{stem}-{hashlib.sha256(version.encode()).hexdigest()[:12]}.duckdb"
    if target.exists():
        return target
    for old in folder.glob(f"{stem}-*.duckdb*"):
        with contextlib.suppress(OSError):
            old.unlink()
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        shutil.copyfile(p, tmp)
        os.chmod(tmp, 0o600)
        con = duckdb.connect(str(tmp))
        try:
            _settings(con)
            schema.ensure(con)
            con.execute("checkpoint")
        finally:
            con.close()
        os.replace(tmp, target)
    except (OSError, duckdb.Error) as exc:
        raise UserError(f"{p} is read-only and was built by an older version; rebuilding its summaries in a "
                        f"private copy failed ({str(exc)[:160]}).",
                        hint="Make the file writable, or free space in the temp folder.") from None
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    return target

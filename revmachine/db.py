"""The only place that opens DuckDB.

Concurrency model (see README, "Concurrency"): DuckDB lets one process hold a file read-write and
then nobody else may open it, not even read-only. So no process keeps the database open:

* Readers open a short-lived read-only connection (a bounded retry covers the instant of a swap).
* Writers are serialised by an OS file lock and never open the live file read-write: they copy it,
  write and commit the copy, close it (checkpoint) and atomically rename it over the live file.
  A reader that already has the old file open keeps reading a consistent old version; the next
  one opens the new version. A failed write deletes its copy, so the live file stays byte for byte
  what it was.

The data version is the live file's (inode, mtime, size): cache keys use it, so a load or an undo
invalidates every cached result without opening the database.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb

from revmachine import config

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


@contextlib.contextmanager
def read(path: str | Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection, closed on exit. Raises FileNotFoundError when there is no database."""
    p = resolve(path)
    if not p.exists():
        raise FileNotFoundError(p)
    deadline = time.monotonic() + _RETRY_SECONDS
    while True:
        try:
            con = duckdb.connect(str(p), read_only=True)
            break
        except duckdb.IOException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        _settings(con)
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def _writer_lock(p: Path) -> Iterator[None]:
    p.parent.mkdir(parents=True, exist_ok=True)
    lock_path = p.with_name(p.name + ".lock")
    with open(lock_path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def write(path: str | Path | None = None, *, rebuilds_marts: bool = False
          ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection on a private copy inside one transaction; swapped in on success.

    Everything done on the connection is one transaction: an exception rolls all of it back and
    the live database is untouched. rebuilds_marts: the caller rebuilds the marts itself (a load,
    an undo), so a new or upgraded database does not build them first.
    """
    from revmachine import schema

    p = resolve(path)
    with _writer_lock(p):
        tmp = p.with_name(f".{p.name}.{uuid.uuid4().hex}.tmp")
        try:
            if p.exists():
                shutil.copyfile(p, tmp)
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


def ensure_current(path: str | Path | None = None) -> None:
    """Upgrade an existing database whose schema or marts are older than this code (one write)."""
    from revmachine import schema

    p = resolve(path)
    if not p.exists():
        return
    with read(p) as con:
        old = schema.needs_upgrade(con)
    if old:
        with write(p):
            pass  # write() upgrades the schema and rebuilds stale marts, then swaps the file in

"""Issue 14, item 5: the swap keeps the database file's mode and owner, and startup removes what a
killed load left behind."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

from revmachine import db
from revmachine.ingest import load, readers, stage

from .hostile import LEADS_CSV, ROOT


def _mode(p: Path) -> tuple[int, int, int]:
    st = p.stat()
    return stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid


def test_the_swap_keeps_mode_and_owner(db_path):
    load.load(stage.prepare([stage.UploadFile("seed.csv", LEADS_CSV)]), db_path)
    os.chmod(db_path, 0o640)
    if os.geteuid() == 0:
        os.chown(db_path, 65534, 65534)  # nobody: the swap must not hand the file to root
    before = _mode(db_path)
    ino = db_path.stat().st_ino
    load.load(stage.prepare([stage.UploadFile("more.csv", b"Lead ID,Create Date\nL9,2026-02-01\n")]), db_path)
    assert db_path.stat().st_ino == ino  # an append is written in place
    assert _mode(db_path) == before
    load.load(stage.prepare([stage.UploadFile("all.csv", b"Lead ID,Create Date\nL8,2026-02-01\n")]), db_path,
              modes={"*": "replace"})
    assert db_path.stat().st_ino != ino  # a replace is written on a copy and swapped in
    assert _mode(db_path) == before
    load.undo_last(db_path)
    assert _mode(db_path) == before


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_cleanup_removes_what_a_killed_load_left(db_path):
    load.load(stage.prepare([stage.UploadFile("seed.csv", LEADS_CSV)]), db_path)
    raw_dir = load.uploads_dir(db_path)
    kept = list(raw_dir.iterdir())
    assert len(kept) == 1
    tmp = db_path.with_name(f".{db_path.name}.{'ab' * 16}.tmp")
    tmp.write_bytes(b"half a copy")
    tmp.with_name(tmp.name + ".wal").write_bytes(b"wal")
    orphan = raw_dir / "00002_0123456789abcdef.csv"
    orphan.write_bytes(b"raw of a batch that never committed")
    mine = raw_dir / "notes.txt"  # not a kept copy's name: left alone
    mine.write_text("x")
    dead = Path(tempfile.gettempdir()) / f"{readers.STAGING_PREFIX}{_dead_pid()}-x1.csv"
    dead.write_bytes(b"a staging copy")
    live = Path(tempfile.gettempdir()) / f"{readers.STAGING_PREFIX}{os.getpid()}-x2.csv"
    live.write_bytes(b"in use")
    shm = Path("/dev/shm") / f"{readers.STAGING_PREFIX}{_dead_pid()}-x3.csv"
    if Path("/dev/shm").is_dir():
        shm.write_bytes(b"a staging copy in RAM")
    before = db_path.read_bytes()
    try:
        removed = set(db.cleanup(db_path, force=True))
        assert {tmp, tmp.with_name(tmp.name + ".wal"), orphan, dead} <= removed
        assert not tmp.exists() and not orphan.exists() and not dead.exists() and not shm.exists()
        assert live.exists() and mine.exists() and kept[0].exists()
        assert db_path.read_bytes() == before
    finally:
        live.unlink(missing_ok=True)


def test_cleanup_leaves_a_running_writers_files(db_path):
    load.load(stage.prepare([stage.UploadFile("seed.csv", LEADS_CSV)]), db_path)
    with db.write(db_path) as con:
        con.execute("select 1")
        tmps = list(db_path.parent.glob(f".{db_path.name}.*.tmp"))
        assert tmps
        assert db.cleanup(db_path, force=True) == []  # the writer holds the lock: nothing touched
        assert all(t.exists() for t in tmps)


def test_startup_cleans_after_a_killed_cli_load(db_path, tmp_path):
    """kill -9 of a CLI load (a replace: written on a copy) while it writes: the live file is intact,
    and the next start removes the copy it left."""
    load.load(stage.prepare([stage.UploadFile("seed.csv", LEADS_CSV)]), db_path)
    before = db_path.read_bytes()
    big = tmp_path / "big.csv"
    big.write_bytes(b"Lead ID,Create Date\n" + b"".join(b"L%d,2026-02-01\n" % i for i in range(300_000)))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REVMACHINE_NO_DEMO": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "revmachine", "load", str(big), "--db", str(db_path), "--replace"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import time

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(db_path.parent.glob(f".{db_path.name}.*.tmp")):
        if proc.poll() is not None:
            break
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    assert db_path.read_bytes() == before
    leftovers = list(db_path.parent.glob(f".{db_path.name}.*.tmp*"))
    assert leftovers, "the load was not caught while it wrote"
    db.cleanup(db_path, force=True)
    assert not any(p.exists() for p in leftovers)
    assert not list(db_path.parent.glob(f".{db_path.name}.*.tmp*"))
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("select count(*) from leads").fetchall()[0][0] == 2


def test_a_killed_append_written_in_place_is_all_or_nothing(db_path, tmp_path):
    """kill -9 of a CLI append while it writes the live file in place: the database opens, and holds
    the append whole or not at all (DuckDB's write-ahead log), never a part of it."""
    import fcntl
    import time

    load.load(stage.prepare([stage.UploadFile("seed.csv", LEADS_CSV)]), db_path)
    big = tmp_path / "big.csv"
    big.write_bytes(b"Lead ID,Create Date\n" + b"".join(b"L%d,2026-02-01\n" % i for i in range(300_000)))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REVMACHINE_NO_DEMO": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "revmachine", "load", str(big), "--db", str(db_path)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    gate = db_path.with_name(db_path.name + ".gate.lock")
    caught = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not caught:
        if gate.exists():
            with open(gate) as fh:  # the append holds it while it writes in place
                try:
                    fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
                    fcntl.flock(fh, fcntl.LOCK_UN)
                except BlockingIOError:
                    caught = True
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    assert caught, "the append was not caught while it wrote"
    with db.read(db_path) as con:
        n = con.execute("select count(*) from leads").fetchall()[0][0]
        records = con.execute("select count(*) from funnel_records").fetchall()[0][0]
    assert n in (2, 300_002) and records == n
    assert not list(db_path.parent.glob(f".{db_path.name}.*.tmp*"))  # no copy was made


def test_two_databases_with_the_same_stem_keep_their_raw_files_apart(db_path):
    """rm.duckdb and a backup copy rm.bak: reading the backup (its startup cleanup) must not delete the
    live database's kept raw files, and each keeps its own."""
    import shutil

    load.load(stage.prepare([stage.UploadFile("a.csv", LEADS_CSV)]), db_path)
    backup = db_path.with_name(db_path.stem + ".bak")
    shutil.copyfile(db_path, backup)
    load.load(stage.prepare([stage.UploadFile("b.csv", b"Lead ID,Create Date\nB1,2026-10-02\n")]), db_path)
    assert load.uploads_dir(db_path) != load.uploads_dir(backup)
    db.cleanup(backup, force=True)  # what any command on the backup does first
    with db.read(db_path) as con:
        raw = [r[0] for r in con.execute("select raw_path from batch_files order by batch_id").fetchall()]
        assert [name for name, _data in load.raw_file(con, 2)] == ["b.csv"]
    assert len(raw) == 2 and all(Path(p).exists() for p in raw)


def test_raw_files_kept_in_the_old_shared_folder_stay_reachable(db_path):
    """A database made before each file had its own folder names its raw files by path: they still
    reload, and no cleanup touches the old folder (another database may name its files)."""
    load.load(stage.prepare([stage.UploadFile("a.csv", LEADS_CSV)]), db_path)
    old_dir = db_path.with_name(db_path.stem + "_uploads")
    old_dir.mkdir(exist_ok=True)
    with db.write(db_path) as con:
        (path,) = con.execute("select raw_path from batch_files").fetchall()[0]
        moved = old_dir / Path(path).name
        Path(path).rename(moved)
        con.execute("update batch_files set raw_path = ?", [str(moved)])
    stray = old_dir / "00007_0123456789abcdef.csv"  # another database's file
    stray.write_bytes(b"x")
    db.cleanup(db_path, force=True)
    assert stray.exists()
    with db.read(db_path) as con:
        assert load.raw_file(con, 1) == [("a.csv", LEADS_CSV)]

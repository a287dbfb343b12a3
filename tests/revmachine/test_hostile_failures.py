"""Issue 14, item 4: every failure a user can cause exits 2 with the file, the row and what to do,
and leaves the database's bytes, mode and owner as they were."""

from __future__ import annotations

import errno
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from revmachine import db
from revmachine.cli import main
from revmachine.ingest import load, stage

from .hostile import LEADS_CSV, ROOT, state


@pytest.fixture
def seeded(db_path):
    load.load(stage.prepare([stage.UploadFile("seed.csv", LEADS_CSV)]), db_path)
    return db_path


def _load(db_path, capsys, name: str, data: bytes, *extra: str) -> tuple[int, str]:
    p = db_path.parent / name
    p.write_bytes(data)
    rc = main(["load", str(p), "--db", str(db_path), *extra])
    out = capsys.readouterr()
    return rc, out.out + out.err


def test_binary_garbage_without_nul_bytes(seeded, capsys):
    rnd = random.Random(14)
    data = bytes(rnd.randrange(1, 256) for _ in range(50_000))
    assert b"\x00" not in data
    before = state(seeded)
    rc, text = _load(seeded, capsys, "export.csv", data)
    assert rc == 2 and "file 'export.csv'" in text and "binary data" in text and "Traceback" not in text
    assert state(seeded) == before


def test_a_50_mb_cell(seeded, capsys):
    before = state(seeded)
    rc, text = _load(seeded, capsys, "huge.csv", b"Lead ID,Company,Create Date\nL1," + b"x" * (50 << 20) + b",2026-01-05\n")
    assert rc == 2, text
    assert "file 'huge.csv', row 2" in text and "50.0 MB, over the 2 MB a row may hold" in text
    assert state(seeded) == before


def test_read_only_database_is_refused_not_replaced(seeded, capsys):
    os.chmod(seeded, 0o444)
    before = state(seeded)
    ino = seeded.stat().st_ino
    rc, text = _load(seeded, capsys, "more.csv", b"Lead ID,Create Date\nL9,2026-02-01\n")
    assert rc == 2 and "is read-only (mode 0444)" in text and "chmod u+w" in text, text
    assert state(seeded) == before and seeded.stat().st_ino == ino
    assert main(["undo", "--db", str(seeded)]) == 2
    assert state(seeded) == before


def test_read_only_folder(seeded, capsys):
    folder = seeded.parent
    os.chmod(folder, 0o555)
    try:
        before = state(seeded)
        p = folder.parent / "more.csv"  # the upload itself lives elsewhere
        p.write_bytes(b"Lead ID,Create Date\nL9,2026-02-01\n")
        rc = main(["load", str(p), "--db", str(seeded)])
        text = "".join(capsys.readouterr())
        assert rc == 2 and "folder of the database" in text and "read-only" in text, text
        assert state(seeded) == before
    finally:
        os.chmod(folder, 0o755)


def test_disk_full_is_a_message(seeded, capsys, monkeypatch):
    """ENOSPC while the private copy is written (simulated here; the next test fills a real disk). A
    replace is written on a copy (an append is written in place, without one)."""
    before = state(seeded)

    def full(src, dst, *a, **k):
        Path(dst).write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", full)
    rc, text = _load(seeded, capsys, "more.csv", b"Lead ID,Create Date\nL9,2026-02-01\n", "--replace")
    assert rc == 2 and "is full" in text and "free some space" in text, text
    assert state(seeded) == before
    assert not list(seeded.parent.glob(".rm.duckdb.*.tmp"))  # the partial copy is gone


def test_disk_full_on_a_real_small_disk(tmp_path):
    """A 6 MB tmpfs in a private mount namespace (root only: CI and the dev machines run as root); a
    replace, which writes a copy of the database."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare to mount a small disk")
    seed = tmp_path / "seed.duckdb"
    load.load(stage.prepare([stage.UploadFile("seed.csv", LEADS_CSV)]), seed)
    size = seed.stat().st_size
    up = tmp_path / "more.csv"
    up.write_bytes(b"Lead ID,Create Date\n" + b"".join(b"L%d,2026-02-01\n" % i for i in range(1000)))
    mnt = tmp_path / "disk"
    mnt.mkdir()
    script = f"""
set -e
mount -t tmpfs -o size={size + (1 << 20)} tmpfs {mnt}
cp {seed} {mnt}/rm.duckdb
chmod 640 {mnt}/rm.duckdb
before=$(sha256sum {mnt}/rm.duckdb | cut -d' ' -f1)
set +e
{sys.executable} -m revmachine load {up} --db {mnt}/rm.duckdb --replace > {tmp_path}/out.txt 2>&1
echo "rc=$?"
echo "same=$([ "$before" = "$(sha256sum {mnt}/rm.duckdb | cut -d' ' -f1)" ] && echo yes || echo no)"
echo "mode=$(stat -c %a {mnt}/rm.duckdb)"
echo "left=$(ls -A {mnt} | grep -c tmp)"
"""
    r = subprocess.run(["unshare", "-m", "bash", "-c", script], capture_output=True, text=True, timeout=300,
                       cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "REVMACHINE_NO_DEMO": "1"})
    out = (tmp_path / "out.txt").read_text() if (tmp_path / "out.txt").exists() else ""
    assert "rc=2" in r.stdout, (r.stdout, r.stderr, out)
    assert "same=yes" in r.stdout and "mode=640" in r.stdout and "left=0" in r.stdout, r.stdout
    assert "is full" in out and "Traceback" not in out, out


def test_a_240_byte_file_name_loads_and_keeps_a_short_raw_copy(db_path, capsys):
    name = "Q3 pipeline export " + "é" * 105 + "x final.csv"  # 135 characters, 240 bytes
    assert len(name.encode()) == 240
    rc, text = _load(db_path, capsys, name, b"Lead ID,Create Date\nL1,2026-01-05\n")
    assert rc == 0, text
    with duckdb.connect(str(db_path), read_only=True) as con:
        file_name, raw_path = con.execute("select file_name, raw_path from batch_files").fetchall()[0]
    assert file_name == name
    assert Path(raw_path).exists() and len(Path(raw_path).name) <= 30
    with db.read(db_path) as con:
        assert load.raw_file(con, 1)[0][0] == name


def test_a_name_too_long_for_the_disk_is_a_message(seeded, capsys, monkeypatch):
    before = state(seeded)

    def too_long(files):
        raise OSError(errno.ENAMETOOLONG, "File name too long")

    monkeypatch.setattr(load, "_keep_raw", too_long)
    rc, text = _load(seeded, capsys, "x.csv", b"Lead ID,Create Date\nL9,2026-02-01\n")
    assert rc == 2 and "too long" in text and "Rename" in text, text
    assert state(seeded) == before


def test_unreadable_upload(seeded, capsys, monkeypatch):
    p = seeded.parent / "secret.csv"
    p.write_bytes(LEADS_CSV)

    def denied(self):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)
    rc = main(["load", str(p), "--db", str(seeded)])
    assert rc == 2 and "cannot be read (Permission denied)" in capsys.readouterr().err


def test_no_room_for_the_csv_staging_copy(seeded, capsys, monkeypatch):
    import tempfile as tf

    from revmachine.ingest import readers

    class Full:
        def __init__(self, *a, **k):
            self.name = str(seeded.parent / "revmachine-stage-0-full.csv")

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tf, "NamedTemporaryFile", Full)
    monkeypatch.setattr(readers, "_spool_dir", lambda size: None)
    before = state(seeded)
    rc, text = _load(seeded, capsys, "more.csv", b"Lead ID,Create Date\nL9,2026-02-01\n")
    assert rc == 2 and "no room for its temporary copy" in text and "TMPDIR" in text, text
    assert state(seeded) == before


def test_a_read_only_database_built_by_older_mart_definitions_can_still_be_read(tmp_path, monkeypatch, capsys):
    """The marts' definitions changed since the file was built, and the file is read-only: reads work
    from a private upgraded copy, with a notice; the file itself is not touched."""
    from revmachine import demo, marts

    p = tmp_path / "ro.duckdb"
    demo.build(p, n_leads=300)
    assert main(["report", "--db", str(p), "--period", "all"]) == 0
    expected = capsys.readouterr().out
    monkeypatch.setattr(marts, "signature", lambda: "definitions-of-a-newer-version")
    os.chmod(p, 0o444)
    before = p.read_bytes()
    try:
        assert main(["report", "--db", str(p), "--period", "all"]) == 0
        out = capsys.readouterr()
        assert out.out == expected
        assert "read-only" in out.err and "private copy" in out.err
        assert main(["funnel", "--db", str(p), "--period", "all"]) == 0  # again: the copy is reused
        assert p.read_bytes() == before
    finally:
        os.chmod(p, 0o644)

"""Two people at once: one loading data (a CLI process), one reading (another process, and this one).
Nobody gets a lock error, every read sees a consistent database, and the file is never corrupted."""

import subprocess
import sys
import textwrap
from pathlib import Path

from revmachine import db, demo

ROOT = Path(__file__).resolve().parent.parent

READER = textwrap.dedent("""
    import sys, time, warnings
    warnings.filterwarnings("ignore")
    sys.path.insert(0, {root!r})
    from revmachine import db, metrics
    path, stop = sys.argv[1], sys.argv[2]
    import os
    reads = bad = 0
    while not os.path.exists(stop) or reads < 5:
        with db.read(path) as con:
            n_leads = con.execute("select count(*) from leads").fetchall()[0][0]
            n_records = con.execute("select count(*) from funnel_records where record_type = 'lead'").fetchall()[0][0]
            if n_leads != n_records:
                bad += 1
            metrics.scorecard(con, "all", trend_n=1)
        reads += 1
    print(reads, bad)
""")


def _csv(path: Path, prefix: str, n: int) -> Path:
    lines = ["Lead ID,Create Date,Lead Source,Lead Status"]
    lines += [f"{prefix}{i},2026-0{1 + i % 9}-1{i % 9},Webinar,Marketing Qualified Lead" for i in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_loader_and_readers_at_once(tmp_path):
    p = tmp_path / "shared.duckdb"
    demo.build(p, n_leads=2000)
    files = [_csv(tmp_path / "a.csv", "A", 3000), _csv(tmp_path / "b.csv", "B", 1000)]
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER.format(root=str(ROOT)), str(p), str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    loads = []
    for i in range(6):
        loads.append(subprocess.run([sys.executable, "-m", "revmachine", "load", str(files[i % 2]), "--db", str(p),
                                     "--replace"], cwd=ROOT, capture_output=True, text=True))
        # this process reads between and during the loads too
        with db.read(p) as con:
            n = con.execute("select count(*) from leads").fetchall()[0][0]
            assert n in (2000, 3000, 1000)
    stop.touch()
    out, err = reader.communicate(timeout=300)
    assert all(r.returncode == 0 for r in loads), [r.stderr for r in loads]
    assert reader.returncode == 0, err
    reads, bad = map(int, out.split())
    assert reads >= 5 and bad == 0
    with db.read(p) as con:  # the file is whole: the last load (b.csv, 1,000 leads) is what it holds
        assert con.execute("select count(*) from leads").fetchall()[0][0] == 1000
        assert con.execute("select count(*) from batches").fetchall()[0][0] == 8  # 2 demo + 6 loads


def test_appends_written_in_place_while_others_read(tmp_path):
    """Appends are written in the live file (no copy): readers in another process and in this one
    wait for each and then see the database before or after it, never half of it; a failed append
    changes nothing."""
    from revmachine.ingest import load

    p = tmp_path / "shared.duckdb"
    demo.build(p, n_leads=2000)
    files = [_csv(tmp_path / f"w{i}.csv", f"W{i}-", 50 + i) for i in range(4)]
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER.format(root=str(ROOT)), str(p), str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    inode = p.stat().st_ino
    loads = []
    for f in files:
        loads.append(subprocess.run([sys.executable, "-m", "revmachine", "load", str(f), "--db", str(p)],
                                    cwd=ROOT, capture_output=True, text=True))
        with db.read(p) as con:
            n = con.execute("select count(*) from leads").fetchall()[0][0]
            assert n == con.execute("select count(*) from funnel_records where record_type = 'lead'").fetchall()[0][0]
    stop.touch()
    out, err = reader.communicate(timeout=300)
    assert all(r.returncode == 0 for r in loads), [r.stderr for r in loads]
    assert reader.returncode == 0, err
    reads, bad = map(int, out.split())
    assert reads >= 5 and bad == 0
    assert p.stat().st_ino == inode  # written in place, not swapped
    with db.read(p) as con:
        assert con.execute("select count(*) from leads").fetchall()[0][0] == 2000 + 50 + 51 + 52 + 53

    # a failed append (it breaks after writing its rows and refreshing the marts) changes nothing

    def boom(*a, **k):
        raise RuntimeError("disk gone")

    import pytest

    mp = pytest.MonkeyPatch()
    mp.setattr("revmachine.meeting.snapshot", boom)
    try:
        with pytest.raises(RuntimeError):
            load.load(_staged_leads("FAIL-"), p)
    finally:
        mp.undo()
    with db.read(p) as con:
        assert con.execute("select count(*) from leads").fetchall()[0][0] == 2000 + 50 + 51 + 52 + 53
        assert con.execute("select count(*) from leads where lead_id like 'FAIL-%'").fetchall()[0][0] == 0
        assert con.execute("select count(*) from funnel_records where lead_id like 'FAIL-%'").fetchall()[0][0] == 0


def _staged_leads(prefix: str):
    import datetime as dt

    from revmachine.ingest.stage import Staged
    from tests.revmachine.helpers import frame

    rows = [{"lead_id": f"{prefix}{i}", "created_at": dt.datetime(2026, 11, 1), "channel": "Webinar"} for i in range(5)]
    return Staged([], [], [], {"leads": frame("leads", rows)})

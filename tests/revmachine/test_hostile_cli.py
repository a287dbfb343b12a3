"""Issue 14, item 2 (the CLI's part): text from a file never drives the terminal, and long lists in
messages are cut with a count."""

from __future__ import annotations

import io

import pytest

from revmachine import textsafe
from revmachine.cli import main
from revmachine.ingest import load, stage

from .hostile import LEADS_CSV, state, xlsx


def test_terminal_escapes_are_printed_as_text(db_path, capsys):
    load.load(stage.prepare([stage.UploadFile("seed.csv", LEADS_CSV)]), db_path)
    before = state(db_path)
    p = db_path.parent / "esc.csv"
    # a title set (OSC 0), red text (CSI), a bell, a C1 CSI and a right-to-left override
    p.write_bytes("Foo\x1b[31m,Bar\x1b]0;pwned\x07,Baz\x9b2J\u202e\n".encode() + b"x,y,z\n" * 20)
    rc = main(["load", str(p), "--db", str(db_path)])
    out = capsys.readouterr()
    text = out.out + out.err
    assert rc == 2  # nothing recognised: nothing to load
    for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert raw not in text
    assert "Foo\\x1b[31m" in text and "\\x07" in text and "\\x9b" in text and "\\u202e" in text
    assert state(db_path) == before


def test_safe_writer_keeps_layout():
    buf = io.StringIO()
    w = textsafe.SafeWriter(buf)
    w.write("a\tb\r\nc\x00d\x1b[2Ke\n")
    assert buf.getvalue() == "a\tb\r\nc\\x00d\\x1b[2Ke\n"


def test_unrecognised_sheet_lists_some_headers_and_a_count(db_path, capsys):
    """1,000 headers of 60 characters in a CSV, 3,000 in a workbook: the message shows 8, each
    cut, and says how many more."""
    headers = [f"h{i:05d}_" + "x" * 53 for i in range(1000)]
    p = db_path.parent / "wide.csv"
    p.write_text(",".join(headers) + "\n" + ",".join("1" for _ in headers) + "\n")
    w = db_path.parent / "wide.xlsx"
    w.write_bytes(xlsx([[f"col{i:05d}_" + "y" * 50 for i in range(3000)], list(range(3000))]))
    for f, more in ((p, "and 992 more"), (w, "and 2,992 more")):
        rc = main(["load", str(f), "--db", str(db_path)])
        out = capsys.readouterr()
        assert rc == 2
        assert more in out.out
        assert len(out.out) + len(out.err) < 2000, len(out.out)
    assert not db_path.exists()


def test_cut_list():
    assert textsafe.cut_list(range(3)) == "0, 1, 2"
    assert textsafe.cut_list(range(1000), 2) == "0, 1 and 998 more"
    assert textsafe.cut_list(["a" * 100], 1, 10) == "a" * 9 + "…"
    assert textsafe.cut_list(["x'y"], quote=True) == '"x\'y"'


def test_unknown_values_in_messages_are_cut(db_path):
    long_stage = "S" * 5000
    s = stage.prepare([stage.UploadFile("l.xlsx", xlsx([["Lead ID", "Create Date", "Lead Status"],
                                                         ["A", "2026-01-05", long_stage]]))])
    msg = next(f.message for f in s.findings if f.code == "unknown_stage")
    assert len(msg) < 400 and "…" in msg


def test_a_reader_closing_the_pipe_early_ends_the_cli_quietly(tmp_path):
    # `python -m revmachine inspect ... | head -c 1`: before, a BrokenPipeError traceback on stderr
    import os
    import subprocess
    import sys
    from pathlib import Path

    # 600 columns, each a line of the JSON's mapping: more than a pipe holds
    head = ["Lead ID", "Create Date"] + [f"Note {i}" for i in range(600)]
    rows = [",".join(head)] + [",".join([f"L{r}", "2026-01-05"] + ["x"] * 600) for r in range(3)]
    p = tmp_path / "leads.csv"
    p.write_text("\n".join(rows) + "\n")
    files = [str(p)]
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-m", "revmachine", "inspect", *files, "--format", "json"],
                            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "REVMACHINE_NO_DEMO": "1"})
    assert proc.stdout.read(1) == b"{"
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert "Traceback" not in err and "BrokenPipe" not in err


# ------------------------------------------------------------ user errors exit 2, never a traceback

def _cli(tmp_path, *args) -> tuple[int, str]:
    from .hostile import run_cli

    rc, out, err, _peak = run_cli([str(a) for a in args], timeout=120)
    assert "Traceback" not in err, err
    return rc, out + err


def test_a_db_that_is_not_a_database_or_is_a_folder_exits_2_at_once(tmp_path):
    import time

    text = tmp_path / "text.duckdb"
    text.write_text("hello\n")
    folder = tmp_path / "dir.duckdb"
    folder.mkdir()
    (tmp_path / "a.csv").write_bytes(b"Lead ID,Create Date\nA1,2026-10-01\n")
    for db, expected in ((text, "not a Revenue Machine database"), (folder, "is a folder")):
        for args in (["report", "--db", db], ["load", tmp_path / "a.csv", "--db", db], ["history", "--db", db]):
            start = time.monotonic()
            rc, out = _cli(tmp_path, *args)
            assert rc == 2 and expected in out, (args, out)
            assert time.monotonic() - start < 8  # no 10 s of retries
    assert text.read_text() == "hello\n"


@pytest.mark.parametrize("profile", [
    '{"sheets": [], "stages": [1]}',
    "[" * 100000 + "]" * 100000,
    '{"sheets": [{"sheet": "a.csv", "kind": "leads", "columns": {"Lead ID": 7}}]}',
    '{"sheets": [{"sheet": "a.csv", "kind": "spaceships", "columns": {}}]}',
    '{"sheets": [{"sheet": "a.csv", "kind": "leads", "columns": {"Lead ID": "warp_factor"}}]}',
])
def test_a_malformed_profile_is_a_message(tmp_path, profile):
    (tmp_path / "a.csv").write_bytes(b"Lead ID,Create Date\nA1,2026-10-01\n")
    (tmp_path / "p.json").write_text(profile)
    rc, out = _cli(tmp_path, "inspect", tmp_path / "a.csv", "--profile", tmp_path / "p.json")
    assert rc == 2 and "is not a Revenue Machine mapping profile" in out, out


def test_a_malformed_profile_on_the_data_page_is_a_message():
    from revmachine import uploads
    from revmachine.errors import UserError

    with pytest.raises(UserError, match="not a Revenue Machine mapping profile"):
        uploads.read_profile("p.json", b'{"sheets": [{"sheet": "a.csv", "kind": "leads", "columns": {"Lead ID": 7}}]}')


def test_a_period_past_the_calendar_exits_2(demo_db, capsys):
    from revmachine.cli import main

    for period in ("0001-01-01..9999-12-31", "9999-Q4", "0001"):
        assert main(["report", "--db", str(demo_db), "--period", period]) == 2, period
        assert "error:" in capsys.readouterr().err


def test_a_sparse_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    from .hostile import run_cli

    big = tmp_path / "huge.csv"
    with open(big, "wb") as fh:
        fh.truncate(1 << 30)  # 1 GB of holes: nothing on disk, 1 GB in memory if read
    rc, out, err, peak_mb = run_cli(["load", str(big), "--db", str(tmp_path / "rm.duckdb")], memory_mb=2048)
    assert rc == 2 and "Traceback" not in err and "over the upload limit" in out + err, out + err
    assert peak_mb < 400, peak_mb


def test_history_shows_a_batch_without_a_file(db_path, capsys):
    from revmachine import demo
    from revmachine.cli import main

    demo.build(db_path, n_leads=300)
    assert main(["history", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "NaN" not in out and "None" not in out, out

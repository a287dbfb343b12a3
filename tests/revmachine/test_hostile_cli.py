"""Issue 14, item 2 (the CLI's part): text from a file never drives the terminal, and long lists in
messages are cut with a count."""

from __future__ import annotations

import io

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

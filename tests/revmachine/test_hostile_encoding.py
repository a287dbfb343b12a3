"""Issue 14, item 3: encodings decided per file without corrupting valid UTF-8; CSV structure
problems reported with their row."""

from __future__ import annotations

import duckdb
import pytest

from revmachine.cli import main
from revmachine.ingest import encoding, load, stage

from .hostile import LEADS_CSV, state

HEAD = "Lead ID,Company,Create Date\n"


def _companies(db_path) -> dict[str, str]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return dict(con.execute("select lead_id, company from leads").fetchall())


def test_one_cp1252_byte_keeps_the_utf8_text_and_names_its_row(db_path, capsys):
    body = (HEAD + "L1,Café,2026-01-05\nL2,Zürich AG,2026-01-06\n").encode() + b"L3,Caf\xe9 Noir,2026-01-07\n"
    p = db_path.parent / "mixed.csv"
    p.write_bytes(body)
    rc = main(["load", str(p), "--db", str(db_path)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert _companies(db_path) == {"L1": "Café", "L2": "Zürich AG", "L3": "Café Noir"}  # never "CafÃ©"
    assert "UTF-8 except for 1 byte(s) on 1 row(s) (rows 4)" in out


def test_a_whole_cp1252_file_is_read_as_cp1252(db_path, capsys):
    p = db_path.parent / "win.csv"
    p.write_bytes((HEAD + "L1,Café,2026-01-05\nL2,Škoda “quoted”,2026-01-06\n").encode("cp1252"))
    assert main(["load", str(p), "--db", str(db_path)]) == 0
    assert _companies(db_path) == {"L1": "Café", "L2": "Škoda “quoted”"}
    assert "read as Windows-1252" in capsys.readouterr().out


@pytest.mark.parametrize("enc", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_or_without_bom(db_path, capsys, enc):
    p = db_path.parent / f"{enc}.csv"
    p.write_bytes((HEAD + "L1,Café,2026-01-05\nL2,日本,2026-01-06\n").encode(enc))
    assert main(["load", str(p), "--db", str(db_path)]) == 0, capsys.readouterr()
    assert _companies(db_path) == {"L1": "Café", "L2": "日本"}


def test_valid_utf8_is_never_touched():
    data = (HEAD + "L1,Café,2026-01-05\n").encode()
    d = encoding.to_utf8(data)
    assert d.data is data and d.encoding == "utf-8"


def _refused(db_path, capsys, body: bytes, *expected: str) -> None:
    load.load(stage.prepare([stage.UploadFile("seed.csv", LEADS_CSV)]), db_path)
    before = state(db_path)
    p = db_path.parent / "bad.csv"
    p.write_bytes(body)
    rc = main(["load", str(p), "--db", str(db_path)])
    out = capsys.readouterr()
    text = out.out + out.err
    assert rc == 2, text
    for e in expected:
        assert e in text, text
    assert state(db_path) == before


def test_unterminated_quote_is_reported_with_its_row(db_path, capsys):
    body = (HEAD + "L1,Acme,2026-01-05\nL2,\"Beta,2026-01-06\nL3,Gamma,2026-01-07\nL4,Delta,2026-01-08\n").encode()
    _refused(db_path, capsys, body, "file 'bad.csv', row 3", "never closed")


def test_text_after_a_closing_quote_is_reported_with_its_row(db_path, capsys):
    rows = "".join(f"L{i},Co {i},2026-01-05\n" for i in range(40))
    body = (HEAD + rows + 'L99,"Acme" Inc,2026-01-05\n').encode()
    _refused(db_path, capsys, body, "row 42", "closing quote")


def test_a_row_with_too_many_fields_is_reported_with_its_row(db_path, capsys):
    rows = "".join(f"L{i},Co {i},2026-01-05\n" for i in range(40))
    body = (HEAD + rows + "L99,Acme,Inc,2026-01-05\n").encode()
    _refused(db_path, capsys, body, "row 42", "has 4 fields where the header has 3")


def test_too_many_fields_in_the_first_rows_is_a_warning(db_path):
    body = (HEAD + "L1,Acme,Inc,2026-01-05\nL2,Beta,2026-01-06\nL3,Gamma,2026-01-07\n").encode()
    s = stage.prepare([stage.UploadFile("w.csv", body)])
    msgs = [f.message for f in s.warnings]
    assert any("more fields than its header's 3 (rows 2)" in m for m in msgs), msgs


def test_too_many_fields_with_blank_lines(db_path, capsys):
    """The Python reader (used when blank lines need exact row numbers) checks the same."""
    rows = "".join(f"L{i},Co {i},2026-01-05\n" for i in range(40))
    body = (HEAD + "\n" + rows + "L99,Acme,Inc,2026-01-05\n").encode()
    _refused(db_path, capsys, body, "row 43", "has 4 fields")

"""Issue 14, item 1: workbooks are parsed in a child process with hard limits; the archive is
checked by content, whatever the file is called, counting the bytes as they inflate."""

from __future__ import annotations

import io
import json
import signal
import zipfile

import pytest

from revmachine.cli import main
from revmachine.errors import UserError
from revmachine.ingest import _sandbox_child, load, readers, sandbox, stage

from .hostile import (
    LEADS_CSV,
    far_cell_xlsx,
    lying_directory_xlsx,
    ods_leads,
    ods_repeat_bomb,
    run_cli,
    state,
    xlsx,
    zip_bomb,
)


@pytest.fixture
def seeded(db_path):
    load.load(stage.prepare([stage.UploadFile("seed.csv", LEADS_CSV)]), db_path)
    return db_path


def _refused(db_path, capsys, name: str, data: bytes, *expected: str) -> str:
    before = state(db_path)
    p = db_path.parent / name
    p.write_bytes(data)
    rc = main(["load", str(p), "--db", str(db_path)])
    out = capsys.readouterr()
    text = out.out + out.err
    assert rc == 2, text
    assert f"file '{name}'" in text
    for e in expected:
        assert e in text, text
    assert state(db_path) == before  # bytes, mode and owner
    return text


def test_far_cell_is_refused_before_reading(seeded, capsys):
    data = far_cell_xlsx()
    assert len(data) < 6000
    text = _refused(seeded, capsys, "far.xlsx", data, "sheet 'Leads'", "XFD1048576", "Ctrl+End", "512 GB")
    assert "nothing was loaded" in text.lower()
    # the check refused it in this process: the child was killed before it allocated anything
    assert sandbox.last_stats.exit_status == -signal.SIGKILL


def test_far_cell_past_the_check_is_stopped_by_the_childs_memory_limit(seeded, capsys, monkeypatch):
    """With the used-range check off, the reader tries to allocate 512 GiB: the child's address
    space limit stops it, the child dies, and the CLI says why (exit 2)."""
    monkeypatch.setenv("REVMACHINE_MAX_CELLS", "1e15")
    monkeypatch.setenv("REVMACHINE_PARSE_MEMORY_MB", "512")
    _refused(seeded, capsys, "far.xlsx", far_cell_xlsx(), "needs more than the 512 MB", "REVMACHINE_PARSE_MEMORY_MB")
    assert sandbox.last_stats.exit_status in (-signal.SIGABRT, 3)


def test_memory_bound_of_a_whole_cli_run(tmp_path):
    """The CLI in a process capped at 3 GB of address space: every bomb is refused, exit 2, and
    the run (with its child) stays far below the cap."""
    db = tmp_path / "rm.duckdb"
    files = {"far.xlsx": far_cell_xlsx(), "bomb.xls": zip_bomb(120), "rep.ods": ods_repeat_bomb()}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        rc, out, err, peak_mb = run_cli(["load", str(tmp_path / name), "--db", str(db)], memory_mb=3072)
        assert rc == 2, out + err
        assert f"file '{name}'" in out + err and "Traceback" not in err
        assert peak_mb < 1500, (name, peak_mb)
    assert not db.exists()


def test_lying_zip_directory_counts_real_bytes(seeded, capsys, monkeypatch):
    data = lying_directory_xlsx()
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size == 1000  # the directory claims 1 KB; the stream inflates to ~60 MB
    monkeypatch.setenv("REVMACHINE_MAX_UNZIPPED_MB", "20")
    _refused(seeded, capsys, "lying.xlsx", data, "expands to more than 2", "zip bomb")


@pytest.mark.parametrize("name", ["bomb.xls", "bomb.xlsx", "bomb.csv", "bomb.ods", "bomb.xlsb"])
def test_bomb_is_checked_by_content_whatever_its_extension(seeded, capsys, name):
    _refused(seeded, capsys, name, zip_bomb(120), "zip bomb", "refused without reading it")


def test_ods_repeated_rows_and_columns(seeded, capsys):
    data = ods_repeat_bomb()
    assert len(data) < 2000
    _refused(seeded, capsys, "rep.ods", data, "expand to 17,179,852,800 cells", "repeated 1,048,575 times", "LibreOffice")


def test_ods_with_empty_trailing_repeats_loads(db_path):
    """LibreOffice ends a sheet with a million empty repeated rows: they are not counted."""
    s = stage.prepare([stage.UploadFile("leads.ods", ods_leads())])
    assert s.ok, [f.message for f in s.errors]
    assert s.tables["leads"].column("lead_id").to_pylist() == ["L1", "L2"]


def test_output_limit(seeded, capsys, monkeypatch):
    monkeypatch.setenv("REVMACHINE_PARSE_OUTPUT_MB", "0.05")
    rows = [["Lead ID", "Create Date"]] + [[f"L{i}", "2026-01-05"] for i in range(5000)]
    _refused(seeded, capsys, "big.xlsx", xlsx(rows), "more data than the limit")


def test_child_catches_base_exceptions(monkeypatch):
    """A Rust panic reaches Python as pyo3's PanicException, a BaseException: the child reports it
    as a frame and returns; nothing escapes."""
    import fastexcel

    class PanicException(BaseException):
        pass

    def boom(data):
        raise PanicException("called `Option::unwrap()` on a `None` value")

    monkeypatch.setattr(fastexcel, "read_excel", boom)
    out = io.BytesIO()
    assert _sandbox_child.read(b"PK...", out) == 3
    frame = out.getvalue()
    assert frame[:1] == b"E"
    assert json.loads(frame[9:])["type"] == "PanicException"


def _frames(*frames: tuple[bytes, bytes]) -> sandbox._Collector:
    c = sandbox._Collector(io.BytesIO(), 1 << 20, None)
    for tag, payload in frames:
        c.buf += tag + len(payload).to_bytes(8, "little") + payload
    return c


def test_parent_maps_every_way_a_child_can_end():
    err = sandbox._Collector(io.BytesIO(), 1024, None)
    started = (b"N", b'["Leads"]'), (b"B", b'{"sheet": 0}')
    cases = [
        (_frames((b"E", b'{"sheet": null, "type": "PanicException", "message": "x"}')), 3,
         "could not be read as a spreadsheet (PanicException"),
        (_frames(*started, (b"E", b'{"sheet": 0, "type": "CalamineError", "message": "bad"}')), 3,
         "the sheet could not be read"),
        (_frames(*started), -signal.SIGXCPU, "CPU time"),
        (_frames(*started), -signal.SIGABRT, "of memory"),
        (_frames(*started), -signal.SIGSEGV, "exit status -11"),
        (_frames(*started, (b"E", b'{"sheet": 0, "type": "MemoryError", "message": ""}')), 3, "of memory"),
    ]
    for out, status, expected in cases:
        with pytest.raises(UserError) as e:
            sandbox._result(out, err, status, timed_out=False)
        assert expected in e.value.message, (expected, e.value.message)
        if b'"sheet": 0' in out.buf and "as a spreadsheet" not in expected:
            assert e.value.sheet == "Leads"


def test_workbook_named_csv_is_read_as_what_it_is(db_path):
    s = stage.prepare([stage.UploadFile("export.csv", xlsx([["Lead ID", "Create Date"], ["L9", "2026-02-01"]]))])
    assert s.ok and s.tables["leads"].column("lead_id").to_pylist() == ["L9"]


def test_text_renamed_xls_is_refused():
    with pytest.raises(UserError, match="not a valid Excel workbook"):
        readers.read_upload("x.xls", b"Lead ID,Create Date\nA,2026-01-05\n")


def test_far_cell_in_a_sheet_part_stored_elsewhere(seeded, capsys):
    """The workbook may keep its sheet anywhere its relationships say: the check follows them."""
    src = zipfile.ZipFile(io.BytesIO(far_cell_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename).replace(b"/xl/worksheets/sheet1.xml", b"/xl/data/s.xml")
            z.writestr("xl/data/s.xml" if info.filename == "xl/worksheets/sheet1.xml" else info.filename, body)
    data = out.getvalue()
    assert "xl/data/s.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    _refused(seeded, capsys, "moved.xlsx", data, "sheet 'Leads'", "XFD1048576")


def test_ods_repeated_row_of_many_cells(seeded, capsys):
    """No repeated cell: a row of 60 cells with values, repeated a million times (60 million cells)."""
    from .hostile import ods, ods_cell

    body = ("<table:table-row>" + ods_cell("Lead ID") + ods_cell("Create Date") + "</table:table-row>"
            '<table:table-row table:number-rows-repeated="1000000">' + ods_cell("x") * 60 + "</table:table-row>")
    _refused(seeded, capsys, "rows.ods", ods(body), "expand to 60,000,000 cells")


def _entity_xlsx(kb: int) -> bytes:
    """A workbook whose xl/workbook.xml declares an entity and references it `kb` KB worth: ~100x
    expansion per reference, under expat's amplification guard, so a parser in this process would
    build ~100x `kb` of text."""
    base = xlsx([["Lead ID", "Create Date"], ["L1", "2026-01-05"]])
    zin = zipfile.ZipFile(io.BytesIO(base))
    text = zin.read("xl/workbook.xml").decode()
    refs = "&e;" * ((kb * 1024) // 3)
    text = '<!DOCTYPE workbook [<!ENTITY e "' + "A" * 290 + '">]>' + text.replace(
        "<workbookPr", '<workbookPr x="' + refs + '"', 1)
    return _rezip_part(base, "xl/workbook.xml", text.encode())


def _rezip_part(data: bytes, part: str, body: bytes) -> bytes:
    from .hostile import rezip

    return rezip(data, {part: body})


def test_entities_in_the_workbook_part_are_refused_before_parsing(seeded, capsys):
    _refused(seeded, capsys, "entities.xlsx", _entity_xlsx(40), "declares entities")


def test_entity_expansion_cannot_take_the_loading_process_memory(tmp_path):
    """The 14 KB workbook whose workbook.xml expands to ~1 GB: the CLI, capped at 1.5 GB of address
    space, refuses it (exit 2) instead of expanding it."""
    p = tmp_path / "entities.xlsx"
    p.write_bytes(_entity_xlsx(9000))
    rc, out, err, peak_mb = run_cli(["load", str(p), "--db", str(tmp_path / "rm.duckdb")], memory_mb=1536)
    assert rc == 2 and "declares entities" in out + err and "Traceback" not in err, out + err
    assert peak_mb < 800, peak_mb


def _many_parts_zip(n: int) -> bytes:
    """A zip of n empty parts (zip64 end records), as an .xlsx."""
    import struct

    local, central = bytearray(), bytearray()
    for i in range(n):
        name = f"{i:08x}".encode()
        off = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0) + name
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0, 0, 0, 0,
                               0, off) + name
    cd_off = len(local)
    z64 = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, len(central), cd_off)
    loc = struct.pack("<IIQI", 0x07064B50, 0, cd_off + len(central), 1)
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return bytes(local) + bytes(central) + z64 + loc + eocd


def test_a_zip_of_a_million_parts_is_refused_before_its_directory_is_read(tmp_path):
    p = tmp_path / "parts.xlsx"
    p.write_bytes(_many_parts_zip(1_000_000))
    rc, out, err, peak_mb = run_cli(["load", str(p), "--db", str(tmp_path / "rm.duckdb")], memory_mb=2048)
    assert rc == 2 and "parts" in out + err and "Traceback" not in err, out + err
    assert peak_mb < 350, peak_mb

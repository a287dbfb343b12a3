"""Hostile and broken files for the tests, built in memory (nothing is downloaded or kept), and a
way to run the CLI in a child process and read its peak memory."""

from __future__ import annotations

import functools
import hashlib
import io
import os
import stat
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook

ROOT = Path(__file__).resolve().parents[2]
LEADS_CSV = b"Lead ID,Company,Create Date\nL1,Acme,2026-01-05\nL2,Beta,2026-01-06\n"


def xlsx(rows: list[list[object]], extra: dict[str, object] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Leads"
    for r in rows:
        ws.append(r)
    for ref, v in (extra or {}).items():
        ws[ref] = v
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


LEAD_ROWS = [["Lead ID", "Create Date"], ["L1", "2026-01-05"], ["L2", "2026-01-06"]]


def far_cell_xlsx() -> bytes:
    """A 4.9 KB workbook with one cell at XFD1048576: the reader's rectangle is 17 billion cells."""
    return xlsx(LEAD_ROWS, {"XFD1048576": "x"})


def rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for i in zin.infolist():
            z.writestr(i.filename, replace.get(i.filename, zin.read(i.filename)))
    return out.getvalue()


def sheet_xml(body: bytes) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheetData>' + body + b"</sheetData></worksheet>")


def lying_directory_xlsx(n_rows: int = 60_000, width: int = 1000) -> bytes:
    """A sheet of n_rows x `width`-byte cells whose zip directory and local header both claim
    1,000 bytes: a reader trusting them is told 1 KB, the stream inflates to ~60 MB."""
    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c></row>' % (i, i, b"x" * width)
                    for i in range(1, n_rows + 1))
    data = bytearray(rezip(xlsx(LEAD_ROWS), {"xl/worksheets/sheet1.xml": sheet_xml(rows)}))
    name = b"xl/worksheets/sheet1.xml"
    for sig, name_len_at, name_at, size_at in ((b"PK\x03\x04", 26, 30, 22), (b"PK\x01\x02", 28, 46, 24)):
        i = data.find(sig)
        while i >= 0:
            n = struct.unpack("<H", data[i + name_len_at: i + name_len_at + 2])[0]
            if bytes(data[i + name_at: i + name_at + n]) == name:
                struct.pack_into("<I", data, i + size_at, 1000)
            i = data.find(sig, i + 4)
    return bytes(data)


@functools.lru_cache(maxsize=2)
def zip_bomb(mb: int = 120) -> bytes:
    """An 'xlsx' whose one sheet inflates to `mb` MB of one repeated byte (~120 KB compressed)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * (mb * 1024 * 1024) + b">")
    return buf.getvalue()


ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def ods(body: str) -> bytes:
    """An OpenDocument spreadsheet with `body` as its one table's rows."""
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS} office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="Leads">'
               f"{body}</table:table></office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry '
                'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        z.writestr("styles.xml", f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {ODS_NS}/>',
                   zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def ods_cell(v: str) -> str:
    return f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'


def ods_leads() -> bytes:
    rows = [["Lead ID", "Create Date"], ["L1", "2026-01-05"], ["L2", "2026-01-06"]]
    body = "".join("<table:table-row>" + "".join(ods_cell(c) for c in r) + "</table:table-row>" for r in rows)
    # LibreOffice ends every sheet like this: empty repeats, which the reader does not expand
    body += ('<table:table-row table:number-rows-repeated="1048573"><table:table-cell '
             'table:number-columns-repeated="1024"/></table:table-row>')
    return ods(body)


def ods_repeat_bomb() -> bytes:
    """1.5 KB: one cell holding a value, repeated 16,384 columns across a row repeated 1,048,575 times."""
    body = ("<table:table-row>" + ods_cell("Lead ID") + ods_cell("Create Date") + "</table:table-row>"
            '<table:table-row table:number-rows-repeated="1048575"><table:table-cell '
            'table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p>'
            "</table:table-cell></table:table-row>")
    return ods(body)


def sha(p: Path) -> str | None:
    return hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None


def state(p: Path) -> tuple:
    """What must not change when a load is refused: the bytes, the mode and the owner."""
    st = p.stat()
    return sha(p), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid


def run_cli(args: list[str], env: dict[str, str] | None = None, memory_mb: int | None = None,
            timeout: float = 300) -> tuple[int, str, str, int]:
    """`python -m revmachine ARGS` in a child process: (exit code, stdout, stderr, peak RSS in MB of
    it and the processes it waited for, from its own wait4). memory_mb bounds its address space
    (RLIMIT_AS), so a regression shows as a failure here, never as the test machine running out of
    memory."""
    import resource
    import threading

    def limit():
        if memory_mb:
            resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))

    full_env = {**os.environ, "REVMACHINE_NO_DEMO": "1", "PYTHONPATH": str(ROOT), **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "revmachine", *args], cwd=ROOT, env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit)
    outs: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda k=k, f=f: outs.__setitem__(k, f.read()), daemon=True)
               for k, f in (("out", proc.stdout), ("err", proc.stderr))]
    for t in readers:
        t.start()
    for t in readers:
        t.join(timeout)
    if any(t.is_alive() for t in readers):
        proc.kill()
        raise TimeoutError(args)
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return (proc.returncode, outs["out"].decode("utf-8", "replace"), outs["err"].decode("utf-8", "replace"),
            usage.ru_maxrss // 1024)

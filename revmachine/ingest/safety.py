"""Checks on an untrusted workbook before (and while) it is read: what the bytes are, whatever the
file is called, and whether reading them would blow up.

* `content_kind` names the format from the bytes (zip-based xlsx/xlsm/xlsb/ods, OLE2 .xls, or
  none), so a bomb renamed .xls or .csv gets the same checks as one called .xlsx.
* `check_archive` inflates every part of a zip-based workbook as a stream, counting the bytes
  that come out (the sizes in the zip directory and local headers are never trusted: a part can
  claim 1 KB and inflate to 6 GB), and scans them for what decides the reader's memory:
  - xlsx/xlsm: the used range. The reader allocates the rectangle from A1 to the farthest cell,
    so one cell written at XFD1048576 costs 16,384 x 1,048,576 cells (512 GiB). The farthest
    column and row are found with a few regex passes over the inflated XML (no Python work per
    cell), and a sheet whose rectangle or cell count passes `max_cells()` is refused, naming the
    far cell.
  - ods: repeated rows and columns (table:number-rows-repeated / number-columns-repeated) that
    hold a value are expanded by the reader; their product is bounded the same way. Empty
    repeats (LibreOffice ends every sheet with a million of them) are not counted.
  - xlsb and .xls (binary records) are not scanned: the child process's memory and CPU limits
    (sandbox.py) are their bound.
Everything here is bounded: at most CHUNK bytes of inflated data are held at a time.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from xml.etree import ElementTree

from revmachine import config
from revmachine.errors import UserError

CHUNK = 8 * 1024 * 1024  # inflated bytes handled at a time
OVERLAP = 64  # bytes of the previous chunk kept, so a cell reference cut at a chunk's end is seen
MAX_PARTS = 10_000  # an xlsx has a few dozen parts; a zip of millions of empty entries is an attack
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXCEL_MAX_ROWS, EXCEL_MAX_COLS = 1_048_576, 16_384


def max_cells() -> int:
    """The most cells (the used range's rectangle, or the cells written) one sheet may have:
    REVMACHINE_MAX_CELLS, default 50 million (a 1,000,000-row x 50-column sheet)."""
    return int(float(os.environ.get("REVMACHINE_MAX_CELLS", "50000000")))


def content_kind(data: bytes) -> str | None:
    """'xlsx' (also xlsm), 'xlsb', 'ods', 'zip' (some other zip), 'xls' (OLE2), or None (not a
    workbook: text or unknown bytes)."""
    if data.startswith(OLE_MAGIC):
        return "xls"
    if not data.startswith(ZIP_MAGIC) and not _has_eocd(data):
        return None
    try:
        names = set(_zip(data).namelist())
    except UserError:
        return "zip"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if "content.xml" in names or data[30:38] == b"mimetype":
        return "ods"
    return "zip"


def _has_eocd(data: bytes) -> bool:
    return data[:2] == b"PK" and b"PK\x05\x06" in data[-65_557:]


def _zip(data: bytes) -> zipfile.ZipFile:
    """The archive's directory (names and offsets only), refusing one of too many parts before
    zipfile builds an object per entry."""
    tail = data[-65_557:]
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise UserError("is not a valid Excel workbook: its zip directory is missing (the file is truncated, "
                        "or not a spreadsheet).", hint="Download or export it again.")
    entries = struct.unpack("<H", tail[at + 10: at + 12])[0]
    if entries == 0xFFFF:  # zip64: the count is in the zip64 end record
        loc = tail.rfind(b"PK\x06\x06")
        entries = struct.unpack("<Q", tail[loc + 32: loc + 40])[0] if loc >= 0 else MAX_PARTS + 1
    if entries > MAX_PARTS:
        raise UserError(f"is a zip archive of {entries:,} parts (a workbook has a few dozen); refused "
                        "without reading it.", hint="Export the data again, or as .csv.")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, struct.error) as exc:
        raise UserError(f"is not a valid Excel workbook: its zip directory is damaged ({str(exc)[:120]}).",
                        hint="Download or export it again.") from None


def check_archive(data: bytes, kind: str, sheet_names: dict[str, str] | None = None) -> None:
    """Refuse a zip-based workbook that inflates past the limits or whose sheets are too big to
    read. Raises UserError (without a file name: the caller adds it)."""
    zf = _zip(data)
    limit = config.max_unzipped_bytes()
    total = 0
    names = sheet_names if sheet_names is not None else (_sheet_parts(zf, data) if kind == "xlsx" else {})
    for info in zf.infolist():
        if info.is_dir():
            continue
        scan = (_XlsxScan() if kind == "xlsx" and _is_sheet(info.filename, names)
                else _OdsScan() if kind == "ods" and info.filename == "content.xml" else None)
        for chunk in _inflate(data, info):
            total += len(chunk)
            if total > limit or (total > 50_000_000 and total > 200 * len(data)):
                raise UserError(
                    f"expands to more than {total / 1e6:,.0f} MB from {len(data) / 1e6:,.1f} MB (a 'zip bomb' "
                    "or an abnormally large sheet); refused without reading it.",
                    hint="Export the data again, or as .csv.")
            if scan is not None:
                scan.feed(chunk)
        if scan is not None and scan.rescan:  # the far column came late: search the rows again
            scan = _XlsxScan(scan.max_col)
            for chunk in _inflate(data, info):
                scan.feed(chunk)
        if scan is not None:
            scan.check(names.get(info.filename) or info.filename)


def _is_sheet(part: str, sheets: dict[str, str]) -> bool:
    """Whether a part can be a worksheet: one the workbook names, or under xl/worksheets/ (when
    the workbook's list could not be read, every part but the shared strings, whose text could
    hold anything)."""
    if part in sheets or part.startswith("xl/worksheets/"):
        return True
    return not sheets and not part.endswith("sharedStrings.xml")


def _inflate(data: bytes, info: zipfile.ZipInfo):
    """The part's bytes as they inflate, in chunks. The stream is read from its local header to
    its own end marker, whatever sizes the directory gives (the reader does the same)."""
    off = info.header_offset
    head = data[off: off + 30]
    if len(head) < 30 or head[:4] != ZIP_MAGIC:
        raise UserError(f"is not a valid Excel workbook: part '{info.filename[:80]}' is missing or damaged.",
                        hint="Download or export it again.")
    n, e = struct.unpack("<HH", head[26:30])
    start = off + 30 + n + e
    method = info.compress_type
    if method == zipfile.ZIP_STORED:
        size = max(info.compress_size, info.file_size)
        for i in range(start, min(start + size, len(data)), CHUNK):
            yield data[i: min(i + CHUNK, start + size)]
        return
    if method != zipfile.ZIP_DEFLATED:
        raise UserError(f"uses a compression method ({method}) that spreadsheets do not use (part "
                        f"'{info.filename[:80]}'); refused.", hint="Save it again from Excel or LibreOffice.")
    d = zlib.decompressobj(-15)
    view = memoryview(data)[start:]
    pos = 0
    while not d.eof:
        if d.unconsumed_tail:
            buf = d.unconsumed_tail
        elif pos < len(view):
            buf = view[pos: pos + CHUNK]
            pos += len(buf)
        else:
            break  # truncated stream: the reader reports it
        try:
            out = d.decompress(buf, CHUNK)
        except zlib.error:
            return  # a damaged stream: the reader refuses it with its own message
        if out:
            yield out


def open_zip(data: bytes) -> zipfile.ZipFile:
    """The archive's directory, once its part count is known to be sane (UserError otherwise)."""
    return _zip(data)


def refuse_entities(xml: bytes, part: str) -> None:
    """A spreadsheet's XML never declares a document type or entities (Office and LibreOffice do not
    write them); one that does is refused before any XML parser in this process sees it, since an
    entity referenced many times expands a few KB into gigabytes ('billion laughs')."""
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise UserError(f"declares entities (a DOCTYPE in part '{part[:80]}'), which spreadsheets never do; "
                        "refused without reading it.", hint="Save it again from Excel or LibreOffice.")


def _sheet_parts(zf: zipfile.ZipFile, data: bytes) -> dict[str, str]:
    """Worksheet part name -> sheet name, from xl/workbook.xml and its relationships (small parts;
    any problem just leaves the part names in messages). A part declaring entities is refused."""
    try:
        wb = b"".join(_inflate(data, zf.getinfo("xl/workbook.xml")))
        rels = b"".join(_inflate(data, zf.getinfo("xl/_rels/workbook.xml.rels")))
    except (KeyError, UserError, ValueError):
        return {}
    refuse_entities(wb, "xl/workbook.xml")
    refuse_entities(rels, "xl/_rels/workbook.xml.rels")
    try:
        if len(wb) > 10_000_000 or len(rels) > 10_000_000:
            return {}
        target = {}
        for el in ElementTree.fromstring(rels).iter():
            if el.tag.endswith("Relationship"):
                t = el.get("Target", "")
                target[el.get("Id")] = t.lstrip("/") if t.startswith("/") else "xl/" + t
        out = {}
        for el in ElementTree.fromstring(wb).iter():
            if el.tag.endswith("}sheet"):
                rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
                if rid in target:
                    out[target[rid]] = el.get("name", "")
        return out
    except (KeyError, ElementTree.ParseError, UserError, ValueError):
        return {}


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _col_letters(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _above(n: int) -> bytes:
    """A regex (bytes) for the decimal numbers greater than n (no leading zeros)."""
    s = str(n)
    alts = [rb"[1-9][0-9]{%d,}" % len(s)]  # more digits
    for i, ch in enumerate(s):
        d = int(ch)
        if d < 9:
            rest = len(s) - i - 1
            alts.append(s[:i].encode() + (rb"[%d-9]" % (d + 1)) + (rb"[0-9]{%d}" % rest if rest else b""))
    return b"(?:" + b"|".join(alts) + b")"


def _cols_above(n: int) -> bytes:
    """A regex for the column letters after column n (1-based), up to three letters."""
    s = _col_letters(n) if n else ""
    alts = [b"[A-Z]{%d,3}" % (len(s) + 1)] if len(s) < 3 else []
    for i, ch in enumerate(s):
        if ch < "Z":
            rest = len(s) - i - 1
            alts.append(s[:i].encode() + b"[" + chr(ord(ch) + 1).encode() + b"-Z]" + (b"[A-Z]{%d}" % rest if rest else b""))
    return b"(?:" + b"|".join(alts) + b")" if alts else b"(?!)"


class _XlsxScan:
    """The farthest column and row referenced by a part's cells (r="XFD1048576") and its cell count.

    The farthest column is found by searching only for columns beyond the farthest seen so far
    (a narrow sheet has none past its header row: one C-speed pass); rows are then searched only
    above the largest row that keeps the rectangle within the limit. When the farthest column
    shows up only after earlier chunks were searched with a higher row bound, the part is
    scanned again with the final bound (`rescan`)."""

    def __init__(self, max_col: int = 0):
        self.max_col, self.max_row, self.cells = max_col, 0, 0
        self.tail = b""
        self.min_cap = None  # the lowest row bound used on a chunk

    def _row_cap(self) -> int:
        return max(max_cells() // max(self.max_col, 1), 1)

    def feed(self, chunk: bytes) -> None:
        buf = self.tail + chunk
        self.tail = buf[-OVERLAP:]
        self.cells += chunk.count(b"<c")  # cells, and the odd <col>/<cfRule> outside the data: an upper bound
        pos = 0
        while self.max_col < 3 * 26 ** 3:  # columns beyond the farthest so far
            m = re.compile(rb"""r=["'](""" + _cols_above(self.max_col) + rb""")[0-9]""").search(buf, pos)
            if not m:
                break
            self.max_col = _col_number(m.group(1))
            pos = m.start() + 1
        # rows past what the limit allows for these columns (cells without an r attribute
        # inherit their row's, so row tags count too)
        cap = max(self._row_cap(), self.max_row)
        self.min_cap = cap if self.min_cap is None else min(self.min_cap, cap)
        # a cheap pass for refs with as many digits as the bound (none, in all but huge or hostile
        # sheets); only then the exact one from there
        first = re.compile(rb"""r=["'][A-Z]{0,3}+[0-9]{%d}""" % len(str(cap))).search(buf)
        if first is None:
            return
        for m in re.compile(rb"""r=["'][A-Z]{0,3}(""" + _above(cap) + rb""")["']""").finditer(buf, first.start()):
            self.max_row = max(self.max_row, int(m.group(1)))
            if self.max_row > 10 * EXCEL_MAX_ROWS:
                break

    @property
    def rescan(self) -> bool:
        return self.min_cap is not None and self._row_cap() < self.min_cap and not self._over()

    def _over(self) -> bool:
        limit = max_cells()
        return (self.max_col * self.max_row > limit or self.cells > limit or self.max_col > EXCEL_MAX_COLS
                or self.max_row > EXCEL_MAX_ROWS)

    def check(self, part: str) -> None:
        if not self._over():
            return
        limit, area = max_cells(), self.max_col * max(self.max_row, 1)
        if self.cells > limit and area <= limit:
            what = f"{self.cells:,} cells"
        else:
            what = (f"a used range of {self.max_col:,} columns x {max(self.max_row, 1):,} rows (a cell at "
                    f"{_col_letters(self.max_col)}{max(self.max_row, 1)} or beyond)")
        raise UserError(
            f"sheet '{part}' has {what}: over the limit of {limit:,} cells; reading it would take about "
            f"{max(area, self.cells) * 32 / 2**30:,.0f} GB of memory. A stray cell far from the data is the "
            "usual cause.",
            hint="In Excel press Ctrl+End on that sheet to find the last cell, delete the rows and columns "
                 "past your data, save, and upload again (or raise REVMACHINE_MAX_CELLS).")


class _OdsScan:
    """The cells an ods content.xml expands to through its repeats: a cell holding a value repeated
    across columns counts its column repeat times its row's repeat, and a repeated row counts its
    cells that hold a value times its repeat. Empty repeats (LibreOffice's trailing million rows of
    1,024 empty cells) count nothing."""

    TAGS = re.compile(rb"<table:table-row\b[^>]*>|<table:(?:covered-)?table-cell\b[^>]*?-repeated[^>]*>")
    REP = re.compile(rb"""number-(?:rows|columns)-repeated=["']([0-9]{1,12})["']""")

    def __init__(self):
        self.tail = b""
        self.row_rep = 1
        self.total = 0
        self.worst = (1, 1)

    def feed(self, chunk: bytes) -> None:
        buf = self.tail + chunk
        cut = buf.rfind(b"<")
        if cut < len(buf) - 4096:
            cut = len(buf)
        self.tail, buf = buf[cut:], buf[:cut]
        for m in self.TAGS.finditer(buf):
            tag = m.group(0)
            rep = self.REP.search(tag)
            n = int(rep.group(1)) if rep else 1
            if tag.startswith(b"<table:table-row"):
                self.row_rep = n
                if n > 1:  # the row's own cells that hold a value, each repeated n times
                    end = buf.find(b"</table:table-row>", m.end())
                    valued = buf.count(b"value-type", m.end(), end if end >= 0 else len(buf))
                    self._add(valued * n, (valued, n))
            elif n > 1 and not (tag.endswith(b"/>") and b"value-type" not in tag):
                self._add((n - 1) * self.row_rep, (n, self.row_rep))  # the cell itself was counted above

    def _add(self, cells: int, shape: tuple[int, int]) -> None:
        self.total += cells
        if cells >= self.worst[0] * self.worst[1]:
            self.worst = shape

    rescan = False

    def check(self, part: str) -> None:
        limit = max_cells()
        if self.total > limit:
            cols, rows = self.worst
            raise UserError(
                f"has repeated rows and columns that expand to {self.total:,} cells (e.g. {cols:,} cells with "
                f"values across a row repeated {rows:,} times), over the limit of {limit:,}: reading it would "
                f"take about {self.total * 32 / 2**30:,.0f} GB of memory.",
                hint="Delete the repeated rows and columns past your data in LibreOffice, save, and upload "
                     "again (or raise REVMACHINE_MAX_CELLS).")

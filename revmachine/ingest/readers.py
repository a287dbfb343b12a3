"""File readers: .xlsx/.xlsm/.xls/.ods (every sheet, via fastexcel/calamine), .csv and .tsv.

Every cell is read as text; typing happens later in SQL (stage.py), per column. Each sheet comes
back as a RawSheet whose header row has been found (it need not be row 1) and whose data rows carry
their row number in the sheet, so errors can name it.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from revmachine import config
from revmachine.errors import UserError
from revmachine.ingest import encoding, safety, sandbox
from revmachine.ingest.fields import is_known_header
from revmachine.textsafe import cut_list

csv.field_size_limit(encoding.MAX_LINE_BYTES)  # Python's reader takes the rows DuckDB's does (2 MB)
EXCEL_EXT = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
TEXT_EXT = {".csv", ".tsv", ".txt"}
HEADER_SCAN_ROWS = 30


@dataclass
class RawSheet:
    file_name: str
    sheet_name: str | None
    header_row: int  # 1-based row number of the header in the sheet / line in the file
    headers: list[str]
    table: pa.Table | None  # columns c0..cN (strings) + source_row (int64); or:
    notes: list[str] = field(default_factory=list)
    csv: CsvSource | None = None  # rows still in a CSV file, read by DuckDB when staged
    preamble: list[str] = field(default_factory=list)  # the text of the rows above the header (a report's
    # title, date range, filters), one string per non-blank row
    hidden: bool = False  # a workbook sheet the workbook hides (Dynamics 365 keeps its metadata in one)

    @property
    def label(self) -> str:
        return f"{self.file_name} / {self.sheet_name}" if self.sheet_name else self.file_name


def _column_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def clean_headers(cells: list[object]) -> list[str]:
    """Header texts; empty ones (merged cells, blanks) become 'column_<letter>', repeats get a suffix."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(cells):
        h = " ".join(str(c).split()) if c is not None else ""
        if not h:
            h = f"column_{_column_letter(i)}"
        n = seen.get(h.lower(), 0)
        seen[h.lower()] = n + 1
        out.append(h if n == 0 else f"{h} ({n + 1})")
    return out


HEADER_CELLS = 1000  # cells of a row weighed when looking for the header (a sheet of 16,384 columns
# has its named columns first; weighing every cell of every candidate row is what hung the load)


def find_header_row(rows: list[list[object]]) -> int:
    """Index of the header among the first rows: the one naming the most known columns.

    A title block above the header scores nothing; ties go to the earliest row. With no known
    header at all, the first row with two or more text cells is taken. Only a row's first
    HEADER_CELLS cells are weighed, and each distinct text once.
    """
    known: dict[str, bool] = {}

    def is_known(t: str) -> bool:
        if t not in known:
            known[t] = len(t) <= 200 and is_known_header(t)
        return known[t]

    best, best_score = -1, 0
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        texts = [str(c) for c in row[:HEADER_CELLS] if c is not None and str(c).strip()]
        score = sum(1 for t in texts if is_known(t))
        if score > best_score:
            best, best_score = i, score
    if best >= 0:
        return best
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        texts = [c for c in row[:HEADER_CELLS] if c is not None and str(c).strip() and not _is_number(str(c))]
        if len(texts) >= 2:
            return i
    return 0


def _is_number(s: str) -> bool:
    try:
        float(s.replace(",", ""))
        return True
    except ValueError:
        return False


def check_size(name: str, data: bytes) -> None:
    limit = config.max_upload_bytes()
    if len(data) == 0:
        raise UserError("the file is empty (0 bytes).", file=name, hint="Export it again from your CRM.")
    if len(data) > limit:
        raise UserError(
            f"the file is {len(data) / 1e6:,.1f} MB, over the upload limit of {limit / 1e6:,.0f} MB.",
            file=name,
            hint="Split it, or raise REVMACHINE_MAX_UPLOAD_MB.",
        )


def read_excel(name: str, data: bytes, kind: str | None = None) -> list[RawSheet]:
    """Every sheet of a workbook, parsed in a child process with hard limits (sandbox.py) while
    this process checks the archive (safety.py)."""
    sheets: list[RawSheet] = []
    hidden = hidden_sheets(data)
    for sheet_name, tbl in sandbox.read_workbook(data, kind or safety.content_kind(data)):
        tbl = pa.table(tbl) if not isinstance(tbl, pa.Table) else tbl
        if tbl.num_rows == 0 or tbl.num_columns == 0:
            sheets.append(RawSheet(name, sheet_name, 1, [], pa.table({"source_row": pa.array([], pa.int64())}),
                                   ["the sheet is empty"]))
            continue
        head = tbl.slice(0, HEADER_SCAN_ROWS).to_pylist()
        head_rows = [list(r.values()) for r in head]
        h = find_header_row(head_rows)
        headers = clean_headers(head_rows[h] if h < len(head_rows) else [])
        body = tbl.slice(h + 1)
        cols = {f"c{i}": body.column(i) for i in range(body.num_columns)}
        cols["source_row"] = pa.array(range(h + 2, h + 2 + body.num_rows), pa.int64())
        sheets.append(RawSheet(name, sheet_name, h + 1, headers, pa.table(cols),
                               preamble=_preamble(head_rows[:h]), hidden=sheet_name in hidden))
    return sheets


def hidden_sheets(data: bytes) -> set[str]:
    """Names of the sheets an .xlsx / .xlsm workbook marks hidden (xl/workbook.xml, state="hidden" or
    "veryHidden"); empty for other files."""
    limit = 5_000_000  # a workbook part listing sheets is a few KB; the read is bounded, whatever the
    # zip directory claims
    from revmachine.ingest import safety

    try:  # the part count is checked before zipfile reads the directory (a zip of a million parts)
        with safety.open_zip(data) as zf, zf.open("xl/workbook.xml") as part:
            raw = part.read(limit + 1)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError,
            UserError):
        return set()
    if len(raw) > limit:
        return set()
    xml = raw.decode("utf-8", errors="replace")
    import html

    out = set()
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", xml):
        state = re.search(r'\bstate="(\w+)"', tag)
        name = re.search(r'\bname="([^"]*)"', tag)
        if state and name and state.group(1).lower() in {"hidden", "veryhidden"}:
            out.add(html.unescape(name.group(1)))
    return out


def _preamble(rows: list[list[object]]) -> list[str]:
    out = []
    for r in rows:
        cells = [" ".join(str(c).split()) for c in r if c is not None and str(c).strip()]
        if cells:
            out.append(" ".join(cells)[:500])
    return out


HEAD_MAX_BYTES = 8 * 2**20  # the lines searched for the header (a header over 64 KB is fine; a row may
# hold 2 MB, encoding.MAX_LINE_BYTES)
# a line ends where the CSV reader ends one: CR LF, LF or a lone CR (never a form feed, U+2028 or any other
# character str.splitlines() also splits on: those are text inside a cell)
_EOL = re.compile(rb"\r\n|\n|\r")
_BARE_CR = re.compile(rb"\r(?!\n)")


def _head_records(data: bytes, limit: int = HEADER_SCAN_ROWS, max_bytes: int = HEAD_MAX_BYTES):
    """The first `limit` CSV records of the file, read by Python's csv reader from its physical lines,
    with the byte offset where each record ends and the number of lines it ends on. One notion of a
    line, the CSV reader's: a quoted cell spanning lines (a vendor's instructions above the header, a
    header cell with a line break) is one record; a form feed or U+2028 is text. Returns (lines as
    text, [(cells, end offset, lines read)])."""
    ends = [0]  # byte offset after each physical line given to the reader
    texts: list[str] = []
    end = min(len(data), max_bytes)

    def lines():
        pos = 0
        for m in _EOL.finditer(data, 0, end):
            chunk = data[pos:m.end()]
            pos = m.end()
            ends.append(pos)
            text = encoding.to_utf8(chunk).data.decode("utf-8")
            if not texts and text.startswith("\ufeff"):
                text = text[1:]
            texts.append(text)
            yield text
        if pos < end and end == len(data):  # a last line without a line end
            ends.append(end)
            text = encoding.to_utf8(data[pos:end]).data.decode("utf-8")
            texts.append(text[1:] if not texts and text.startswith("\ufeff") else text)
            yield texts[-1]

    return texts, lines, ends


def _read_head(data: bytes, delim: str | None):
    """(delimiter, [(cells, byte offset after the record, lines through the record)]) of the first
    records. The delimiter is sniffed on the first lines unless given."""
    _texts, gen, ends = _head_records(data)
    records: list[tuple[list[str], int, int]] = []
    if delim is None:
        first = []
        for t in gen():
            first.append(t)
            if len(first) >= HEADER_SCAN_ROWS:
                break
        delim = _sniff_delimiter(first)
        _texts, gen, ends = _head_records(data)
    reader = csv.reader(gen(), delimiter=delim)
    while len(records) < HEADER_SCAN_ROWS:
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise UserError(f"could not be read as CSV on this row ({exc}).", row=reader.line_num,
                            hint="A cell this large is not CRM data: check that this is the export you meant.") from None
        records.append((rec, ends[reader.line_num], reader.line_num))
    return delim, records


_BLANK_LINE = re.compile(rb"\n\r?(?=\r?\n)")


def read_text(name: str, data: bytes) -> list[RawSheet]:
    """CSV/TSV: the delimiter sniffed and the header found among the first records; the rows are read
    later by DuckDB's CSV reader from a private copy of the file holding the rows after the header
    (RawSheet.csv), with no Python pass over them. UTF-16/32 is converted first; other encodings and
    the CSV's structure are checked in encoding.py."""
    notes: list[str] = []
    if encoding.wide_encoding(data):
        dec = encoding.to_utf8(data)
        data = dec.data
        notes.append(dec.message())
    if b"\x00" in data[:8192] or encoding.control_share(data[:8192]) > 0.08:
        raise UserError(
            "is not a text (CSV) file: it contains binary data.",
            file=name,
            hint="Export the data again as .csv (UTF-8) or .xlsx.",
        )
    if b"\r" in data and _BARE_CR.search(data):
        # CR-only line ends (or a mix): one line end for the readers below (DuckDB's strict reader
        # takes one kind per file); a CR inside a quoted cell becomes a line break there, as it shows
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    delim, records = _read_head(data, "\t" if Path(name).suffix.lower() == ".tsv" else None)
    head_rows = [r for r, _e, _n in records]
    if not any(any(c.strip() for c in r) for r in head_rows):
        raise UserError("has no data: no non-blank line in its first rows.", file=name)
    h = find_header_row([[c if c.strip() else None for c in r] for r in head_rows])
    headers = clean_headers([c if c.strip() else None for c in head_rows[h]])
    ncols = max(len(headers), *(len(r) for r in head_rows[h:] or [[]]))
    headers += clean_headers([None] * ncols)[len(headers):]
    start, header_lines = records[h][1], records[h][2]
    first_line = header_lines + 1  # the line the first row after the header starts on
    body_rows = [(records[i - 1][2] + 1, len(r)) for i, r in enumerate(head_rows) if i > h and any(c.strip() for c in r)]
    wide = [row for row, n in body_rows if n > len(head_rows[h])]
    if wide and len(wide) < len(body_rows):  # some rows, not a column every row has
        notes.append(f"has rows with more fields than its header's {len(head_rows[h])} (rows "
                     f"{cut_list(wide, 5)}): their extra values are in unnamed columns, which are not loaded. "
                     "A value holding an unquoted delimiter does this: check those rows.")
    quotes = data.count(b'"', start)  # one pass for both structure checks (0.06-0.18 s at 154 MB)
    open_at = encoding.unclosed_quote(data, start, count=quotes)
    if open_at is not None:
        raise UserError("has a quote (\") that is never closed, so every row after it would be read into "
                        "one cell.", file=name, row=open_at,
                        hint="Close the quote on that row (a quote inside a quoted value is written \"\"), "
                             "or save the file again from Excel, and upload again.")
    records_n = encoding.count_records(data, start, quotes)
    spool = _spool_dir(len(data) - start)
    try:
        with tempfile.NamedTemporaryFile(prefix=f"{STAGING_PREFIX}{os.getpid()}-", suffix=".csv", delete=False,
                                         dir=spool) as tmp:
            try:
                _write_rows(tmp, data, start, delim)
            except OSError:
                Path(tmp.name).unlink(missing_ok=True)
                raise
    except OSError as exc:
        raise UserError(f"could not be staged: no room for its temporary copy in {spool or tempfile.gettempdir()} "
                        f"({exc.strerror}).", file=name,
                        hint="Free some space there (or set TMPDIR to a disk with room) and try again.") from None
    return [RawSheet(name, None, header_lines, headers, None, notes,
                     csv=CsvSource(tmp.name, delim, ncols, 0, records_n, first_line=first_line),
                     preamble=_preamble(head_rows[:h]))]


def _write_rows(out, data: bytes, start: int, delim: str) -> None:
    """The rows after the header, as DuckDB's reader gets them: line ends as LF (a CRLF file may hold
    LF inside its quoted cells, and DuckDB takes one kind of line end per file), and a blank line
    (outside a quoted cell) as a line holding one delimiter, an empty row DuckDB keeps, so that its
    rows and the file's lines stay one to one (DuckDB skips a blank line, and every row after it
    would be numbered one too low). Written in pieces: no second copy of the file in memory."""
    view = memoryview(data)
    crlf = data.find(b"\r\n", start) >= 0

    def write(a: int, b: int) -> None:
        if not crlf:
            out.write(view[a:b])
            return
        while a < b:  # 16 MB pieces, cut after a line end (a CR LF is never split)
            cut = min(b, a + 16 * 2**20)
            if cut < b:
                nl = data.rfind(b"\n", a, cut)
                cut = nl + 1 if nl > a else cut
            out.write(bytes(view[a:cut]).replace(b"\r\n", b"\n"))
            a = cut

    pos, quotes_before, last = start, 0, start
    fill = delim.encode()
    # from the header's own line end, so that a blank line right under the header counts
    for m in _BLANK_LINE.finditer(data, max(start - 1, 0)):
        if m.start() < start - 1:
            continue
        quotes_before += data.count(b'"', last, m.start())
        last = m.start()
        if quotes_before % 2:  # inside a quoted cell: its text
            continue
        write(pos, m.start() + 1)
        out.write(fill)
        pos = m.start() + 1
    write(pos, len(data))


STAGING_PREFIX = "revmachine-stage-"  # the CSV copies DuckDB reads; db.cleanup removes a dead process's


def _too_many_fields(name: str, row: int, found: int, expected: int) -> UserError:
    return UserError(f"has {found} fields where the header has {expected}: a value holding an unquoted "
                     "delimiter shifts every value after it into the wrong column.", file=name, row=row,
                     hint="Quote that value (or remove the extra field) and upload again.")


def _spool_dir(size: int) -> str | None:
    """Where the temporary copy of a CSV for DuckDB's reader goes: memory-backed /dev/shm when the
    machine has it with room to spare, else the default temp dir. A large write to a disk-backed
    temp dir can stall for a writeback (0.04-0.5 s for 154 MB here, at random); /dev/shm does not
    write back, and the copy lives only until staging ends."""
    shm = Path("/dev/shm")
    try:
        if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 4 * size:
            return str(shm)
    except OSError:
        pass
    return None


def _sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the most lines into the same number (>1) of fields."""
    best, best_score = ",", (0, 0)
    for d in (",", ";", "\t", "|"):
        counts = [len(r) for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=d) if any(r)]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        score = (counts.count(mode) if mode > 1 else 0, mode)
        if score > best_score:
            best, best_score = d, score
    return best


@dataclass
class CsvSource:
    """A CSV read by DuckDB when staged: `skip` lines before the first data row. The file is a
    private temporary copy, deleted by `release()`."""

    path: str
    delim: str
    ncols: int
    skip: int
    records: int | None = None  # rows after the header when the file has no quotes (counted when read)
    notes: list[str] = field(default_factory=list)  # what the report says about the file's encoding
    first_line: int = 1  # the line of the original file the copy's first line is

    def select(self, parallel: bool = True, columns: list[int] | None = None,
               lenient: bool = False) -> tuple[str, dict]:
        """A SELECT of the rows (c0..cN as text, or only the given column numbers) and its
        parameters. The CSV reader skips the columns not selected. lenient: DuckDB's relaxed parsing (a
        sample for the column profiles; the load itself reads strictly and reports what it refuses)."""
        wanted = "*" if not columns else ", ".join(f"c{int(i)}" for i in sorted(set(columns)))
        mode = "strict_mode = false" if lenient else "strict_mode = true"
        q = (
            f"select {wanted} "
            "from read_csv($path, auto_detect = false, header = false, skip = $skip, delim = $delim, "
            "quote = '\"', escape = '\"', columns = $columns, null_padding = true, "
            f"parallel = {'true' if parallel else 'false'}, {mode})"
        )
        return q, {"path": self.path, "skip": self.skip, "delim": self.delim,
                   "columns": {f"c{i}": "varchar" for i in range(self.ncols)}}

    def materialize(self, con: duckdb.DuckDBPyConnection, table: str, columns: list[int] | None = None,
                    query: Callable[[str], str] | None = None) -> str:
        """Creates table <table> from the rows of the file, in file order: as text (columns c0..cN),
        or as `query(rows)` makes them from the parenthesised select `rows` of that text (the
        typing expressions: the text is typed as it is read and never stored). columns: only these
        are read (the mapped ones; an export often has dozens that are not). Returns the SQL of a
        row's line number in the file, for a select from <table>: its rowid follows the file's
        order, and no row is filtered out here (no window function needed)."""
        last: duckdb.Error | None = None
        for attempt in range(2):
            for parallel in (True, False):  # the parallel reader refuses quoted newlines with padding
                q, params = self.select(parallel, columns)
                try:
                    body = query(f"({q})") if query else q
                    con.execute(f"create or replace table {table} as {body}", params)
                except duckdb.Error as exc:
                    last = exc
                    if "unicode" in str(exc).lower():
                        break
                    continue
                if self.records is not None:  # a row dropped or swallowed without an error
                    n = con.execute(f"select count(*) from {table}").fetchall()[0][0]
                    if n != self.records:
                        raise self._lost_rows(n)
                return f"cast(rowid + {int(self.skip) + int(self.first_line)} as bigint)"
            if attempt == 0 and not self.transcode():
                break
        raise _csv_error(last, self.first_line - 1)

    def _lost_rows(self, n: int) -> UserError:
        data = Path(self.path).read_bytes()
        long = encoding.long_line(data, 0)
        if long:
            return UserError(f"has a row of {long[1] / 2**20:,.1f} MB, over the {encoding.MAX_LINE_BYTES / 2**20:.0f} MB "
                             "a row may hold.", row=long[0] + self.first_line - 1,
                             hint="A cell this large is not CRM data: check that this is the export you meant.")
        return UserError(f"has {self.records:,} rows but only {n:,} could be read as CSV.",
                         hint="Save the file again from Excel as CSV and upload again.")

    def transcode(self) -> bool:
        """Make a file that is not valid UTF-8 UTF-8 (encoding.py: valid UTF-8 is kept, the other
        bytes read as Windows-1252); the report says which rows. False when it already was."""
        raw = Path(self.path).read_bytes()
        dec = encoding.to_utf8(raw)
        if dec.encoding == "utf-8":
            return False
        try:
            Path(self.path).write_bytes(dec.data)
        except OSError as exc:
            raise UserError(f"could not be converted to UTF-8 in its temporary copy ({exc.strerror}).",
                            hint="Free some space in the temp directory and try again.") from None
        msg = dec.message(first_line=self.first_line)
        if msg:
            self.notes.append(msg)
        return True

    def release(self) -> None:
        Path(self.path).unlink(missing_ok=True)


_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")


def _csv_error(exc: duckdb.Error | None, lines_before: int = 0) -> UserError:
    """DuckDB's CSV error as a message with the row (of the original file: `lines_before` lines precede
    the copy DuckDB read) and what to do."""
    text = str(exc or "")
    m = _CSV_LINE.search(text)
    row = int(m.group(1)) + lines_before if m else None
    cols = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if cols:
        return _too_many_fields(None, row, int(cols.group(2)), int(cols.group(1)))
    if "unterminated quote" in text:
        return UserError("has a quoted value with text after its closing quote (or a quote that is never "
                         "closed).", row=row,
                         hint="Fix the quotes on that row (a quote inside a quoted value is written \"\"), or "
                              "save the file again from Excel, and upload again.")
    if "line size" in text.lower():
        return UserError(f"has a row over the {encoding.MAX_LINE_BYTES / 2**20:.0f} MB a row may hold.", row=row,
                         hint="A cell this large is not CRM data: check that this is the export you meant.")
    first = text.splitlines()[0] if text else "unknown error"
    return UserError(f"could not be parsed as CSV: {first[:200]}", row=row,
                     hint="Save the file again from Excel as CSV and upload again.")


def read_upload(name: str, data: bytes) -> list[RawSheet]:
    """All sheets of one uploaded file. Raises UserError naming the file for anything unreadable."""
    check_size(name, data)
    ext = Path(name).suffix.lower()
    # what the bytes are decides the reader and its checks, whatever the name says
    kind = safety.content_kind(data)
    try:
        if kind is not None and (ext in EXCEL_EXT or ext in TEXT_EXT):
            return read_excel(name, data, kind)
        if ext in EXCEL_EXT:
            raise UserError(
                "is not a valid Excel workbook (an .xlsx is a zip archive; this file is not one, or it is "
                "truncated).",
                file=name,
                hint="Open it in Excel and save it again as .xlsx, or export as .csv.",
            )
        if ext in TEXT_EXT:
            return read_text(name, data)
    except UserError as exc:
        if exc.file is None:
            exc.file = name
            exc.args = (exc.render(),)
        raise
    raise UserError(
        f"has an unsupported type '{ext or '(none)'}'.",
        file=name,
        hint="Upload .xlsx, .xlsm, .xls, .ods, .csv or .tsv.",
    )

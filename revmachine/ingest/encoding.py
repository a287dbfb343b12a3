"""Text files: their encoding, decided per file without ever corrupting valid UTF-8, and the CSV
structure problems DuckDB's reader does not report by itself.

* UTF-16 and UTF-32, with a byte-order mark or without one (told by where the NUL bytes fall),
  are transcoded to UTF-8 before anything else reads the file.
* A file that is valid UTF-8 is never touched (DuckDB checks that as it reads; this module runs
  only when it says otherwise). A file that is UTF-8 but for a few bytes keeps its UTF-8 text:
  only the bytes that are not UTF-8 are read as Windows-1252, and the rows holding them are
  named in the report. A file with no UTF-8 sequence at all is read as Windows-1252 (what Excel
  writes on Windows), said once.
* `unclosed_quote` finds the row of a quote that is never closed; `long_line` a row longer than
  the reader takes; `count_records` the rows of a file without quotes, so rows dropped or
  swallowed silently are noticed.
"""

from __future__ import annotations

import codecs
import threading
from dataclasses import dataclass, field

_state = threading.local()
MAX_LINE_BYTES = 2_097_152  # DuckDB's max_line_size default


def _cp1252_byte(b: int) -> str:
    try:
        return bytes([b]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81 0x8d 0x8f 0x90 0x9d: undefined in cp1252; Latin-1 has them
        return chr(b)


_CP1252 = [_cp1252_byte(b) for b in range(256)]


def _fallback(exc: UnicodeDecodeError):
    bad = exc.object[exc.start: exc.end]
    offsets = getattr(_state, "offsets", None)
    if offsets is not None and len(offsets) < 1_000_000:
        offsets.append(exc.start)
    return "".join(_CP1252[b] for b in bad), exc.end


codecs.register_error("revmachine-cp1252", _fallback)


@dataclass
class Decoded:
    data: bytes  # the file as UTF-8
    encoding: str  # utf-8 | utf-16-le | utf-16-be | utf-32-le | utf-32-be | cp1252 | utf-8+cp1252
    bad_offsets: list[int] = field(default_factory=list)  # byte offsets (in the input) not UTF-8
    source: bytes = b""  # the input, when bad_offsets name places in it

    def message(self, first_line: int = 1) -> str | None:
        """What the report says about the encoding (None for plain UTF-8)."""
        from revmachine.textsafe import cut_list

        if self.encoding.startswith(("utf-16", "utf-32")):
            return f"was read as {self.encoding.upper()} (converted to UTF-8)."
        if self.encoding == "cp1252":
            return "is not UTF-8: it was read as Windows-1252 (what Excel writes as 'CSV' on Windows)."
        if self.encoding == "utf-8+cp1252":
            rows = self.rows(first_line)
            return (f"is UTF-8 except for {len(self.bad_offsets):,} byte(s) on {len(rows):,} row(s) "
                    f"(rows {cut_list(rows, 5)}): those bytes were read as Windows-1252, the rest as UTF-8. "
                    "Check those rows' text, or save the file again as UTF-8.")
        return None

    def rows(self, first_line: int = 1) -> list[int]:
        return line_numbers(self.source, self.bad_offsets, first_line)


_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
]


def control_share(data: bytes) -> float:
    """The share of bytes that are control characters other than tab, CR, LF and form feed: a
    few in a text file, about one in eight in binary data."""
    if not data:
        return 0.0
    n = sum(data.count(bytes([b])) for b in range(32) if b not in (9, 10, 12, 13)) + data.count(b"\x7f")
    return n / len(data)


def wide_encoding(data: bytes) -> tuple[str, int] | None:
    """(encoding, BOM length) of a UTF-16/UTF-32 file, with or without a byte-order mark."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc, len(bom)
    head = data[:4096]
    n = len(head) // 4 * 4
    if n < 8 or b"\x00" not in head:
        return None
    quads = [head[i::4][: n // 4] for i in range(4)]
    zeros = [q.count(0) / len(q) for q in quads]
    if zeros[1] > 0.9 and zeros[2] > 0.9 and zeros[3] > 0.9 and zeros[0] < 0.1:
        return "utf-32-le", 0
    if zeros[0] > 0.9 and zeros[1] > 0.9 and zeros[2] > 0.9 and zeros[3] < 0.1:
        return "utf-32-be", 0
    even, odd = head[0:n:2], head[1:n:2]
    ze, zo = even.count(0) / len(even), odd.count(0) / len(odd)
    if zo > 0.4 and ze < 0.05:
        return "utf-16-le", 0
    if ze > 0.4 and zo < 0.05:
        return "utf-16-be", 0
    return None


def to_utf8(data: bytes) -> Decoded:
    """The file as UTF-8 bytes (see the module's description)."""
    wide = wide_encoding(data)
    if wide:
        enc, skip = wide
        return Decoded(data[skip:].decode(enc, errors="replace").encode("utf-8"), enc)
    if data.isascii():
        return Decoded(data, "utf-8")
    try:
        data.decode("utf-8")
        return Decoded(data, "utf-8")
    except UnicodeDecodeError:
        pass
    _state.offsets = offsets = []
    try:
        text = data.decode("utf-8", errors="revmachine-cp1252")
    finally:
        _state.offsets = None
    if _valid_multibyte(data, offsets):
        # some bytes form valid UTF-8 sequences: the file is UTF-8, and only the others are not
        return Decoded(text.encode("utf-8"), "utf-8+cp1252", offsets, data)
    return Decoded(data.decode("cp1252", errors="revmachine-cp1252").encode("utf-8"), "cp1252")


def _valid_multibyte(data: bytes, offsets: list[int]) -> bool:
    """Whether any non-ASCII byte outside the invalid ones is part of a valid UTF-8 sequence."""
    bad = set(offsets)
    for b in range(0xC2, 0xF5):
        i = data.find(bytes([b]))
        while i >= 0:
            if i not in bad:
                return True
            i = data.find(bytes([b]), i + 1)
    return False


def line_numbers(data: bytes, offsets: list[int], first_line: int = 1) -> list[int]:
    """The 1-based line of each byte offset (offsets in increasing order)."""
    out, line, pos = [], first_line, 0
    for off in offsets:
        line += data.count(b"\n", pos, off)
        pos = off
        if not out or out[-1] != line:
            out.append(line)
    return out


def unclosed_quote(data: bytes, start: int, quote: bytes = b'"', count: int | None = None) -> int | None:
    """The 1-based line where a quote that is never closed opens (None when every quote closes).
    Quotes pair up across the file ("" inside a quoted value is two quotes), so an odd count
    means one is left open: it is the last quote whose parity is odd."""
    if (data.count(quote, start) if count is None else count) % 2 == 0:
        return None
    pos, opened, n = start, None, 0
    while True:
        i = data.find(quote, pos)
        if i < 0:
            break
        n += 1
        if n % 2 == 1:
            opened = i
        pos = i + 1
    return data.count(b"\n", 0, opened) + 1 if opened is not None else None


def long_line(data: bytes, start: int, limit: int = MAX_LINE_BYTES) -> tuple[int, int] | None:
    """(1-based line, its length in bytes) of the first line longer than limit."""
    pos, line = start, data.count(b"\n", 0, start) + 1
    while pos < len(data):
        nl = data.find(b"\n", pos)
        end = len(data) if nl < 0 else nl
        if end - pos > limit:
            return line, end - pos
        pos, line = end + 1, line + 1
    return None


def count_records(data: bytes, start: int, quotes: int | None = None) -> int | None:
    """Rows after `start` when no field can span lines (the file has no quote): its line ends,
    plus a last line without one. None when the file has quotes (`quotes`: their count, if known)."""
    if (data.find(b'"', start) >= 0) if quotes is None else quotes:
        return None
    n = data.count(b"\n", start)
    if len(data) > start and not data.endswith(b"\n"):
        n += 1
    return n

"""Text from the data, made safe to print and short enough to read.

`terminal()` escapes what a terminal would act on (control characters, escape sequences, the
bidirectional overrides that reorder what is shown); `short()` cuts one long value; `cut_list()`
cuts a long list, saying how many were left out. Plain functions with no dependencies, so the
CLI, the readers and the staging report all use the same ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# C0 controls but tab, newline and carriage return (csv writes \r\n); DEL; C1 controls (0x80-0x9f,
# which a terminal may read as CSI); the bidi embeddings, overrides and isolates (Trojan Source)
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(m: re.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def terminal(text: str) -> str:
    """The text with every character a terminal would interpret written as a visible escape
    (ESC -> '\\x1b'), so a cell holding an escape sequence prints as text."""
    return _UNSAFE.sub(_escape, text)


def short(value: object, limit: int = 60) -> str:
    """One value for a message: control characters escaped, at most `limit` characters."""
    s = terminal(str(value))
    return s if len(s) <= limit else s[: limit - 1] + "…"


def cut_list(items: Iterable[object], limit: int = 8, width: int = 60, quote: bool = False) -> str:
    """'a, b, c and 1,234 more': the first `limit` items, each cut to `width` characters."""
    items = list(items)
    shown = [short(i, width) for i in items[:limit]]
    if quote:
        shown = [repr(s) for s in shown]
    text = ", ".join(shown)
    if len(items) > limit:
        text += f" and {len(items) - limit:,} more"
    return text


class SafeWriter:
    """A text stream that escapes terminal controls in everything written to it (the CLI wraps
    stdout and stderr in one)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, s: str) -> int:
        self._stream.write(terminal(s))
        return len(s)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)

"""Workbooks are parsed in a child process with hard limits, so a reader that blows up or crashes
on a hostile file is a refused file, never a dead server or CLI.

The child is a freshly spawned interpreter (subprocess: fork+exec, never a fork of the
multi-threaded Streamlit server that keeps running Python), `_sandbox_child.py`, which reads the
file with fastexcel/calamine under:

* an address-space limit (RLIMIT_AS): REVMACHINE_PARSE_MEMORY_MB beyond what the interpreter
  and its libraries take at start (default 4096). Past it an allocation fails: Rust aborts the
  child, Python raises MemoryError in it;
* a CPU-time limit (RLIMIT_CPU): REVMACHINE_PARSE_CPU_SECONDS (default 120), and a wall-clock
  deadline in the parent of twice that plus 30 s (a child that sleeps or hangs is killed);
* an output limit: REVMACHINE_PARSE_OUTPUT_MB (default 2048) of Arrow data sent back; past it
  the child is killed;
* no core files, no files written (RLIMIT_FSIZE 0).

Starting an interpreter and loading pyarrow and fastexcel costs 0.2-0.7 s of CPU here; `prewarm()`
starts a child ahead (the CLI does when it is given a workbook, before its own imports), and a
process that reads a second workbook keeps one spare child ready from then on (the server).

While the child reads, this process inflates the archive itself and checks it (safety.py: zip
bombs, used range, repeated cells), on the other core; a refusal from either side kills the
child. Results come back as Arrow IPC streams and JSON, never pickles. Everything the child can
raise, BaseException included (a Rust panic is one), is caught in the child, and whatever kills
it is read from its exit status here.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from revmachine.errors import UserError
from revmachine.ingest import safety

if TYPE_CHECKING:  # pyarrow is loaded when a result is read: a child starts without waiting for it
    import pyarrow as pa

CHILD = Path(__file__).resolve().with_name("_sandbox_child.py")
HINT = "Open it in Excel and save it again as .xlsx, or export as .csv."


def memory_bytes() -> int:
    return int(float(os.environ.get("REVMACHINE_PARSE_MEMORY_MB", "4096")) * 1024 * 1024)


def cpu_seconds() -> int:
    return max(1, int(float(os.environ.get("REVMACHINE_PARSE_CPU_SECONDS", "120"))))


def output_bytes() -> int:
    return int(float(os.environ.get("REVMACHINE_PARSE_OUTPUT_MB", "2048")) * 1024 * 1024)


@dataclass
class ChildStats:
    """What the last child cost (tests and the bench read it)."""

    peak_rss_bytes: int = 0  # the child's own peak (VmHWM) when it could say, else what wait4 says
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    exit_status: int | None = None
    output_bytes: int = 0
    warm: bool = False  # the child was a spare started before the file came


last_stats = ChildStats()


@dataclass
class _Read:
    """A child given a file: its process, whether it was the spare, the threads feeding and reading it."""

    data: bytes
    proc: subprocess.Popen
    warm: bool
    out: _Collector
    err: _Collector
    feeder: threading.Thread
    t0: float
    checked: bool = False  # the archive checks ran while it parsed (begin())
    refusal: UserError | None = None  # what they refused


_pending: _Read | None = None  # a read begun ahead (begin()), taken by the read_workbook of the same bytes
_idle: list = []  # work for this process while a child parses (while_reading())


def _start(data: bytes) -> _Read:
    t0 = time.perf_counter()
    try:
        proc, warm = _take()
    except OSError as exc:  # no process could be started (too many, no memory): nothing was read
        raise UserError(f"could not be read now: the reader's process could not start ({exc.strerror}).",
                        hint="Try again in a moment.") from None
    limits = json.dumps({"memory_bytes": memory_bytes(), "cpu_seconds": cpu_seconds()}).encode()
    out = _Collector(proc.stdout, output_bytes(), proc)
    err = _Collector(proc.stderr, 64 * 1024, None, keep_tail=True)
    feeder = threading.Thread(target=_feed, args=(proc, limits, data), daemon=True)
    for th in (out, err, feeder):
        th.start()
    return _Read(data, proc, warm, out, err, feeder, t0)


def begin(data: bytes) -> None:
    """Hand a workbook to a child now and check the archive here while it parses, as a read does, so
    that it parses while this process then does other work (the command line loads its own libraries);
    the read_workbook of the same bytes takes the result (or the checks' refusal: the child is killed at
    once, as ever). One read ahead at a time: a read nobody took is killed when the next begins or this
    process exits."""
    global _pending
    if _pending is not None:  # one nobody took (its command stopped before reading): not left running
        _kill(_pending.proc)
        _reap(_pending.proc)
        _pending = None
    kind = _kind(data)
    if kind is None:
        return
    _pending = _start(data)
    try:
        if kind in ("xlsx", "ods", "xlsb", "zip"):
            safety.check_archive(data, kind)
    except UserError as exc:
        _pending.refusal = exc
        _kill(_pending.proc)
    except BaseException:
        _kill(_pending.proc)
        raise
    _pending.checked = True


def _kind(data: bytes) -> str | None:
    """The workbook's kind when a read may begin ahead: a workbook (not another zip, not one of too many
    parts) whose directory declares no more than the limits allow once inflated; else None."""
    from revmachine import config

    try:
        kind = safety.content_kind(data)
        if kind == "xls":
            return kind
        if kind not in ("xlsx", "xlsb", "ods"):
            return None
        declared = sum(i.file_size for i in safety.open_zip(data).infolist())
    except (UserError, OSError, ValueError):
        return None
    ok = declared <= config.max_unzipped_bytes() and not (declared > 50_000_000 and declared > 200 * len(data))
    return kind if ok else None


def while_reading(fn) -> None:
    """Run fn (once, in this thread) while the next child parses, after the archive checks: work this
    process needs next anyway (the command line imports the loader), done while it would wait."""
    _idle.append(fn)


@atexit.register
def _kill_pending() -> None:
    if _pending is not None:
        _kill(_pending.proc)


def read_workbook(data: bytes, kind: str | None) -> list[tuple[str, pa.Table]]:
    """Every sheet of a workbook as (name, table of text columns). Raises UserError (no file name:
    the caller adds it) for anything the child or the checks refuse."""
    global last_stats, _reads, _pending
    if _pending is not None and (_pending.data is data or _pending.data == data):
        r, _pending = _pending, None
    else:
        r = _start(data)
    proc, warm, out, err, feeder, t0 = r.proc, r.warm, r.out, r.err, r.feeder, r.t0
    refusal: UserError | None = r.refusal
    try:
        if kind in ("xlsx", "ods", "xlsb", "zip") and not r.checked:
            safety.check_archive(data, kind)
        while _idle and out.is_alive():
            fn = _idle.pop(0)
            with contextlib.suppress(Exception):  # it is done again, and fails for real, where it is needed
                fn()
    except UserError as exc:
        refusal = exc
        _kill(proc)
    except BaseException:
        _kill(proc)
        raise
    finally:
        deadline = time.monotonic() + 2 * cpu_seconds() + 30
        out.join(max(0.0, deadline - time.monotonic()))
        if out.is_alive():
            _kill(proc)
            out.join()
        status, usage = _reap(proc)
        err.join(5)
        feeder.join(5)
        last_stats = ChildStats(usage.ru_maxrss * 1024 if usage else 0,
                                (usage.ru_utime + usage.ru_stime) if usage else 0.0,
                                time.perf_counter() - t0, status, len(out.buf), warm)
        _reads += 1
        if _reads > 1:  # a process that reads workbooks again (the server) keeps one child ready
            prewarm()
    if refusal is not None:
        raise refusal
    return _result(out, err, status, timed_out=time.monotonic() > deadline)


_spare: subprocess.Popen | None = None
_spare_lock = threading.Lock()
_reads = 0


def _spawn() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-I", str(CHILD)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, close_fds=True, start_new_session=True)


def prewarm() -> None:
    """Start a child now, so the next workbook does not wait for an interpreter to start and load
    pyarrow and fastexcel (0.2-0.7 s on this machine). It waits on its stdin, with no limits yet
    and nothing of the file; it exits when this process does."""
    global _spare
    with _spare_lock:
        if _spare is None:
            _spare = _spawn()


def _take() -> tuple[subprocess.Popen, bool]:
    """The spare child if one is ready (and alive), else a new one; and whether it was the spare."""
    global _spare
    with _spare_lock:
        proc, _spare = _spare, None
    if proc is not None and proc.poll() is None:
        return proc, True
    return _spawn(), False


def _feed(proc: subprocess.Popen, limits: bytes, data: bytes) -> None:
    try:
        proc.stdin.write(struct.pack("<Q", len(limits)) + limits)
        proc.stdin.write(struct.pack("<Q", len(data)))
        proc.stdin.write(data)
    except (BrokenPipeError, OSError):
        pass  # the child died or was killed: its status says why
    finally:
        with contextlib.suppress(OSError):
            proc.stdin.close()


class _Collector(threading.Thread):
    def __init__(self, stream, limit: int, proc: subprocess.Popen | None, keep_tail: bool = False):
        super().__init__(daemon=True)
        self.stream, self.limit, self.proc, self.keep_tail = stream, limit, proc, keep_tail
        self.buf = bytearray()
        self.over = False

    def run(self) -> None:
        while True:
            chunk = self.stream.read1(1 << 20) if hasattr(self.stream, "read1") else self.stream.read(1 << 20)
            if not chunk:
                break
            self.buf += chunk
            if len(self.buf) > self.limit:
                if self.keep_tail:
                    del self.buf[: len(self.buf) - self.limit]
                    continue
                self.over = True
                if self.proc is not None:
                    _kill(self.proc)
                self.buf = bytearray()
                break
        with contextlib.suppress(OSError):
            self.stream.close()


def _kill(proc: subprocess.Popen) -> None:
    """SIGKILL to the child's process group (its own session). Not Popen.kill(): that polls, and
    could reap the child before _reap reads its resource usage. The child is not reaped before
    _reap, so its pid cannot have been reused."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _reap(proc: subprocess.Popen):
    """Wait for the child and take its resource usage (os.wait4; Popen keeps the status)."""
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    except ChildProcessError:
        proc.wait()
        return proc.returncode, None
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage


def _result(out: _Collector, err: _Collector, status: int | None, timed_out: bool) -> list[tuple[str, pa.Table]]:
    if out.over:
        raise UserError(f"holds more data than the limit of {output_bytes() / 2**20:,.0f} MB once read; "
                        "refused.", hint="Split it, or export the data as .csv (or raise REVMACHINE_PARSE_OUTPUT_MB).")
    import pyarrow as pa

    names: list[str] | None = None
    tables: list[pa.Table] = []
    current: int | None = None
    failure: dict | None = None
    buf, pos = memoryview(out.buf), 0
    while pos + 9 <= len(buf):
        tag = bytes(buf[pos: pos + 1])
        n = struct.unpack("<Q", buf[pos + 1: pos + 9])[0]
        payload = buf[pos + 9: pos + 9 + n]
        if len(payload) < n:
            break  # cut off: the child died while writing
        pos += 9 + n
        if tag == b"N":
            names = [str(x) for x in json.loads(bytes(payload))]
        elif tag == b"B":
            current = int(json.loads(bytes(payload))["sheet"])
        elif tag == b"T":
            tables.append(pa.ipc.open_stream(pa.py_buffer(payload)).read_all())
        elif tag == b"E":
            failure = json.loads(bytes(payload))
        elif tag == b"M":
            last_stats.peak_rss_bytes = int(json.loads(bytes(payload))["peak_rss_bytes"])
        else:
            break
    sheet = names[current] if names is not None and current is not None and current < len(names) else None
    if failure is not None:
        msg = f"{failure.get('type')}: {str(failure.get('message'))[:200]}"
        if failure.get("type") == "MemoryError":
            raise _memory_error(sheet)
        if failure.get("sheet") is None:
            raise UserError(f"could not be read as a spreadsheet ({msg}).", hint=HINT)
        raise UserError(f"the sheet could not be read ({msg}).", sheet=sheet, hint=HINT)
    if status != 0 or names is None or len(tables) != len(names):
        tail = bytes(err.buf[-2000:]).decode("utf-8", "replace")
        if timed_out or (status in (-signal.SIGXCPU, -signal.SIGKILL) and "memory allocation" not in tail):
            raise UserError(f"took longer than the {cpu_seconds()} s of CPU time a file may take to read; "
                            "refused.", sheet=sheet,
                            hint="Save it again without the formatting, or export the data as .csv "
                                 "(or raise REVMACHINE_PARSE_CPU_SECONDS).")
        if status == -signal.SIGABRT or "memory allocation" in tail or "MemoryError" in tail:
            raise _memory_error(sheet)
        raise UserError(f"made the spreadsheet reader fail (exit status {status}); refused.", sheet=sheet, hint=HINT)
    return list(zip(names, tables, strict=True))


def _memory_error(sheet: str | None) -> UserError:
    return UserError(f"needs more than the {memory_bytes() / 2**20:,.0f} MB of memory a file may take to read "
                     "(a sheet with a very large used range, or a damaged file); refused.", sheet=sheet,
                     hint="Delete the rows and columns past your data, save, and upload again, or export the "
                          "data as .csv (or raise REVMACHINE_PARSE_MEMORY_MB).")

"""The child process of sandbox.py: reads one workbook with fastexcel under hard limits.

Run as `python -I _sandbox_child.py` (isolated mode: no PYTHON* variables, no user site, not
even this file's folder on sys.path; it imports only the standard library, pyarrow and
fastexcel). Input on stdin: an 8-byte length and the limits as JSON, then an 8-byte length and
the file's bytes. Output on
stdout, frames of a 1-byte tag and an 8-byte length:
  N  JSON list of the sheet names
  B  JSON {"sheet": index}: reading that sheet starts (so a crash names it)
  T  an Arrow IPC stream: the sheet's table, every column text
  E  JSON {"sheet": index or null, "type": ..., "message": ...}: a failure
  M  JSON {"peak_rss_bytes": ...}: the child's own peak memory, last
Nothing is pickled: the parent trusts none of this beyond its frame format and sizes.
"""

import json
import resource
import struct
import sys


def _frame(out, tag: bytes, payload: bytes) -> None:
    out.write(tag + struct.pack("<Q", len(payload)))
    out.write(payload)
    out.flush()


def _status(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _vm_size() -> int:
    return _status("VmSize")


def _limit(which: int, soft: int, hard: int) -> None:
    """Lower a limit (never above what this process already has: a parent run under ulimit)."""
    _soft, cur_hard = resource.getrlimit(which)
    if cur_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, cur_hard), min(hard, cur_hard)
    resource.setrlimit(which, (min(soft, hard), hard))


def main() -> int:
    import fastexcel  # noqa: F401 (imported before the limits: its libraries are not the file's cost)
    import pyarrow as pa
    import pyarrow.ipc

    # the IPC writer's first use costs time (lazy set-up): paid here, while a spare child waits,
    # not while a file is read. Nothing here may import pandas (0.25-0.35 s): pa.table() and
    # pa.array() do, to check for pandas input
    with pyarrow.ipc.new_stream(pa.BufferOutputStream(), pa.schema([("c0", pa.string())])) as w:
        w.write_table(pa.Table.from_arrays([pa.nulls(1, pa.string())], names=["c0"]))

    # a spare child waits here, its libraries loaded, until a file comes (or its parent exits)
    head = sys.stdin.buffer.read(8)
    if len(head) < 8:
        return 0
    limits = json.loads(sys.stdin.buffer.read(struct.unpack("<Q", head)[0]))
    n = struct.unpack("<Q", sys.stdin.buffer.read(8))[0]
    data = sys.stdin.buffer.read(n)
    # the limits start before any of the file is parsed; the address space is counted from what
    # the interpreter and its libraries already take
    budget = _vm_size() + int(limits["memory_bytes"])
    _limit(resource.RLIMIT_AS, budget, budget)
    cpu = int(limits["cpu_seconds"])
    _limit(resource.RLIMIT_CPU, cpu, cpu + 5)
    _limit(resource.RLIMIT_CORE, 0, 0)  # an abort leaves no core file
    _limit(resource.RLIMIT_FSIZE, 0, 0)  # nor any other file
    code = read(data, sys.stdout.buffer)
    # this process's own peak resident memory (VmHWM: of this program, not of the parent it was
    # spawned from, which wait4's figure includes)
    _frame(sys.stdout.buffer, b"M", json.dumps({"peak_rss_bytes": _status("VmHWM")}).encode())
    return code


def read(data: bytes, out) -> int:
    """Every sheet of the workbook as frames on `out`; 0, or 3 after an E frame. Nothing the
    reader raises escapes, BaseException included (a Rust panic is a pyo3 PanicException)."""
    import fastexcel
    import pyarrow as pa

    try:
        reader = fastexcel.read_excel(data)
        names = list(reader.sheet_names)
    except BaseException as exc:
        _frame(out, b"E", json.dumps({"sheet": None, "type": type(exc).__name__,
                                      "message": str(exc)[:500]}).encode())
        return 3
    _frame(out, b"N", json.dumps(names).encode())
    for idx in range(len(names)):
        _frame(out, b"B", json.dumps({"sheet": idx}).encode())
        try:
            tbl = reader.load_sheet(idx, header_row=None, skip_rows=0, dtypes="string", eager=True,
                                    whitespace_as_null=True)
            # not pa.table(): it imports pandas to check for a DataFrame (0.25-0.35 s)
            tbl = pa.Table.from_batches([tbl]) if isinstance(tbl, pa.RecordBatch) else tbl
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, tbl.schema) as w:
                w.write_table(tbl)
            del tbl
            _frame(out, b"T", memoryview(sink.getvalue()))
        except BaseException as exc:
            _frame(out, b"E", json.dumps({"sheet": idx, "type": type(exc).__name__,
                                          "message": str(exc)[:500]}).encode())
            return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())

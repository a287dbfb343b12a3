"""The child process of sandbox.py: reads one workbook with fastexcel under hard limits.

Run as `python -I _sandbox_child.py '<limits json>'` (isolated mode: no PYTHON* variables, no
user site, not even this file's folder on sys.path; it imports only the standard library,
pyarrow and fastexcel). Input on stdin: an 8-byte length, then the file's bytes. Output on
stdout, frames of a 1-byte tag and an 8-byte length:
  N  JSON list of the sheet names
  B  JSON {"sheet": index}: reading that sheet starts (so a crash names it)
  T  an Arrow IPC stream: the sheet's table, every column text
  E  JSON {"sheet": index or null, "type": ..., "message": ...}: a failure
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


def _vm_size() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def main() -> int:
    limits = json.loads(sys.argv[1])
    out = sys.stdout.buffer
    import fastexcel
    import pyarrow as pa

    n = struct.unpack("<Q", sys.stdin.buffer.read(8))[0]
    data = sys.stdin.buffer.read(n)
    # the limits start before any of the file is parsed; the address space is counted from what
    # the interpreter and its libraries already take
    budget = int(limits["memory_bytes"])
    resource.setrlimit(resource.RLIMIT_AS, (_vm_size() + budget, _vm_size() + budget))
    cpu = int(limits["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort leaves no core file
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # nor any other file
    try:
        reader = fastexcel.read_excel(data)
        names = list(reader.sheet_names)
    except BaseException as exc:  # Rust panics are BaseException (pyo3 PanicException)
        _frame(out, b"E", json.dumps({"sheet": None, "type": type(exc).__name__,
                                      "message": str(exc)[:500]}).encode())
        return 3
    _frame(out, b"N", json.dumps(names).encode())
    for idx in range(len(names)):
        _frame(out, b"B", json.dumps({"sheet": idx}).encode())
        try:
            tbl = reader.load_sheet(idx, header_row=None, skip_rows=0, dtypes="string", eager=True,
                                    whitespace_as_null=True)
            tbl = pa.table(tbl) if not isinstance(tbl, pa.Table) else tbl
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

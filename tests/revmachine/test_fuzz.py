"""Issue 14, item 7: the readers fuzzed with mutated xlsx, ods and csv bytes. Every outcome is a
load or a refused file (a report with blocking errors, or a UserError), never another exception.

Bounded for CI: a fixed number of examples per format (15 xlsx, 10 ods, 30 csv), derandomized (the same inputs every run),
the child parser capped at 512 MB and 20 s of CPU. REVMACHINE_FUZZ_EXAMPLES=500 runs more, with
fresh random inputs."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revmachine.errors import UserError
from revmachine.ingest import load, stage

from .hostile import LEAD_ROWS, ods_leads, xlsx

EXTRA = int(os.environ.get("REVMACHINE_FUZZ_EXAMPLES", "0"))


def _settings(n: int):
    return settings(max_examples=EXTRA or n, deadline=None, derandomize=not EXTRA, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(autouse=True)
def _bounded_child(monkeypatch):
    monkeypatch.setenv("REVMACHINE_PARSE_MEMORY_MB", "512")
    monkeypatch.setenv("REVMACHINE_PARSE_CPU_SECONDS", "20")
    monkeypatch.setenv("REVMACHINE_NO_DEMO", "1")


SEED_XLSX = xlsx([*LEAD_ROWS, ["L3", "31/01/2026"], ["L4", "=1+1"]])
SEED_ODS = ods_leads()
SEED_CSV = "Lead ID,Company,Create Date,Lead Source\nL1,\"Acme, Inc\",2026-01-05,Web\nL2,Café,2026-01-31,\n".encode()

# tokens that have broken readers: far cells, repeats, huge numbers, entities, quotes, encodings
TOKENS = [b'r="XFD1048576"', b'r="A1048577"', b'r="ZZZ9"', b'table:number-rows-repeated="1048576"',
          b'table:number-columns-repeated="16384"', b"<c>", b"</row>", b"<row>", b"&amp;", b"&#0;",
          b"<!ENTITY a 'b'>", b"9" * 30, b"-1", b'"', b'""', b",", b"\r", b"\n", b"\x00", b"\xff\xfe",
          b"\xef\xbb\xbf", b"\xe9", b"\xc3", b";", b"\t", b"=cmd|' /C calc'!A0"]


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "token", "delete", "truncate", "duplicate"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=16))
        elif op == "token":
            data[i:i] = draw(st.sampled_from(TOKENS))
        elif op == "delete":
            del data[i: i + draw(st.integers(1, 64))]
        elif op == "truncate":
            del data[i:]
        else:
            j = min(len(data), i + draw(st.integers(1, 256)))
            data[i:i] = data[i:j] * draw(st.integers(1, 20))
    return bytes(data)


@st.composite
def mutated_archive(draw, seed: bytes) -> bytes:
    """A workbook whose parts' XML is mutated, then zipped again (valid zip, odd content)."""
    zin = zipfile.ZipFile(io.BytesIO(seed))
    names = [i.filename for i in zin.infolist()]
    target = draw(st.sampled_from([n for n in names if n.endswith(".xml")]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n in names:
            body = zin.read(n)
            z.writestr(n, draw(mutated(body)) if n == target else body)
    return out.getvalue()


def _outcome(name: str, data: bytes) -> str:
    """'loaded' or 'refused'; anything else raises and fails the test."""
    try:
        staged = stage.prepare([stage.UploadFile(name, data)])
    except UserError:
        return "refused"
    if not staged.ok:
        assert all(f.message for f in staged.errors)
        return "refused"
    with tempfile.TemporaryDirectory() as d:
        try:
            load.load(staged, Path(d) / "fuzz.duckdb")
        except UserError:
            return "refused"
    return "loaded"


@_settings(15)
@given(st.one_of(mutated(SEED_XLSX), mutated_archive(SEED_XLSX)))
def test_fuzz_xlsx(data):
    assert _outcome("f.xlsx", data) in ("loaded", "refused")


@_settings(10)
@given(st.one_of(mutated(SEED_ODS), mutated_archive(SEED_ODS)))
def test_fuzz_ods(data):
    assert _outcome("f.ods", data) in ("loaded", "refused")


@_settings(30)
@given(mutated(SEED_CSV), st.sampled_from(["f.csv", "f.tsv", "f.xls"]))
def test_fuzz_csv(data, name):
    assert _outcome(name, data) in ("loaded", "refused")


def test_seeds_load():
    """The unmutated seeds load, so the fuzz starts from files that work."""
    for name, data in (("s.xlsx", SEED_XLSX), ("s.ods", SEED_ODS), ("s.csv", SEED_CSV)):
        assert _outcome(name, data) == "loaded", name

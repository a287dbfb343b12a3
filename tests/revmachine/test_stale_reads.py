"""A reader never sees an older file than the data version says, and the cache never files an old
answer under a new version. DuckDB keeps one database instance per path in a process: a reader
that connected while a connection from before a load's swap was still open used to get the old
file's instance, so a page showed the figures from before the load until the next write."""

from __future__ import annotations

import threading

from revmachine import cache, db, filters
from revmachine.ingest import load, stage


def _leads_csv(prefix: str, n: int, day: str) -> bytes:
    return ("Lead ID,Create Date,Lead Source,Lead Status\n"
            + "".join(f"{prefix}{i},{day},Webinar,MQL\n" for i in range(n))).encode()


def _load(db_path, name: str, body: bytes) -> None:
    load.load(stage.prepare([stage.UploadFile(name, body)]), db_path)


def _count(con) -> int:
    return con.execute("select count(*) from leads").fetchall()[0][0]


def test_a_reader_after_a_swap_sees_the_new_file_while_an_old_reader_is_open(db_path):
    _load(db_path, "a.csv", _leads_csv("A", 10, "2026-10-01"))
    with db.read(db_path) as old:  # a slow page query that started before the load
        assert _count(old) == 10
        _load(db_path, "b.csv", _leads_csv("B", 5, "2026-10-02"))
        with db.read(db_path) as new:
            assert _count(new) == 15
        assert _count(old) == 10  # the old reader keeps its consistent old version


def test_the_cache_never_files_an_old_answer_under_the_new_version(db_path):
    _load(db_path, "a.csv", _leads_csv("A", 10, "2026-10-01"))
    hold, release = threading.Event(), threading.Event()

    def long_reader():  # another session's query, in another thread, open across the load
        with db.read(db_path):
            hold.set()
            release.wait(60)

    t = threading.Thread(target=long_reader)
    t.start()
    try:
        hold.wait(60)
        _load(db_path, "b.csv", _leads_csv("B", 5, "2026-10-02"))
        during = cache.call(filters.data_range)
    finally:
        release.set()
        t.join()
    later = cache.call(filters.data_range)
    with db.read(db_path) as con:
        truth = filters.data_range(con)
    assert str(truth[1]) == "2026-10-02"
    assert during == truth and later == truth


def test_a_reused_reader_instance_opens_the_file_the_path_names_now(db_path):
    """Readers reuse idle DuckDB instances (starting one costs more than the read); the file is
    attached per read, so a reader after a load or a swap reads the new file, and an instance that
    read one database reads another without a trace of the first."""
    _load(db_path, "a.csv", _leads_csv("A", 10, "2026-10-01"))
    with db.read(db_path) as con:
        first = con
        assert _count(con) == 10
    assert first in db._idle  # kept for the next reader, with nothing attached
    _load(db_path, "b.csv", _leads_csv("B", 5, "2026-10-02"))
    with db.read(db_path) as con:
        assert con is first and _count(con) == 15
    other = db_path.with_name("other.duckdb")
    _load(other, "c.csv", _leads_csv("C", 3, "2026-10-03"))
    with db.read(other) as con:
        assert con is first and _count(con) == 3
    # a read that leaves something of its own in the instance does not pass it on
    with db.read(db_path) as con:
        con.execute("create temp table scratch as select 1 as x")
    assert first not in db._idle
    with db.read(db_path) as con:
        assert con is not first
        assert con.execute("select count(*) from duckdb_tables() where temporary").fetchone()[0] == 0

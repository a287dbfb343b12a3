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

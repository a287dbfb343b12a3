"""Issue 14, item 6: undo names its batch (CLI --batch N; the Data page's button undoes the batch it
showed and refuses when a newer one landed), and the server hides error details from viewers."""

from __future__ import annotations

import tomllib

import duckdb
from streamlit.testing.v1 import AppTest

from revmachine.cli import main
from revmachine.ingest import load, stage

from .hostile import ROOT, state


def _batch(db_path, name: str, ids: list[str]) -> int:
    body = b"Lead ID,Create Date\n" + b"".join(f"{i},2026-01-05\n".encode() for i in ids)
    return load.load(stage.prepare([stage.UploadFile(name, body)]), db_path).batch_id


def _leads(db_path) -> list[str]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return [r[0] for r in con.execute("select lead_id from leads order by 1").fetchall()]


def test_cli_undo_batch(db_path, capsys):
    assert _batch(db_path, "a.csv", ["A1"]) == 1
    assert _batch(db_path, "b.csv", ["B1"]) == 2
    before = state(db_path)
    for args, expected in ((["--batch", "1"], "batch 1 is not the newest batch: batch 2 was loaded after it"),
                           (["--batch", "99"], "there is no batch 99")):
        assert main(["undo", "--db", str(db_path), *args]) == 2
        assert expected in capsys.readouterr().err
        assert state(db_path) == before
    assert main(["undo", "--db", str(db_path), "--batch", "2"]) == 0
    assert "Undid batch 2." in capsys.readouterr().out
    assert _leads(db_path) == ["A1"]
    after = state(db_path)
    assert main(["undo", "--db", str(db_path), "--batch", "2"]) == 2
    assert "batch 2 was already undone" in capsys.readouterr().err
    assert state(db_path) == after
    assert main(["undo", "--db", str(db_path)]) == 0  # no --batch: the newest active one
    assert _leads(db_path) == []


def test_data_page_undo_refuses_when_a_newer_batch_landed(db_path):
    _batch(db_path, "a.csv", ["A1"])
    at = AppTest.from_file(str(ROOT / "views" / "data.py"), default_timeout=90).run()
    assert not at.exception, at.exception
    assert at.button(key="undo_button").label == "Undo batch 1"
    _batch(db_path, "b.csv", ["B1"])  # another user loads while this page shows batch 1
    before = state(db_path)
    at.button(key="undo_button").click().run()
    assert not at.exception, at.exception
    assert any("batch 1 is not the newest batch" in e.value for e in at.error), [e.value for e in at.error]
    assert state(db_path) == before and _leads(db_path) == ["A1", "B1"]
    # the page now shows batch 2, and its button undoes that one
    assert at.button(key="undo_button").label == "Undo batch 2"
    at.button(key="undo_button").click().run()
    assert not at.exception, at.exception
    assert _leads(db_path) == ["A1"]
    assert any("Batch 2 was undone" in i.value for i in at.info)


def test_server_hides_error_details_from_viewers():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["client"]["showErrorDetails"] == "none"
    assert cfg["server"]["address"] == "127.0.0.1"

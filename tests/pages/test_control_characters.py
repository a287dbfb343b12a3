"""A control character (BEL, NUL) in a channel, campaign or owner name: the load says so, and no page
fails (the xlsx downloads used to raise openpyxl's IllegalCharacterError for every viewer)."""

from __future__ import annotations

import pytest

from revmachine import meeting
from revmachine.ingest import load, stage

from .test_pages import APP, run

BEL_CHANNEL, BEL_CAMPAIGN, BEL_OWNER = "Paid\x07Search", "Camp\x07aign", "Ann\x1be"


def _hostile_csv() -> bytes:
    rows = ["Lead ID,Create Date,Lead Source,Lead Status,Campaign,Lead Owner,Region,MQL Date"]
    for i in range(40):
        rows.append(f"H{i},2026-11-0{1 + i % 9},{BEL_CHANNEL},Marketing Qualified Lead,{BEL_CAMPAIGN},{BEL_OWNER},"
                    f"EMEA,2026-11-1{i % 9}")
        rows.append(f"G{i},2026-08-0{1 + i % 9},Webinar,Marketing Qualified Lead,{BEL_CAMPAIGN},{BEL_OWNER},EMEA,"
                    f"2026-08-1{i % 9}")
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture(scope="module")
def staged_hostile():
    return stage.prepare([stage.UploadFile("hostile.csv", _hostile_csv())])


def test_the_load_report_names_the_columns_holding_control_characters(staged_hostile):
    assert staged_hostile.ok
    found = [f for f in staged_hostile.warnings if f.code == "control_characters"]
    assert {f.column for f in found} == {"Lead Source", "Campaign", "Lead Owner"}
    assert all("\\x07" in f.message or "\\x1b" in f.message for f in found)


@pytest.mark.parametrize("page", ["views/funnel.py", "views/matrix.py", "views/meeting.py", "views/dashboard.py"])
def test_pages_survive_control_characters_in_names(demo_env, staged_hostile, page):
    load.load(staged_hostile, demo_env)
    meeting.add_action("sal_to_opportunity", "Call back", BEL_OWNER, path=demo_env)
    at = run(APP)
    at.switch_page(page).run()
    assert not at.exception, at.exception


def test_progress_text_naming_an_upload_is_escaped():
    """The Data page's progress bar names each file it reads: a file name that is markdown (an image
    pointing at another host) must show as text, never make the browser fetch the image."""
    from revmachine import ui
    from revmachine.format import esc

    from .hostile import plain

    shown: list[str] = []

    class Bar:
        def progress(self, fraction, text):
            shown.append(text)

    name = "[click](http://127.0.0.1:9/name) ![i](http://127.0.0.1:9/nameimg.png).csv"
    stage.prepare([stage.UploadFile(name, b"Lead ID,Create Date\nL1,2026-01-05\n")],
                  progress=ui.progress_callback(Bar()))
    reading = [t for t in shown if "nameimg" in t]
    assert reading and all(t == esc(plain(t)) for t in shown)
    assert f"Reading {name}" in [plain(t) for t in reading]

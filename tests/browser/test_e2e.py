"""Browser tests: a real `streamlit run` driven by Playwright on Debian's Chromium (headless).

Fail (not skip) when CI=true and Chromium is missing. Screenshots go to test-artifacts/.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                       reason=f"{CHROMIUM} missing: apt-get install -y chromium"),
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run",
                     "--disable-dev-shm-usage"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1440, "height": 900}, "accept_downloads": True}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    db_path = tmp_path / "e2e.duckdb"
    log = open(tmp_path / "streamlit.log", "w+")
    env = {**os.environ, "REVMACHINE_DB": str(db_path), "REVMACHINE_NO_DEMO": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "streamlit exited early"
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "streamlit did not become healthy"
            time.sleep(0.2)
        yield url, db_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.seek(0)
        print(log.read())
        log.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def metric_value(page: Page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).first.get_by_test_id("stMetricValue")


def test_upload_demo_files_then_read_dashboard_and_filter(page: Page, server):
    url, db_path = server
    expect.set_options(timeout=60_000)
    page.goto(url + "/data")
    expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
    demo = ROOT / "data" / "demo"
    files = [demo / "leads.csv", demo / "deals.csv", demo / "activities.csv", demo / "marketing_and_targets.xlsx"]
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(files)
    expect(page.get_by_text("No problems found.")).to_be_visible()
    shot(page, "data_page_report")
    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.get_by_text("Loaded batch 1")).to_be_visible()
    shot(page, "data_page_loaded")
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("select count(*) from leads").fetchall()[0][0] == 30000

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Alignment dashboard")).to_be_visible()
    won = metric_value(page, "Won revenue")
    expect(won).not_to_have_text("—")
    before = won.inner_text()
    expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
    shot(page, "dashboard_all")

    # filter to one territory: the numbers change and the URL carries the filter
    page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text="Territory").click()
    page.get_by_role("option", name="EMEA").click()
    page.keyboard.press("Escape")
    expect(won).not_to_have_text(before)
    assert "territory=EMEA" in page.url
    shot(page, "dashboard_emea")

    # export the scorecard
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download the scorecard (xlsx)").click()
    path = ARTIFACTS / "scorecard_download.xlsx"
    dl.value.save_as(path)
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ids = [r[0].value for r in wb["Scorecard"].iter_rows(min_row=2)]
    assert "attainment" in ids and "lead_share" in ids

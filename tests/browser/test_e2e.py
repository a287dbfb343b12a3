"""Browser tests: a real `streamlit run` driven by Playwright on Debian's Chromium (headless).

Fail (not skip) when CI=true and Chromium is missing. Screenshots go to test-artifacts/.
"""

import json
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


def _start(db_path: Path, log_path: Path, demo: bool):
    port = _free_port()
    log = open(log_path, "w+")  # noqa: SIM115 - handed to the server process, closed in _stop
    env = {**os.environ, "REVMACHINE_DB": str(db_path), "REVMACHINE_DEMO_LEADS": "6000"}
    if not demo:
        env["REVMACHINE_NO_DEMO"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True)
    url = f"http://127.0.0.1:{port}"
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
    return proc, log, url


def _stop(proc, log):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.seek(0)
    print(log.read())
    log.close()


@pytest.fixture
def server(tmp_path):
    """An app with no database and no demo: the upload starts from nothing."""
    db_path = tmp_path / "e2e.duckdb"
    proc, log, url = _start(db_path, tmp_path / "streamlit.log", demo=False)
    try:
        yield url, db_path
    finally:
        _stop(proc, log)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """An app that builds its demo database on first start (6,000 leads), shared by the page tests."""
    d = tmp_path_factory.mktemp("demo_server")
    proc, log, url = _start(d / "demo.duckdb", d / "streamlit.log", demo=True)
    try:
        yield url, d / "demo.duckdb"
    finally:
        _stop(proc, log)


def idle(page: Page) -> None:
    """Wait for the script run to finish (Streamlit shows stale elements while it runs)."""
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget").get_by_text("Running")).to_have_count(0, timeout=60_000)
    page.wait_for_timeout(300)


def shot(page: Page, name: str) -> None:
    idle(page)
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
    # the uploader is emptied after the load: the files are not checked again
    expect(page.get_by_text("No problems found.")).to_have_count(0)
    page.get_by_text("Loaded batch 1").scroll_into_view_if_needed()
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

    # change the period: the numbers change
    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").click()
    page.get_by_role("option", name="2026-Q2").click()
    expect(page.get_by_text("2026-Q2 (01 Apr 2026")).to_be_visible()
    expect(won).not_to_have_text(before)
    before = won.inner_text()
    shot(page, "dashboard_q2")

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


def _chart(page: Page, title: str):
    return page.locator('[data-testid="stVegaLiteChart"]').filter(has_text=title)


def test_funnel_heatmap_pick_filters_and_drills_down(page: Page, demo_server):
    url, _ = demo_server
    expect.set_options(timeout=60_000)
    page.goto(url + "/funnel")
    expect(page.get_by_text("Bottleneck:")).to_be_visible()
    expect(page.get_by_text("SAL → Opportunity converts")).to_be_visible()
    page.get_by_test_id("stSelectbox").filter(has_text="Break down by").click()
    page.get_by_role("option", name="territory").click()
    heat = page.locator('[data-testid="stVegaLiteChart"]').nth(1)
    expect(heat.locator("svg.marks")).to_be_visible()
    cells = heat.locator("g.mark-rect path")
    expect(cells.first).to_be_visible()
    button = page.get_by_role("button", name="Filter every page to territory =")
    for _attempt in range(4):  # the first click can land before Vega has bound its handlers
        cells.nth(2).click()
        try:
            expect(button).to_be_visible(timeout=10_000)
            break
        except AssertionError:
            continue
    expect(button).to_be_visible()
    segment = button.inner_text().split("= ")[1].strip()
    shot(page, "funnel_heatmap_pick")
    expect(page.get_by_text(f"(territory = {segment})")).to_be_visible()  # the drill-down follows the pick
    button.click()
    expect(page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text="Territory")
           .get_by_text(segment)).to_be_visible()
    assert f"territory={segment.replace(' ', '+')}" in page.url or f"territory={segment.replace(' ', '%20')}" in page.url
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download (csv)").click()
    path = ARTIFACTS / "funnel_drill.csv"
    dl.value.save_as(path)
    text = path.read_text()
    assert text.startswith("id,record_type") and segment in text
    shot(page, "funnel_filtered")


def test_matrix_switch_entity_and_baseline(page: Page, demo_server):
    url, _ = demo_server
    expect.set_options(timeout=60_000)
    page.goto(url + "/matrix")
    expect(page.get_by_role("heading", name="Marketer matrix")).to_be_visible()
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart.get_by_text("SPIN DOCTOR", exact=True)).to_be_visible()
    expect(chart.get_by_text("SILENT OPERATIVE", exact=True)).to_be_visible()
    shot(page, "matrix_campaigns")
    page.get_by_test_id("stButtonGroup").get_by_text("channels", exact=True).click()
    expect(chart.get_by_text("Marketer matrix by channel")).to_be_visible()
    page.get_by_test_id("stSelectbox").filter(has_text="Baseline").click()
    page.get_by_role("option", name="sales-sourced leads").click()
    expect(page.get_by_text("baseline: sales-sourced leads")).to_be_visible()
    expect(chart.get_by_text("lift over sales-sourced leads")).to_be_visible()
    chart.scroll_into_view_if_needed()
    chart.screenshot(path=str(ARTIFACTS / "matrix_channels_chart.png"))


def test_planning_edit_rate_and_save_version(page: Page, demo_server):
    url, db_path = demo_server
    expect.set_options(timeout=60_000)
    page.goto(url + "/planning")
    expect(page.get_by_role("heading", name="Planning")).to_be_visible()
    total = page.get_by_test_id("stMarkdown").filter(has_text="All territories:")
    expect(total).to_be_visible()
    before = total.inner_text()
    grid = page.get_by_test_id("stDataFrame").first  # the first territory's rates
    grid.scroll_into_view_if_needed()
    # the grid is drawn on a canvas; its accessibility table names the columns and cells. Select the
    # first cell, walk to the 'conversion to next' column with the arrow keys, open its editor
    header_cells = grid.locator('th[role="columnheader"]')
    expect(header_cells.filter(has_text="conversion to next")).to_have_count(1)  # once it is drawn
    headers = [h.strip() for h in header_cells.all_text_contents()]
    grid.locator("#glide-cell-0-0").first.focus()
    for _ in range(headers.index("conversion to next")):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    editor = page.locator("input:focus")
    editor.fill("0.9")
    shot(page, "planning_editing")
    page.keyboard.press("Enter")
    expect(total).not_to_have_text(before)
    expect(grid.locator(f"#glide-cell-{headers.index('conversion to next')}-0").first).to_have_text("0.9")
    page.get_by_label("Plan version name").fill("faster leads")
    page.get_by_role("button", name="Save this plan version").click()
    expect(page.get_by_text("Saved 'faster leads'")).to_be_visible()
    shot(page, "planning_saved")
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as con:
        got = con.execute("select inputs from plan_versions where plan_name = 'faster leads'").fetchall()
    assert got and '"source": "override"' in got[0][0]
    saved = json.loads(got[0][0])
    assert [v["rate"] for v in _dicts(saved) if v.get("source") == "override"] == [0.9]


def _dicts(obj):
    """Every dict nested in a JSON value."""
    if isinstance(obj, dict):
        yield obj
        obj = list(obj.values())
    if isinstance(obj, list):
        for v in obj:
            yield from _dicts(v)


def test_meeting_presentation_mode(page: Page, demo_server):
    url, _ = demo_server
    expect.set_options(timeout=60_000)
    page.goto(url + "/meeting")
    expect(page.get_by_role("heading", name="Weekly meeting")).to_be_visible()
    expect(page.get_by_text("This week at each conversion point")).to_be_visible()
    page.get_by_role("button", name="Start presentation").click()
    expect(page.get_by_role("heading", name="1/5 · Scorecard")).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="Won revenue")).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    shot(page, "present_1_scorecard")
    page.get_by_role("button", name="Next ▶").click()
    expect(page.get_by_role("heading", name="2/5 · Funnel")).to_be_visible()
    page.get_by_role("button", name="Next ▶").click()
    expect(page.get_by_role("heading", name="3/5 · Bottleneck")).to_be_visible()
    expect(page.get_by_text("SAL → Opportunity converts")).to_be_visible()
    shot(page, "present_3_bottleneck")
    page.get_by_role("button", name="Next ▶").click()
    expect(page.get_by_role("heading", name="4/5 · Marketer matrix")).to_be_visible()
    expect(page.locator('[data-testid="stVegaLiteChart"]').get_by_text("ALIGNED MARKETER", exact=True)).to_be_visible()
    shot(page, "present_4_matrix")

"""Browser tests: a real `streamlit run` driven by Playwright on Debian's Chromium (headless).

Fail (not skip) when CI=true and Chromium is missing. Screenshots go to test-artifacts/.
"""

import http.server
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import typing
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
    return {**browser_context_args, "viewport": {"width": 1280, "height": 720}, "accept_downloads": True}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(db_path: Path, log_path: Path, demo: bool, extra: tuple[str, ...] = (), port: int | None = None):
    """A server on 127.0.0.1 (extra: more `streamlit run` flags, e.g. --secrets.files)."""
    port = port or _free_port()
    log = open(log_path, "w+")  # noqa: SIM115 - handed to the server process, closed in _stop
    env = {**os.environ, "REVMACHINE_DB": str(db_path), "REVMACHINE_DEMO_LEADS": "6000"}
    if not demo:
        env["REVMACHINE_NO_DEMO"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
         *extra],
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
    """Wait for the script run to finish (Streamlit shows stale elements while it runs): no
    'Running' and the same number of elements for a second."""
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget").get_by_text("Running")).to_have_count(0, timeout=60_000)
    last, stable = -1, 0
    for _ in range(240):
        n = page.locator("[data-testid=stMain] [data-testid=stElementContainer]").count()
        running = page.get_by_test_id("stStatusWidget").get_by_text("Running").count()
        stable = stable + 1 if n == last and n > 1 and not running else 0
        last = n
        if stable >= 4:
            break
        page.wait_for_timeout(250)


def shot(page: Page, name: str, whole: bool = True) -> None:
    """The first 1280x720 screen as the projector shows it, and (whole=True) the whole page: the
    main area scrolls inside the window, so the window is made as tall as the page for that one."""
    idle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    if whole:
        h = main_height(page)
        if h > 720:
            page.set_viewport_size({"width": 1280, "height": min(h, 8000)})
            page.wait_for_timeout(600)
            page.screenshot(path=str(ARTIFACTS / f"{name}_whole.png"))
            page.set_viewport_size({"width": 1280, "height": 720})
            page.wait_for_timeout(300)


def main_height(page: Page) -> int:
    return page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")


SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def check_layout(page: Page, name: str, tables: bool = True) -> None:
    """What a person at 1280x720 must never see: a page wider than the window, a metric label or a
    table cut off, None / nan / NaT / 00:00:00, or a snake_case column header. (tables=False: the
    page's own tables are not checked - the Data page's, which are another engineer's.)"""
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1] <= 1280, f"{name}: the page is wider than the window {width}"
    clipped = page.evaluate("""[...document.querySelectorAll(
            '[data-testid=stMetricLabel], [data-testid=stMetricLabel] *, [data-testid=stMetricValue], '
            + '[data-testid=stMetricValue] *')]
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)""")
    assert not clipped, f"{name}: metric text cut off: {clipped}"
    grids = page.evaluate("""[...document.querySelectorAll('[data-testid=stDataFrame] .dvn-scroller')]
        .filter(s => s.offsetParent !== null)
        .map(s => [s.scrollWidth, s.clientWidth, s.closest('[data-testid=stDataFrame]')
                   .querySelector('th[role=columnheader]')?.innerText])""")
    if not tables:
        return
    wide = [g for g in grids if g[0] > g[1] + 1]
    assert not wide, f"{name}: a table wider than its frame (columns hidden): {wide}"
    headers = page.evaluate("""[...document.querySelectorAll('[data-testid=stDataFrame] th[role=columnheader]')]
        .map(h => h.innerText.trim())""")
    assert not [h for h in headers if SNAKE.match(h)], f"{name}: snake_case headers {headers}"
    text = page.get_by_test_id("stMain").inner_text()
    for bad in (r"\bNone\b", r"\bnan\b", r"\bNaN\b", r"\bNaT\b", r"00:00:00"):
        found = re.findall(rf".{{0,40}}{bad}.{{0,40}}", text)
        assert not found, f"{name}: {bad} in what the page shows: {found[:3]}"


def metric_value(page: Page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).first.get_by_test_id("stMetricValue")


def test_upload_demo_files_then_read_dashboard_and_filter(page: Page, server):
    url, db_path = server
    expect.set_options(timeout=60_000)
    page.goto(url + "/data")
    expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
    demo = ROOT / "data" / "demo"
    files = [demo / "leads.csv", demo / "deals.csv", demo / "activities.csv", demo / "marketing_and_targets.xlsx"]
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(files)
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
    expect(page.get_by_text("2026-Q4 to date (1 Oct – ").first).to_be_visible()  # the quarter under way
    won = metric_value(page, "Won revenue")
    expect(won).not_to_have_text("—")
    before = won.inner_text()
    expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
    shot(page, "dashboard_all")

    # change the period: the numbers change
    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").click()
    page.get_by_role("option", name="2026-Q2 (1 Apr – 30 Jun 2026)").click()
    expect(page.get_by_text("2026-Q2 (1 Apr – 30 Jun 2026) · all territories")).to_be_visible()
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
    page.goto(url + "/funnel?grain=quarter&period=2026-Q3")
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
    page.get_by_test_id("stSelectbox").filter(has_text="Compared with").click()
    page.get_by_role("option", name="sales-sourced leads").click()
    expect(page.get_by_text("over sales-sourced leads ·")).to_be_visible()
    expect(chart.get_by_text("revenue per lead over sales-sourced leads", exact=False)).to_be_visible()
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
    expect(header_cells.filter(has_text="Conversion to next")).to_have_count(1)  # once it is drawn
    headers = [h.strip() for h in header_cells.all_text_contents()]
    grid.locator("#glide-cell-0-0").first.focus()
    for _ in range(headers.index("Conversion to next")):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    editor = page.locator("input:focus")
    editor.fill("0.9")
    shot(page, "planning_editing")
    page.keyboard.press("Enter")
    expect(total).not_to_have_text(before)
    expect(grid.locator(f"#glide-cell-{headers.index('Conversion to next')}-0").first).to_have_text("0.9")
    page.get_by_label("Plan version name").fill("faster leads")
    page.get_by_role("button", name="Save this plan version").click()
    expect(page.get_by_text("Saved 'faster leads'")).to_be_visible()
    shot(page, "planning_saved")
    from revmachine import state

    with state.read(db_path) as con:  # plan versions live in the app-state file beside the data
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


SLIDES = ["Scorecard", "Attainment", "Pipeline", "Funnel", "Bottleneck", "Revenue SLA", "Marketer matrix", "Actions"]


def test_meeting_presentation_mode_fits_the_projector(page: Page, demo_server):
    url, _ = demo_server
    expect.set_options(timeout=60_000)
    page.goto(url + "/meeting")
    expect(page.get_by_role("heading", name="Weekly meeting")).to_be_visible()
    expect(page.get_by_text("at each conversion point")).to_be_visible()
    # an action for the large-type slide, with an owner typed in (not in the list)
    page.get_by_label("Action", exact=True).fill("Call every SAL back within a day")
    owner = page.get_by_test_id("stSelectbox").filter(has_text="Owner")
    owner.click()
    page.keyboard.type("Dana Example")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Add action item").click()
    expect(page.get_by_text("Added action item 1")).to_be_visible()
    page.get_by_role("button", name="Start presentation").click()
    for n, name in enumerate(SLIDES, start=1):
        expect(page.get_by_role("heading", name=f"{n}/{len(SLIDES)} · {name}")).to_be_visible()
        idle(page)
        expect(page.get_by_test_id("stSidebar")).to_be_hidden()
        if name in ("Attainment", "Pipeline", "Funnel", "Revenue SLA", "Marketer matrix"):
            expect(page.locator('[data-testid="stVegaLiteChart"] svg.marks').first).to_be_visible()
        shot(page, f"present_{n}_{name.lower().replace(' ', '_')}", whole=False)
        assert main_height(page) <= 720, f"slide {name} is {main_height(page)} px high"
        check_layout(page, f"slide {name}")
        if n < len(SLIDES):
            page.keyboard.press("ArrowRight")  # the arrow keys step through the slides
    expect(page.get_by_role("heading", name="Call every SAL back within a day")).to_be_visible()
    expect(page.get_by_text("Dana Example · due")).to_be_visible()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("heading", name=f"7/{len(SLIDES)} · Marketer matrix")).to_be_visible()
    expect(page.locator('[data-testid="stVegaLiteChart"]').get_by_text("ALIGNED MARKETER", exact=True)).to_be_visible()


PAGES = [("", "home"), ("/dashboard", "dashboard"), ("/pipeline", "pipeline"), ("/funnel", "funnel"), ("/matrix", "matrix"),
         ("/planning", "planning"), ("/meeting", "meeting"), ("/data", "data")]


def test_every_page_at_1280x720(page: Page, demo_server):
    """Each page on a 1280x720 projector, opened by its direct link: the frame (sidebar filters,
    wide layout) is there, nothing is cut off, nothing reads None or nan; the home fits one screen."""
    url, _ = demo_server
    expect.set_options(timeout=60_000)
    for path, name in PAGES:
        page.goto(url + path)
        expect(page.get_by_test_id("stSidebar").get_by_text("Filters", exact=True)).to_be_visible()
        idle(page)
        if name == "home":
            expect(page.get_by_test_id("stMetric").first).to_be_visible()
            shot(page, "page_home")  # saved before the check, to see what does not fit
            assert main_height(page) <= 720, f"the home is {main_height(page)} px high"
        check_layout(page, name)
        shot(page, f"page_{name}")
    # a rerun of a page reached by its link keeps the filters and the layout
    page.goto(url + "/funnel?grain=quarter&period=2026-Q3&territory=EMEA")
    idle(page)
    expect(page.get_by_text("2026-Q3 (1 Jul – 30 Sep 2026) · territory: EMEA").first).to_be_visible()
    page.keyboard.press("r")
    idle(page)
    expect(page.get_by_text("2026-Q3 (1 Jul – 30 Sep 2026) · territory: EMEA").first).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_text("Filters", exact=True)).to_be_visible()
    box = page.get_by_test_id("stMainBlockContainer").bounding_box()
    assert box["width"] > 800  # the wide layout, not the centred 736 px column
    # and the filters go with the meeting from page to page
    for name in ("Dashboard", "Data", "Meeting home"):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()
        idle(page)
        assert "period=2026-Q3" in page.url and "territory=EMEA" in page.url, (name, page.url)
    expect(page.get_by_text("2026-Q3 (1 Jul – 30 Sep 2026)").first).to_be_visible()


class _Listener(http.server.BaseHTTPRequestHandler):
    requests: typing.ClassVar[list[str]] = []

    def do_GET(self):
        _Listener.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_names_from_the_data_stay_text_in_the_browser(page: Page, tmp_path):
    """A territory named like a markdown image pointing at a local listener, a campaign named with
    bold and a link, an owner with a colour directive and an <img>, a channel with LaTeX, an emoji
    and an icon: the home shows them as typed, and the listener receives no request."""
    from tests.pages.hostile import build as build_hostile

    listener = http.server.HTTPServer(("127.0.0.1", 0), _Listener)
    port = listener.server_address[1]
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    _Listener.requests = []
    db_path = tmp_path / "hostile.duckdb"
    names = build_hostile(db_path, port)
    proc, log, url = _start(db_path, tmp_path / "streamlit.log", demo=False)
    try:
        expect.set_options(timeout=60_000)
        for path in ("", "/planning"):
            page.goto(url + path)
            idle(page)
            main = page.get_by_test_id("stMain")
            text = main.inner_text().replace("\u2060", "")  # the escaper's invisible word joiners
            shown = [k for k, v in names.items() if v in text]
            assert shown, f"{path or '/'}: no name from the data is shown as typed (the test would prove nothing)"
            if path == "/planning":
                assert "territory" in shown  # the territory tabs
            assert main.locator("img").count() == 0
            assert main.locator("a[href*='example.com']").count() == 0
            assert main.locator(".katex, [data-testid=stMarkdownColoredText], span[class*='material']").count() == 0
            assert main.locator("strong", has_text="bold").count() == 0
            shot(page, f"hostile_{path.strip('/') or 'home'}", whole=False)
        page.wait_for_timeout(500)
        assert _Listener.requests == [], f"the browser fetched {_Listener.requests}"
    finally:
        _stop(proc, log)
        listener.shutdown()


def test_real_exports_upload_an_ambiguous_sheet_is_asked_then_loaded(page: Page, server):
    """Real exports as exported: a HubSpot deals export is recognised with its confidence and each
    column's reason; a program-membership export is asked about (no kind chosen for the user), then
    loaded as the kind picked."""
    url, db_path = server
    expect.set_options(timeout=60_000)
    page.goto(url + "/data")
    expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
    vendors = ROOT / "tests" / "fixtures" / "vendors"
    files = [vendors / "hubspot_deals_export_labels" / "hubspot-crm-exports-all-deals-2026-03-02.csv",
             vendors / "marketo_program_members_extract" / "program_members_1044_1150.csv"]
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(files)
    expect(page.get_by_text("deals / opportunities (", exact=False).first).to_be_visible()
    expect(page.get_by_text("program_members_1044_1150.csv: could be", exact=False)).to_be_visible()
    expect(page.get_by_text("blocking error", exact=False).first).to_be_visible()
    shot(page, "data_page_real_exports_asked")
    check_layout(page, "data (real exports)")
    asked = page.get_by_test_id("stExpander").filter(has_text="program_members_1044_1150.csv: could be")
    asked.get_by_test_id("stSelectbox").click()
    page.keyboard.type("leads / contacts")
    page.keyboard.press("Enter")
    idle(page)
    page.get_by_role("button", name="Apply this mapping").first.click()
    idle(page)
    # a program's members repeat people with different programs: merging them is a question, answered here
    page.get_by_text("keep the last of the rows that share an id", exact=False).first.click()
    idle(page)
    expect(page.get_by_text("blocking error", exact=False)).to_have_count(0)
    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.get_by_text("Loaded batch 1")).to_be_visible()
    shot(page, "data_page_real_exports_loaded")
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("select count(*) from deals").fetchall()[0][0] == 32
        assert con.execute("select count(distinct lead_id) from leads").fetchall()[0][0] == 18


def test_dashboard_customers_and_six_outcomes_at_1280x720(page: Page, demo_server):
    """The customer tiles and seed 000's six outcomes, scrolled to on the projector: every figure shows
    (the demo grows customers), the table's columns fit, and nothing reads None or nan."""
    url, _ = demo_server
    expect.set_options(timeout=60_000)
    page.goto(url + "/dashboard")
    idle(page)
    for label in ("New accounts", "Customer retention", "Churned accounts", "Net revenue retention"):
        expect(metric_value(page, label)).not_to_have_text("—")
    customers = page.get_by_role("heading", name="Customers", exact=True)
    customers.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    shot(page, "dashboard_customers", whole=False)
    outcomes = page.get_by_role("heading", name="Six outcomes of aligned organisations")
    outcomes.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    shot(page, "dashboard_six_outcomes", whole=False)
    table = page.get_by_test_id("stTable").filter(has_text="Aligned organisations")
    expect(table).to_be_visible()
    for text in ("Growth in customer retention rates", "36% higher customer retention", "38% higher win rates",
                 "32% annual revenue growth"):
        expect(table.get_by_text(text, exact=False).first).to_be_visible()
    box = table.bounding_box()
    assert box["x"] + box["width"] <= 1280, box  # every column within the projector's width
    check_layout(page, "dashboard_customers")

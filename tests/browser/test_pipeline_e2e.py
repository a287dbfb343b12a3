"""Browser: the Pipeline page at 1280x720 on the demo - the waterfall drawn, a bar's deals listed,
the tabs readable, nothing cut off, no None or snake_case on screen (screenshots in test-artifacts/)."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser import test_e2e as e2e

pytestmark = e2e.pytestmark


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": e2e.CHROMIUM, "headless": True,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 720}, "accept_downloads": True}


@pytest.fixture(scope="module")
def pipeline_server(tmp_path_factory):
    d = tmp_path_factory.mktemp("pipeline_server")
    proc, log, url = e2e._start(d / "demo.duckdb", d / "streamlit.log", demo=True)
    try:
        yield url
    finally:
        e2e._stop(proc, log)


def test_pipeline_page_at_1280x720(page: Page, pipeline_server):
    url = pipeline_server
    expect.set_options(timeout=60_000)
    page.goto(url + "/pipeline")
    expect(page.get_by_role("heading", name="Pipeline", exact=True)).to_be_visible()
    chart = page.locator('[data-testid="stVegaLiteChart"]').filter(has_text="Pipeline movement")
    expect(chart.locator("svg.marks").first).to_be_visible()
    e2e.shot(page, "pipeline_page")
    e2e.check_layout(page, "pipeline")
    # the bar with the most money: its deals are listed with owner, amount, from and to
    expect(page.get_by_text("Show the deals of")).to_be_visible()
    for tab in ("Coverage", "Reps and quotas", "Forecast call", "Slippage", "Marketing", "Hygiene"):
        page.get_by_role("tab", name=tab).click()
        e2e.idle(page)
        e2e.check_layout(page, f"pipeline tab {tab}")
    page.get_by_role("tab", name="Reps and quotas").click()
    expect(page.get_by_text("Quinn Singh carries").first).to_be_visible()
    e2e.shot(page, "pipeline_reps", whole=False)

"""Data page in Chromium at 1280x720: the preview of a load is seen before it commits (each sheet's
rows read = loaded + merged + dropped beside its mapping, the figures the load will produce), a
plausibility question is answered with its checkbox, and two files of one name are two sheets."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .test_e2e import (  # noqa: F401  (the fixtures: Debian's Chromium at 1280x720, a server per test)
    ROOT,
    browser_context_args,
    browser_type_launch_args,
    check_layout,
    idle,
    server,
    shot,
)


def test_preview_seen_before_the_load_and_a_question_answered(page: Page, server, tmp_path):  # noqa: F811
    url, db_path = server
    expect.set_options(timeout=60_000)
    page.goto(url + "/data")
    expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
    vendors = ROOT / "tests" / "fixtures" / "vendors"
    ads = tmp_path / "ads report.csv"
    ads.write_text("Day,Campaign,Impressions,Clicks\n2026-01-01,Brand,1000,20\n2026-01-02,Brand,900,15\n")
    same = tmp_path / "a" / "pipeline_history.csv"
    same.parent.mkdir()
    same.write_text("Company,Stage,Date,Amount\nOmega,S1,2025-05-01,900\nOmega,won,2025-06-01,900\n"
                    "Sigma,S1,2025-05-03,400\nSigma,lost,2025-06-03,400\nTau,S1,2025-05-05,700\nTau,S2,2025-05-20,700\n")
    files = [vendors / "salesforce_opportunities_report_csv" / p.name
             for p in (vendors / "salesforce_opportunities_report_csv").glob("*.csv")]
    files += [vendors / "stage_history_long_form_no_ids" / "pipeline_history.csv", same, ads]
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(files)
    expect(page.get_by_role("heading", name="What the load will produce")).to_be_visible()
    expect(page.get_by_text("pipeline_history (2).csv", exact=False).first).to_be_visible()
    expect(page.get_by_text("rows read =", exact=False).first).to_be_visible()
    expect(page.get_by_text("no cost column", exact=False).first).to_be_visible()
    shot(page, "data_page_preview")
    check_layout(page, "data (preview)", tables=False)
    load = page.get_by_role("button", name="Load", exact=True)
    expect(load).to_be_disabled()
    page.get_by_text("load the ad or spend sheet with no cost", exact=False).first.click()
    idle(page)
    expect(page.get_by_text("no cost column", exact=False)).to_have_count(0)
    expect(load).to_be_enabled()
    shot(page, "data_page_preview_answered")
    load.click()
    expect(page.get_by_text("Loaded batch 1")).to_be_visible()
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("select count(*) from ad_spend").fetchall()[0][0] == 2
        assert con.execute("select count(*) from stage_history").fetchall()[0][0] == 15 + 6

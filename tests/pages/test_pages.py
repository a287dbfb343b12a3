"""AppTest: every page runs on its own and under app.py, and reacts to its widgets."""

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


def run(path=APP):
    at = AppTest.from_file(path, default_timeout=90).run()
    assert not at.exception, at.exception
    return at


def metric(at, label):
    return next(m for m in at.metric if m.label == label).value


def test_dashboard_default_period_and_values(demo_env):
    at = run()
    assert at.title[0].value == "Alignment dashboard"
    assert metric(at, "Won deals") not in ("", "—")
    assert metric(at, "% attainment to target revenue").endswith("%")
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    titles = [s.get("title", {}).get("text", "") if isinstance(s.get("title"), dict) else s.get("title", "")
              for s in specs]
    assert any("Won revenue vs target by territory" in t for t in titles)


def test_dashboard_filter_changes_numbers(demo_env):
    at = run()
    before = metric(at, "Won revenue")
    assert "EMEA" in at.sidebar.multiselect(key="territory").options  # the filter is offered
    at1 = AppTest.from_file(APP, default_timeout=90)
    at1.session_state["territory"] = ["EMEA"]
    at1.run()
    assert not at1.exception
    assert metric(at1, "Won revenue") != before
    assert at1.query_params.get("territory") in ("EMEA", ["EMEA"])  # mirrored to the URL: a shareable link
    at2 = AppTest.from_file(APP, default_timeout=90)
    at2.session_state["channel"] = ["Referral"]
    at2.run()
    assert metric(at2, "% attainment to target revenue") == "—"


def test_dashboard_page_runs_on_its_own(demo_env):
    at = run(str(ROOT / "views" / "dashboard.py"))
    assert metric(at, "Leads created") != "—"


def test_dashboard_without_database(db_path):
    at = run(str(ROOT / "views" / "dashboard.py"))
    assert "No data yet" in at.warning[0].value


def test_data_page_upload_and_load(db_path):
    at = run()
    at.switch_page("views/data.py").run()
    assert at.title[0].value == "Data"
    at.file_uploader(key="upload_files").upload("leads.csv", b"Lead ID,Create Date\nA,2026-01-05\nB,2026-01-06\n",
                                                "text/csv").run()
    assert not at.exception, at.exception
    assert any("No problems found" in s.value for s in at.success)
    at.button(key="load_button").click().run()
    assert not at.exception, at.exception
    assert any("Loaded batch 1" in s.value for s in at.success)
    # the loaded file is not checked again (it would only be reported as already loaded)
    assert not any("already loaded" in w.value for w in at.warning)
    assert all("already loaded" not in df.value.to_string() for df in at.dataframe)
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("select count(*) from leads").fetchall()[0][0] == 2
    at.button(key="undo_button").click().run()
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("select count(*) from leads").fetchall()[0][0] == 0


def test_data_page_reports_bad_file(db_path):
    at = run(str(ROOT / "views" / "data.py"))
    at.file_uploader(key="upload_files").upload("x.xlsx", b"not a workbook", "application/octet-stream").run()
    assert not at.exception
    assert any("blocking error" in e.value for e in at.error)
    assert not db_path.exists()


def test_funnel_page_names_the_bottleneck_and_breaks_down(demo_env):
    at = run(str(ROOT / "views" / "funnel.py"))
    assert at.title[0].value == "Funnel bottlenecks"
    assert "Bottleneck" in at.error[0].value and "SAL → Opportunity" in at.error[0].value
    at.selectbox(key="funnel_by").set_value("territory").run()
    assert not at.exception
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert any("Gap to benchmark by territory" in json.dumps(s.get("title", "")) for s in specs)
    at.segmented_control(key="funnel_view").set_value("cohort").run()
    assert not at.exception and "created in the period" in at.caption[0].value
    at.selectbox(key="drill_step").set_value("MQL → SAL").run()
    assert not at.exception
    assert any("entered MQL → SAL" in c.value for c in at.caption)


def test_funnel_stage_editor_saves_stages(demo_env):
    at = run(str(ROOT / "views" / "funnel.py"))
    at.button(key="save_stages").click().run()  # unchanged stages save fine
    assert any("Saved 6 stages" in s.value for s in at.success)


def test_matrix_page_switches_entity_and_baseline(demo_env):
    at = run(str(ROOT / "views" / "matrix.py"))
    assert at.title[0].value == "Marketer matrix"
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert "Marketer matrix by campaign" in json.dumps(spec.get("title"))
    at.segmented_control(key="matrix_entity").set_value("channel").run()
    assert not at.exception
    assert "by channel" in json.dumps(json.loads(at.get("vega_lite_chart")[0].proto.spec).get("title"))
    at.selectbox(key="matrix_baseline").set_value("sales").run()
    assert not at.exception and "sales-sourced leads" in at.caption[0].value


def test_planning_page_edit_rate_and_save_version(demo_env):
    at = run(str(ROOT / "views" / "planning.py"))
    assert at.title[0].value == "Planning"
    total_before = next(m.value for m in at.markdown if m.value.startswith("**All territories:**"))
    tg = next(n for n in at.number_input if n.key and n.key.startswith("tg|"))
    tg.set_value(tg.value * 2).run()
    assert not at.exception
    total_after = next(m.value for m in at.markdown if m.value.startswith("**All territories:**"))
    assert total_after != total_before  # every number moves with the input
    at.text_input(key="plan_name").input("double target").run()
    at.button(key="save_plan").click().run()
    assert not at.exception and any("Saved 'double target'" in s.value for s in at.success)
    at2 = run(str(ROOT / "views" / "planning.py"))  # a new session: the version is in the database
    assert "double target" in at2.selectbox(key="plan_source").options


def test_meeting_page_brief_actions_and_presentation(demo_env):
    at = run(str(ROOT / "views" / "meeting.py"))
    assert at.title[0].value == "Weekly meeting"
    assert any("This week at each conversion point" in m.value for m in at.markdown)
    assert any("The bottleneck is still SAL → Opportunity" in m.value for m in at.markdown)
    at.text_input(key="action_title").input("Call every SAL back within a day")
    at.text_input(key="action_owner").input("Dana")
    submit = next(b for b in at.button if "Add action item" in str(b.label))
    submit.click().run()
    assert not at.exception and any("Added action item 1" in s.value for s in at.success)
    at.button(key="start_presentation").click().run()
    assert at.title[0].value == "1/5 · Scorecard"
    for expected in ("2/5 · Funnel", "3/5 · Bottleneck", "4/5 · Marketer matrix", "5/5 · Actions"):
        at.button(key="slide_next").click().run()
        assert not at.exception and at.title[0].value == expected
    at.button(key="slide_exit").click().run()
    assert at.title[0].value == "Weekly meeting"

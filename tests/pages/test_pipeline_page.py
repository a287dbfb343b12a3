"""AppTest: the Pipeline page on the demo - the movement's waterfall with each bar's deals, the
figures the home and the slide show, the forecast call recorded, nothing unknown shown as 0."""

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from .hostile import plain

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


def run(**state):
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, at.exception
    at.switch_page("views/pipeline.py").run()
    assert not at.exception, at.exception
    return at


def test_pipeline_page_runs_the_first_fifteen_minutes(demo_env):
    at = run()
    assert at.title[0].value == "Pipeline"
    labels = {plain(m.label): m.value for m in at.metric}
    assert labels["Pipeline closing in 2026-Q4"].startswith("$") and "Reps on quota" in labels
    assert "×" in labels["Coverage (required)"]
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    titles = json.dumps([s.get("title") for s in specs], ensure_ascii=False)
    assert "Pipeline movement" in titles and "What will close, by forecast category" in titles
    assert "Coverage against the coverage required" in titles
    # what moved: the sentence, and the deals of the biggest bar
    body = " ".join(plain(m.value) for m in at.markdown)
    assert "Pipeline closing in 2026-Q4" in body and "between" in body
    table = next(d.value for d in at.dataframe if "Deal" in d.value.columns and "From" in d.value.columns)
    assert len(table) > 0 and not table.isin(["None", "nan", "NaT"]).any().any()
    # another bar lists its own deals
    box = at.selectbox(key="pl_bar")
    box.set_value("end").run()
    assert not at.exception
    end = next(d.value for d in at.dataframe if "Deal" in d.value.columns and "To" in d.value.columns)
    assert len(end) > 0
    # the quota equity flag for the demo's heavy quota, in words
    assert any("Quinn Singh carries" in plain(w.value) and "much heavier" in plain(w.value) for w in at.warning)
    # no table shows None or nan
    assert not any(d.value.isin(["None", "nan", "NaT"]).any().any() for d in at.dataframe)


def test_pipeline_page_records_a_forecast_call(demo_env):
    at = run()
    at.selectbox(key="pl_call_kind").set_value("territory")
    at.selectbox(key="pl_call_scope").set_value("EMEA")
    at.text_input(key="pl_call_by").input("EMEA Manager")
    at.number_input(key="pl_call_commit").set_value(250000.0)
    at.number_input(key="pl_call_best").set_value(300000.0)
    next(b for b in at.button if "Record the call" in str(b.label)).click().run()
    assert not at.exception, at.exception
    assert any("Recorded call" in s.value for s in at.success)
    from revmachine import state

    with state.read(demo_env) as con:  # a forecast call is app state (the state file)
        row = con.execute("select period, scope, commit_amount, called_by, recorded_at is not null "
                          "from forecast_calls order by call_id desc limit 1").fetchall()[0]
    assert row[:4] == ("2026-Q4", "EMEA", 250000, "EMEA Manager") and row[4]


def test_pipeline_filter_changes_the_movement(demo_env):
    all_ = {plain(m.label): m.value for m in run().metric}["Pipeline closing in 2026-Q4"]
    emea = {plain(m.label): m.value for m in run(territory=["EMEA"]).metric}["Pipeline closing in 2026-Q4"]
    assert all_ != emea

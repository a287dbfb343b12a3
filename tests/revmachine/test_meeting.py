"""Meeting mode: the weekly brief from two snapshots (changes worked out by hand), action items
round-trip through the database file, and the meeting pack holds the charts and the items."""

import datetime as dt
import io
import shutil

import pytest
from openpyxl import load_workbook

from revmachine import access, db, export, meeting, state
from revmachine.errors import UserError

from .helpers import memory_db

T1, T2 = dt.datetime(2026, 11, 13), dt.datetime(2026, 11, 20)


def snap_rows(at, rows):
    return [(at, 1, "w", metric, seg, value, num, den) for metric, seg, value, num, den in rows]


@pytest.fixture
def con():
    c = memory_db()
    rows = snap_rows(T1, [
        ("step_rate", "Lead → MQL", 0.20, 20, 100), ("step_rate", "SAL → Opportunity", 0.30, 3, 10),
        ("stage_entries", "Lead", 100, None, None), ("stage_entries", "MQL", 20, None, None),
        ("bottleneck", "SAL → Opportunity", 50000, None, None),
        ("sla_breach", "L1", 1, None, None), ("sla_breach", "L2", 1, None, None),
        ("territory_won", "East", 10000, None, None), ("territory_won", "West", 5000, None, None),
        ("channel_leads", "Webinar", 40, None, None),
    ]) + snap_rows(T2, [
        ("step_rate", "Lead → MQL", 0.25, 30, 120), ("step_rate", "SAL → Opportunity", 0.20, 2, 10),
        ("stage_entries", "Lead", 120, None, None), ("stage_entries", "MQL", 15, None, None),
        ("bottleneck", "Lead → MQL", 70000, None, None),
        ("sla_breach", "L2", 1, None, None), ("sla_breach", "L3", 1, None, None), ("sla_breach", "L4", 1, None, None),
        ("territory_won", "East", 4000, None, None), ("territory_won", "West", 6000, None, None),
        ("channel_leads", "Webinar", 55, None, None),
    ])
    c.executemany("insert into scorecard_snapshots values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    yield c
    c.close()


def test_weekly_brief_by_hand(con):
    b = meeting.brief(con)
    assert (b["current_at"], b["previous_at"]) == (T2, T1)
    steps = {s["step"]: s for s in b["steps"]}
    assert steps["Lead → MQL"]["change"] == pytest.approx(0.05)      # 25% - 20%
    assert steps["SAL → Opportunity"]["change"] == pytest.approx(-0.10)
    text = " ".join(b["sentences"])
    assert "120 Lead (+20), 15 MQL (-5)" in text
    # the biggest move is the 10-point drop
    assert "SAL → Opportunity at 20% (−10.0 pts on last week's 30%)" in text
    assert "moved from SAL → Opportunity to Lead → MQL ($70k at stake)" in text
    assert b["sla"]["opened"] == ["L3", "L4"] and b["sla"]["closed"] == ["L1"]
    assert "to 20 Nov 2026: 3; 2 new and 1 resolved since last week" in text
    assert "Biggest mover in won revenue (the 28 days to each date): East, $4k (−$6k on last week)" in text
    assert "Biggest mover in leads (the 28 days to each date): Webinar, 55 (+15 on last week)" in text


def test_brief_with_one_snapshot():
    c = memory_db()
    c.executemany("insert into scorecard_snapshots values (?, ?, ?, ?, ?, ?, ?, ?)",
                  snap_rows(T1, [("step_rate", "Lead → MQL", 0.2, 2, 10)]))
    b = meeting.brief(c)
    assert b["previous_at"] is None and "Only one state of the data" in b["sentences"][0]
    assert meeting.brief(memory_db())["available"] is False


def _window(last: dt.date) -> str:
    return f"{last - dt.timedelta(days=27)}..{last}"


def test_last_week_is_the_data_nearest_seven_days_before_not_the_previous_load():
    c = memory_db()
    loads = [  # (when the load ran, the data's last day)
        (dt.datetime(2026, 11, 1, 9), dt.date(2026, 10, 31)),
        (dt.datetime(2026, 11, 6, 9), dt.date(2026, 11, 5)),    # 14 days before the latest data
        (dt.datetime(2026, 11, 13, 9), dt.date(2026, 11, 12)),  # 7 days before: last week
        (dt.datetime(2026, 11, 17, 9), dt.date(2026, 11, 16)),  # the previous load: 3 days before
        (dt.datetime(2026, 11, 20, 9), dt.date(2026, 11, 19)),
    ]
    for at, last in loads:
        c.execute("insert into scorecard_snapshots values (?, 1, ?, 'step_rate', 'Lead → MQL', 0.2, 2, 10)",
                  [at, _window(last)])
    assert meeting.last_week(c) == (dt.datetime(2026, 11, 20, 9), dt.datetime(2026, 11, 13, 9))
    # the same data loaded again an hour later: this week is the new load, last week does not move
    c.execute("insert into scorecard_snapshots values (?, 1, ?, 'step_rate', 'Lead → MQL', 0.2, 2, 10)",
              [dt.datetime(2026, 11, 20, 10), _window(dt.date(2026, 11, 19))])
    assert meeting.last_week(c) == (dt.datetime(2026, 11, 20, 10), dt.datetime(2026, 11, 13, 9))
    b = meeting.brief(c)
    assert b["previous_as_of"] == dt.date(2026, 11, 12) and b["steps"][0]["change"] == 0


def test_reloading_the_same_files_changes_nothing_in_the_brief(tmp_path):
    from revmachine import demo

    path = tmp_path / "demo.duckdb"
    demo.build(path, n_leads=1500)
    with db.read(path) as con:
        before = meeting.brief(con)
    # the same full export loaded again, as an analyst would by mistake
    from revmachine.ingest import load as load_mod
    from revmachine.ingest.stage import Staged

    load_mod.load(Staged([], [], [], demo.to_arrow(demo.generate(1500, 42))), path, modes={"*": "replace"},
                  snapshot_at=dt.datetime(2026, 11, 21, 8))
    with db.read(path) as con:
        after = meeting.brief(con)
    assert after["previous_at"] == before["previous_at"] and after["current_at"] != before["current_at"]
    assert after["sentences"] == before["sentences"]


def test_action_items_round_trip_and_restart(db_path):
    from revmachine.ingest import load, stage

    load.load(stage.prepare([stage.UploadFile("l.csv", b"Lead ID,Create Date\nA,2026-01-05\n")]), db_path)
    with pytest.raises(UserError, match="owner"):
        meeting.add_action("SAL → Opportunity", "Call back every SAL within a day", "", path=db_path)
    a = meeting.add_action("SAL → Opportunity", "Call back every SAL within a day", "Dana (sales)",
                           dt.date(2026, 12, 1), "territory", "EMEA", "agreed in the meeting", 0.28, path=db_path)
    b = meeting.add_action("Lead → MQL", "Tighten the MQL definition", "Ana (marketing)", path=db_path)
    meeting.update_action(a, path=db_path, status="done", notes="done: 24 h callbacks live")
    meeting.update_action(b, path=db_path, status="dropped")
    with pytest.raises(UserError, match="status"):
        meeting.update_action(b, path=db_path, status="maybe")
    copy = db_path.with_name("restarted.duckdb")
    shutil.copyfile(db_path, copy)  # what a restarted app opens: both files, side by side
    shutil.copyfile(state.path_for(db_path), state.path_for(copy))
    with state.read(copy) as con:
        items = meeting.actions(con).set_index("action_id")
    assert items.loc[a, "created_by"] == access.command_line().id  # every change has a name on it
    assert items.loc[a, "status"] == "done" and items.loc[a, "notes"] == "done: 24 h callbacks live"
    assert items.loc[a, "segment"] == "EMEA" and items.loc[a, "metric_at_creation"] == pytest.approx(0.28)
    assert items.loc[b, "status"] == "dropped"
    buf = io.BytesIO()
    export.frames_xlsx({"actions": items.reset_index()}, buf)
    ws = load_workbook(io.BytesIO(buf.getvalue()))["actions"]
    assert [c.value for c in ws[1]][:2] == ["action_id", "created_at"] and ws.max_row == 3


def test_meeting_pack_contains_charts_and_items(demo_env):
    meeting.add_action("SAL → Opportunity", "<script>alert(1)</script> fix the handoff", "Dana", path=demo_env)
    with state.read(demo_env) as con:
        items = meeting.actions(con)
    with db.read(demo_env) as con:
        html = meeting.build_pack(con, "2026-Q3", items=items)
    assert html.count("<svg") >= 3  # funnel, attainment, matrix rendered inline
    assert "Funnel" in html and "Marketer matrix" in html and "Attainment by territory" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; fix the handoff" in html and "<script>alert" not in html
    assert "SAL → Opportunity converts" in html  # the bottleneck sentence
    assert "% attainment to target revenue" in html

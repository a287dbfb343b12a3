"""Configuration edits: one write each, and every mart follows them."""

import pandas as pd
import pytest

from revmachine import configure, db, metrics
from revmachine.errors import UserError
from revmachine.ingest import load, stage


@pytest.fixture
def loaded(db_path):
    data = (b"Lead ID,Create Date,Lead Source,Lead Status,Won Date,Amount\n"
            b"A,2026-07-01,Carrier Pigeon,Closed Won,2026-08-01,100\n"
            b"B,2026-07-02,Paid Search,Closed Won,2026-08-02,300\n")
    load.load(stage.prepare([stage.UploadFile("l.csv", data)]), db_path)
    return db_path


def share(path):
    with db.read(path) as con:
        rows = {r.metric: r for r in metrics.scorecard(con, "2026-Q3")["rows"]}
    return rows["marketing_revenue_share"].value


def test_unmapped_channel_listed_then_mapped(loaded):
    with db.read(loaded) as con:
        chan = configure.channels(con)
    pigeon = chan[chan.channel == "Carrier Pigeon"]
    assert len(pigeon) == 1 and pd.isna(pigeon.sourced_by.iloc[0]) and pigeon.records.iloc[0] == 1
    assert share(loaded) == pytest.approx(300 / 400)  # only Paid Search is marketing
    chan.loc[chan.channel == "Carrier Pigeon", "sourced_by"] = "marketing"
    configure.save_channels(chan, loaded)
    assert share(loaded) == pytest.approx(1.0)
    chan.loc[chan.channel == "Paid Search", "sourced_by"] = "sales"
    configure.save_channels(chan, loaded)
    assert share(loaded) == pytest.approx(100 / 400)


def test_bad_channel_value_changes_nothing(loaded):
    from ..conftest import file_hash

    before = file_hash(loaded)
    with pytest.raises(UserError, match="marketing' or 'sales"):
        configure.save_channels(pd.DataFrame({"channel": ["X"], "sourced_by": ["partners"]}), loaded)
    assert file_hash(loaded) == before


def test_settings_validated_and_saved(loaded):
    with pytest.raises(UserError, match=r"outside 1\.\.12"):
        configure.save_settings({"fiscal_year_start_month": 13}, loaded)
    configure.save_settings({"fiscal_year_start_month": 7, "sla_first_touch_hours": 8}, loaded)
    with db.read(loaded) as con:
        s = configure.settings(con)
        assert s["fiscal_year_start_month"] == "7" and s["sla_first_touch_hours"] == "8.0"
        # with a July fiscal year, FY2027 runs 2026-07-01 .. 2027-06-30
        card = metrics.scorecard(con, "2027")
    assert card["period_start"].isoformat() == "2026-07-01"
    assert {r.metric: r.value for r in card["rows"]}["won_revenue"] == 400

"""The Pipeline page, the marketer matrix and the accounts figures read rollups built at load time
(queries/marts/rollup_*.sql) instead of the records, so a filter change costs what the days and
dimensions cost, not what the records cost. These tests prove every figure unchanged: each query as it
was before (kept in tests/revmachine/reference_sql/, reading the record marts) and as it is now (reading
the rollups) run on the demo for several periods and filter combinations, and their results compare
equal row for row."""

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from revmachine import db, marts, sql

REFERENCE = Path(__file__).parent / "reference_sql"
PARAM = re.compile(r"(?<![:$\w])\$([a-z_][a-z0-9_]*)")

FILTERS = [
    dict(territory=[], channel=[], owner=[], sourced_by=[]),
    dict(territory=["North America"], channel=[], owner=[], sourced_by=[]),
    dict(territory=[], channel=[], owner=[], sourced_by=["marketing"]),
    dict(territory=["EMEA", "APAC"], channel=["Webinar", "Paid Search"], owner=[], sourced_by=[]),
    dict(territory=[], channel=[], owner=["Quinn Singh", "Sam Tanaka"], sourced_by=["sales"]),
]
QUARTERS = [(dt.date(2026, 1, 1), dt.date(2026, 4, 1)), (dt.date(2026, 4, 1), dt.date(2026, 7, 1)),
            (dt.date(2026, 10, 1), dt.date(2027, 1, 1)), (dt.date(2025, 7, 1), dt.date(2025, 8, 1))]


def run_text(con, text: str, params: dict) -> pd.DataFrame:
    body = re.sub(r"--[^\n]*", "", text)
    needed = set(PARAM.findall(body))
    return con.execute(text, {k: params[k] for k in needed}).df()


def _plain(v):
    """A list cell (a numpy array) as a tuple, so rows sort and compare."""
    return tuple(_plain(x) for x in v) if isinstance(v, list | tuple | np.ndarray) else v


def same(old: pd.DataFrame, new: pd.DataFrame, name: str) -> None:
    """Equal as sets of rows (row order aside where the query leaves it to the page), every column,
    exact: money and counts must not move by a cent."""
    assert list(old.columns) == list(new.columns), name
    assert len(old) == len(new), (name, len(old), len(new))
    if not len(old):
        return
    old, new = old.map(_plain), new.map(_plain)
    key = list(old.columns)
    o = old.sort_values(key, na_position="first").reset_index(drop=True)
    n = new.sort_values(key, na_position="first").reset_index(drop=True)
    pd.testing.assert_frame_equal(o, n, check_exact=True, obj=name)


def compare(con, name: str, params: dict, dropped: tuple[str, ...] = ()) -> pd.DataFrame:
    """`dropped`: columns the old query returned that nothing read (left out of the new one)."""
    old = run_text(con, (REFERENCE / f"{name}.sql").read_text(encoding="utf-8"), params).drop(columns=list(dropped))
    new = sql.df(con, name, **params)
    same(old, new, f"{name} {params}")
    return new


@pytest.fixture(scope="module")
def con(demo_db):
    with db.read(demo_db) as c:
        yield c


def test_rollups_are_registered_with_their_keys(con):
    """Every rollup is a table of the build, after its source, with its group keys named; the keys
    really are unique in the built table (a rollup row is one group)."""
    names = [n for n, kind in marts.BUILD if n.startswith("rollup_")]
    assert names and set(names) <= set(marts.ROLLUP_KEYS)
    for name in names:
        keys = marts.ROLLUP_KEYS[name]
        cols = [r[0] for r in con.execute(f"describe {name}").fetchall()]
        assert set(keys) <= set(cols), name
        n, groups = con.execute(
            f"select count(*), count(distinct ({', '.join(keys)})) from {name}").fetchone()
        # count(distinct) skips a key tuple whose members are all NULL: count those apart
        assert n >= 1 and n - groups <= 1, name


def test_history_range_unchanged(con):
    new = compare(con, "pipeline/history_range", {}, dropped=("deals",))
    assert new.first_day[0] is not None and new.real_changes[0] > 0


def _old_deal(r, bar: str, sign: int, value: float) -> dict:
    """The movement's deal as pipeline.py built it before, one deal at a time (the reference)."""
    def d(x):
        return None if x is None or pd.isna(x) else pd.Timestamp(x).date().isoformat()

    def m(x):
        return None if x is None or pd.isna(x) else float(x)

    if bar in ("increased", "decreased"):
        frm, to = m(r.amount_a), m(r.amount_b)
    elif bar in ("won", "lost"):
        frm, to = f"open, closing {d(r.close_a) or 'on no date'}" if r.status_a else "created", \
            f"{r.status_b} on {d(r.close_b)}"
    elif bar == "created":
        frm, to = f"created {d(r.created_on)}", d(r.close_b)
    elif bar == "start":
        frm, to = d(r.close_a), None
    elif bar == "end":
        frm, to = None, d(r.close_b)
    else:
        frm, to = d(r.close_a), d(r.close_b)
    return {"deal_id": r.deal_id, "deal_name": r.deal_name, "company": r.company, "owner": r.owner,
            "territory": r.territory, "amount": sign * value, "from": frm, "to": to}


PERIODS = ["2026-Q4", "2026-11", "2026", "all"]


@pytest.mark.parametrize("period", PERIODS)
def test_movement_deals_unchanged(con, period):
    """Every deal on every bar, as the deal-by-deal construction gave it, for several periods and
    filters; without the deals (the home's card) the bars' totals and counts are the same."""
    from revmachine import pipeline
    from revmachine.filters import Filters

    for f in FILTERS[:3] if period == "2026-Q4" else FILTERS[:2]:
        filt = Filters(**{k: tuple(v) for k, v in f.items()})
        m = pipeline.movement(con, period, filt)
        df = m["frame"]
        seen = 0
        for bar in m["bars"]:
            rows = df[df[bar["bar"]] != 0]
            sign = next(s for k, _lbl, s in pipeline.BARS if k == bar["bar"])
            assert bar["deals"] == [_old_deal(r, bar["bar"], sign, getattr(r, bar["bar"])) for r in rows.itertuples()]
            seen += len(bar["deals"])
        assert m["start"]["deals"] == [_old_deal(r, "start", 1, r.start_amount) for r in df[df.in_start].itertuples()]
        assert m["end"]["deals"] == [_old_deal(r, "end", 1, r.end_amount) for r in df[df.in_end].itertuples()]
        # the totals summed in the database (exact decimals) against the deals' floats summed in
        # pandas: equal to the cent, the counts exactly
        light = pipeline.movement(con, period, filt, with_deals=False)
        for a, b in zip([light["start"], *light["bars"], light["end"]], [m["start"], *m["bars"], m["end"]],
                        strict=True):
            assert round(a["amount"], 2) == round(b["amount"], 2) and a["count"] == b["count"]
        assert light["sentence"] == m["sentence"] and light["without_amount"] == m["without_amount"]
        assert light["identity_holds"] and m["identity_holds"]
        # one bar's deals as the page lists them: the same deals, in the same order, as the bar's list
        for bar in ["start", *[b["bar"] for b in m["bars"]], "end"]:
            listed = m[bar]["deals"] if bar in ("start", "end") else next(b for b in m["bars"] if b["bar"] == bar)["deals"]
            table = pipeline.movement_deals(con, period, filt, bar=bar)
            assert table.to_dict("records") == listed, bar
        if f == FILTERS[0] and period == "2026-Q4":
            assert seen > 0


MATRIX_PERIODS = [(dt.date(2025, 10, 1), dt.date(2026, 10, 1)), (dt.date(2026, 1, 1), dt.date(2026, 4, 1)),
                  (dt.date(2026, 7, 15), dt.date(2026, 11, 20)), (dt.date(2020, 1, 1), dt.date(2020, 4, 1))]


@pytest.mark.parametrize("entity", ["campaign", "channel", "marketer"])
def test_matrix_inputs_unchanged(con, entity):
    """The marketer matrix's inputs per campaign / channel / marketer and its baselines, from the lead
    rollup, equal the record queries' for several windows and filters."""
    for ps, pe in MATRIX_PERIODS:
        for f in FILTERS:
            params = dict(entity=entity, period_start=ps, period_end=pe, **f)
            new = compare(con, "matrix/entity_components", params)
            if entity == "campaign":
                compare(con, "matrix/baseline_sources", params)
                if ps.year == 2025 and not f["territory"] and not f["sourced_by"]:
                    assert new.leads.sum() > 0 and new.won_revenue.sum() > 0


def _periods(qs):
    return dict(labels=[f"p{i}" for i in range(len(qs))], starts=[a for a, _ in qs], ends=[b for _, b in qs])


@pytest.mark.parametrize("currency", ["", "USD"])
def test_reps_unchanged(con, currency):
    """Reps against quota (won, lost, won revenue, cycle, pipeline created) from the deal rollups equal
    the deal records' for several periods at once and alone, under every filter."""
    for f in FILTERS:
        compare(con, "pipeline/reps", dict(**_periods(QUARTERS), currency=currency, **f))
        compare(con, "pipeline/reps", dict(**_periods(QUARTERS[2:3]), currency=currency, **f))


@pytest.mark.parametrize("by", ["territory", "owner", "all"])
def test_coverage_unchanged(con, by):
    """Coverage's pipeline, won revenue, targets and trailing win rate, by territory, owner and for the
    company, on several days of several periods, under every filter."""
    days = [dt.date(2026, 11, 19), dt.date(2026, 5, 19), dt.date(2026, 2, 19), dt.date(2025, 7, 20)]
    reference = (REFERENCE / "pipeline/coverage.sql").read_text(encoding="utf-8")
    for f in FILTERS:
        params = dict(**_periods(QUARTERS), days=days, by=by, currency="", **f)
        # one run gives the segments (level = by) and the company (level 'all'): each as the old query
        # gave it when run for that segment
        both = sql.df(con, "pipeline/coverage", **params)
        for level in {by, "all"}:
            new = both[both.level == level].drop(columns="level").reset_index(drop=True)
            same(run_text(con, reference, {**params, "by": level}), new, f"coverage {level} {f}")
        if by == "all" and f == FILTERS[0]:
            assert (both.trailing_closed > 0).any() and set(both.level) == {"all"}


def test_quota_equity_unchanged(con):
    for ps, pe in QUARTERS:
        for territory in ([], ["EMEA"], ["North America", "APAC"]):
            compare(con, "pipeline/quota_equity", dict(period_start=ps, period_end=pe, territory=territory))


def _old_money_currency(c):
    """pipeline.money_currency as it read deal_facts before (the reference)."""
    from revmachine import metrics

    cur = metrics.money_currencies(c)
    if len(cur) <= 1:
        return ""
    top = c.execute("""
        select coalesce(currency, ''), sum(amount) from deal_facts where status = 'open' and amount is not null
        group by 1 order by 2 desc nulls last limit 1
    """).fetchall()
    return top[0][0] if top else cur[0]


def test_money_currency_unchanged(con, db_path):
    """The currency the Pipeline page shows (the one with the most open pipeline when there are several)
    from the deal rollup, as it was from the deals: on the demo (one currency) and on deals in three."""
    from revmachine import pipeline
    from revmachine.ingest import load
    from revmachine.ingest.stage import Staged

    from .helpers import frame

    assert pipeline.money_currency(con) == ("", None) and _old_money_currency(con) == ""
    deals = [dict(deal_id="U1", created_at="2026-07-01", closed_at="2026-08-01", amount=1000, currency="USD",
                  is_won=True, is_lost=False),
             dict(deal_id="U2", created_at="2026-07-01", amount=300, currency="USD", is_won=False, is_lost=False),
             dict(deal_id="E1", created_at="2026-07-01", amount=2000, currency="EUR", is_won=False, is_lost=False),
             dict(deal_id="G1", created_at="2026-07-01", amount=None, currency="GBP", is_won=False, is_lost=False),
             dict(deal_id="J1", created_at="2026-07-01", closed_at="2026-08-01", amount=9000, currency="JPY",
                  is_won=True, is_lost=False)]
    load.load(Staged([], [], [], {"deals": frame("deals", deals)}), db_path)
    with db.read(db_path) as c:
        code, note = pipeline.money_currency(c)
        assert code == _old_money_currency(c) == "EUR"
        assert "also in the data: JPY, USD" in note


def _old_options_range_channels(c):
    """What the filters offer, the data's first and last day and the records per channel, as read from
    every funnel record before (the reference)."""
    from revmachine import configure

    opts = {k: [r[0] for r in c.execute(f"select distinct {k} from funnel_records where {k} is not null "
                                         "order by 1").fetchall()] for k in ("territory", "channel", "owner", "sourced_by")}
    rng = c.execute("""
        select least(min(created_date), (select min(won_date) from won_deals)),
               greatest(max(cast(data_as_of as date)), (select max(won_date) from won_deals))
        from funnel_records
    """).fetchall()[0]
    seen = c.execute("select channel, count(*) as records from funnel_records group by channel").df()
    chan = configure.channels(c)
    old = chan[["channel"]].merge(seen, on="channel", how="left")
    return opts, (rng[0], rng[1]), old.records.fillna(0).astype(int).tolist(), chan.records.astype(int).tolist()


def test_filter_options_range_and_channels_unchanged(con, db_path):
    """The shared filters' options, the data's date range and the Data page's records per channel from
    the records' rollup, as from the records: on the demo and on an empty database."""
    from revmachine import filters, schema

    opts, rng, old_counts, new_counts = _old_options_range_channels(con)
    assert filters.options(con) == opts and len(opts["territory"]) > 1
    assert filters.data_range(con) == rng and rng[0] is not None
    assert new_counts == old_counts and sum(new_counts) > 0
    from revmachine import configure

    old_choices = [r[0] for r in con.execute("select distinct channel from funnel_records where record_type = 'lead' "
                                             "and channel <> 'Unknown' order by 1").fetchall()]
    assert configure.baseline_choices(con) == ["", "sales", *[f"channel:{c}" for c in old_choices]]
    assert len(old_choices) > 1
    with db.write(db_path) as w:
        schema.ensure(w)
    with db.read(db_path) as c:
        opts, rng, old_counts, new_counts = _old_options_range_channels(c)
        assert filters.options(c) == opts and filters.data_range(c) == rng == (None, None)

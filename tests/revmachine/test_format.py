"""The one formatter: every kind of figure, the unknown, column labels, tables, and the escaper."""

import datetime as dt
import math

import pandas as pd
import pytest

from revmachine import format as fmt


@pytest.mark.parametrize(("v", "out"), [
    (0, "$0"), (950, "$950"), (9_499, "$9.5k"), (61_234, "$61k"), (612_370.89, "$612k"), (999_499, "$999k"),
    (999_500, "$1M"), (1_800_000, "$1.8M"), (12_300_000, "$12.3M"), (2.25e9, "$2.2B"), (-4_500, "−$4.5k"),
    (None, "—"), (math.nan, "—"), (pd.NA, "—"), (math.inf, "—")])
def test_money(v, out):
    assert fmt.money(v) == out


def test_exact_money_for_tooltips_and_exports():
    assert fmt.money(612370.891, exact=True) == "$612,370.89"


def test_counts_percentages_points_and_durations():
    assert fmt.count(4104) == "4,104" and fmt.count(None) == "—" and fmt.count(-3) == "−3"
    assert fmt.pct(0.284) == "28%" and fmt.pct(0.2845, 1) == "28.4%" and fmt.pct(None) == "—"
    assert fmt.pts(0.021) == "+2.1 pts" and fmt.pts(-0.292) == "−29.2 pts"
    assert fmt.change(0.123) == "+12.3%"
    assert fmt.hours(10.46) == "10.5 h" and fmt.hours(100) == "4.2 days"
    assert fmt.days(1) == "1 day" and fmt.days(4.2) == "4.2 days" and fmt.days(52.6) == "53 days"
    assert fmt.per_revenue(0.79) == "$0.79 per $1 of revenue"
    assert fmt.lift(1.5833) == "1.58×"


def test_metric_values_and_deltas():
    assert fmt.value(0.366, "pct") == "36.6%" and fmt.value(818_000, "money") == "$818k"
    assert fmt.value(0.44, "cost_ratio") == "$0.44" and fmt.value(10.46, "hours") == "10.5 h"
    assert fmt.value(3.33, "ratio") == "3.3" and fmt.value(None, "count") == "—"
    # Streamlit reads a delta's direction from an ASCII minus
    assert fmt.delta(-0.027, "pct") == "-2.7 pts" and fmt.delta(0.715, "money") == "+71.5%"
    assert fmt.delta(None, "pct") is None


def test_dates_never_show_midnight():
    assert fmt.date(pd.Timestamp("2026-11-20 00:00:00")) == "20 Nov 2026"
    assert fmt.date("2027-01-01") == "1 Jan 2027"
    assert fmt.when(pd.Timestamp("2026-11-20 00:00:00")) == "20 Nov 2026"
    assert fmt.when(pd.Timestamp("2026-11-20 14:05:09")) == "20 Nov 2026 14:05"
    assert fmt.date(pd.NaT) == "—"
    assert fmt.span(dt.date(2026, 10, 1), dt.date(2026, 11, 21)) == "1 Oct – 20 Nov 2026"


def test_column_labels():
    assert fmt.label("lead_id") == "Lead" and fmt.label("handed_off_at") == "Handed off"
    assert fmt.label("touch_count") == "Touches" and fmt.label("enter_by") == "Enter by"
    assert fmt.label("needed_a") == "Needed (a)" and fmt.label("mql_quota") == "MQL quota"
    assert fmt.label("created_at") == "Created" and fmt.label("campaign_id") == "Campaign"
    assert fmt.label("sla_hours") == "SLA hours" and fmt.label("Already a label") == "Already a label"


def test_table_reads_as_text():
    df = pd.DataFrame({"lead_id": ["A", None], "handed_off_at": pd.to_datetime(["2026-11-02", None]),
                       "touch_count": [3, None], "rate": [0.25, float("nan")], "amount": [612370.89, None]})
    t = fmt.table(df, {"rate": "pct", "amount": "money"})
    assert list(t.columns) == ["Lead", "Handed off", "Touches", "Rate", "Amount"]
    assert t.iloc[0].tolist() == ["A", "2 Nov 2026", "3", "25.0%", "$612k"]
    assert t.iloc[1].tolist() == ["—"] * 5
    assert not t.isin(["None", "nan", "NaT"]).any().any()
    assert "00:00:00" not in t.to_string()


HOSTILE = ["![x](http://127.0.0.1:9/p.png)", "**bold**", "[link](http://example.com)", ":red[colour]",
           "<img src=x>", "$x$", ":tada:", ":material/home:", ":streamlit:", "a -> b <= c", "# heading\n- item",
           "`code`", "<https://x.org>", "www.example.com", "a_b_c", "&amp;", "~~strike~~", "| a | b |"]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_keeps_no_markup(text):
    e = fmt.esc(text)
    # every ASCII punctuation character is backslash-escaped (CommonMark: none of them then starts
    # markup, nor a Streamlit directive, nor LaTeX)
    bare = e.replace("\\\\", "")
    for i, ch in enumerate(bare):
        if ch in "![]()*_`$<>:#|~&-.=":
            assert i > 0 and bare[i - 1] == "\\", (text, e, i)
    # the rewrites Streamlit applies to the parsed text find nothing: no ':name:' and no arrows
    unescaped = e.replace("\\", "")
    assert not __import__("re").search(r":[\w+-][\w_+-]*:", unescaped)
    assert not any(a in unescaped for a in ("->", "<-", "<=", ">=", "--", "~="))
    assert "\n" not in e
    # and it reads as typed (the word joiners are invisible)
    assert unescaped.replace(fmt.WJ, "") == text.replace("\n", " ")


def test_md_fills_a_template_with_escaped_values():
    assert fmt.md("**{}** converts", "**x**") == "**\\*\\*x\\*\\*** converts"
    assert fmt.esc(None) == "—"

"""Charts carry a title, axis titles, and what the reader needs to read them."""

import json

import pandas as pd

from revmachine import charts


def spec(chart) -> str:
    return json.dumps(chart.to_dict())


def test_matrix_chart_labels_quadrants_and_thresholds():
    pts = pd.DataFrame({
        "entity": ["a", "b", "c"], "delivers": [0.5, 1.5, 2.0], "demonstrates": [0.9, 0.3, 0.95],
        "quadrant": ["spin doctor", "silent operative", "too few leads to judge"], "spend": [100.0, None, 5.0],
        "leads": [40, 50, 3], "revenue_per_lead": [1.0, 2.0, 3.0], "acceptance": [0.5, 0.6, 0.7],
        "revenue_traceable": [1.0, 0.0, 1.0], "record_completeness": [1.0, 0.4, 1.0]})
    s = spec(charts.marketer_matrix(pts, 1.0, 0.8, "campaign", "2026-Q3", "the median point"))
    for label in ("SPIN DOCTOR", "ALIGNED MARKETER", "SILENT OPERATIVE", "MIS-ALIGNED MARKETER",
                  "delivers threshold 1.00", "demonstrates threshold 80%", "Delivers value", "Demonstrates value"):
        assert label in s, label
    assert "\"filled\": false" in s  # too-few-leads points are hollow


def test_funnel_and_heatmap_titles():
    steps = pd.DataFrame({"step_index": [1, 2], "step": ["Lead → MQL", "MQL → SAL"], "entered": [10, 4],
                          "converted": [4, 2], "segment": ["All", "All"], "gap": [0.1, -0.05],
                          "rate": [0.4, 0.5], "benchmark": [0.3, 0.55], "revenue_at_stake": [0.0, 10.0],
                          "mature": [True, False]})
    s = spec(charts.funnel_volume(steps, "2026-Q3", "period"))
    assert "Funnel, 2026-Q3" in s and '"title": "Records"' in s and "SAL" in s
    h = spec(charts.gap_heatmap(steps, "channel", "2026-Q3"))
    assert "Gap to benchmark by channel" in h and "click a cell" in h


def test_matrix_names_the_points_that_matter():
    pts = pd.DataFrame({
        "entity": [f"c{i}" for i in range(9)], "delivers": [0.2, 0.4, 0.6, 1.5, 1.6, 1.7, 1.8, 2.0, 0.1],
        "demonstrates": [0.95, 0.9, 0.99, 0.4, 0.5, 0.95, 0.96, 0.97, 0.2],
        "quadrant": ["spin doctor"] * 3 + ["silent operative"] * 2 + ["aligned marketer"] * 3 + ["mis-aligned marketer"],
        "spend": [10.0, 20.0, 5.0, 1.0, 2.0, 900.0, 800.0, 700.0, 1000.0],
        "leads": [40] * 9, "revenue_per_lead": [1.0] * 9, "acceptance": [0.5] * 9,
        "revenue_traceable": [1.0] * 9, "record_completeness": [1.0] * 9})
    # the three largest spenders, then the spin doctors and silent operatives by spend
    assert charts.names_that_matter(pts) == ["c8", "c5", "c6", "c1", "c0", "c2", "c4", "c3"]
    s = spec(charts.marketer_matrix(pts, 1.0, 0.8, "campaign", "2026-Q3", "the median point"))
    assert '"text": {"field": "entity"' in s and "label_y" in s
    assert "c7" in s  # the point itself is drawn (every point is), just not named

"""Charts carry a title, axis titles, and what the reader needs to read them."""

import json

import pandas as pd

from revmachine import charts


def spec(chart) -> str:
    return json.dumps(chart.to_dict())


def test_matrix_chart_labels_quadrants_and_thresholds():
    pts = pd.DataFrame({
        "entity": ["a", "b", "c"], "delivers": [0.5, 1.5, 2.0], "demonstrates": [0.9, 0.3, 0.95],
        "quadrant": ["spin doctor", "silent operative", "too little data"], "spend": [100.0, None, 5.0],
        "leads": [40, 50, 3], "revenue_per_lead": [1.0, 2.0, 3.0], "acceptance": [0.5, 0.6, 0.7],
        "revenue_traceable": [1.0, 0.0, 1.0], "record_completeness": [1.0, 0.4, 1.0]})
    s = spec(charts.marketer_matrix(pts, 1.0, 0.8, "campaign", "2026-Q3", "the median point"))
    for label in ("SPIN DOCTOR", "ALIGNED MARKETER", "SILENT OPERATIVE", "MIS-ALIGNED MARKETER",
                  "delivers threshold 1.00", "demonstrates threshold 80%", "Delivers value", "Demonstrates value"):
        assert label in s, label
    assert '"filled": false' in s  # too-little-data points are hollow


def test_funnel_and_heatmap_titles():
    steps = pd.DataFrame({"step_index": [1, 2], "step": ["Lead → MQL", "MQL → SAL"], "entered": [10, 4],
                          "converted": [4, 2], "segment": ["All", "All"], "gap": [0.1, -0.05],
                          "rate": [0.4, 0.5], "benchmark": [0.3, 0.55], "revenue_at_stake": [0.0, 10.0],
                          "mature": [True, False]})
    s = spec(charts.funnel_volume(steps, "2026-Q3", "period"))
    assert "Funnel, 2026-Q3" in s and '"title": "Records"' in s and "SAL" in s
    h = spec(charts.gap_heatmap(steps, "channel", "2026-Q3"))
    assert "Gap to benchmark by channel" in h and "click a cell" in h

"""The README's metric list names every scorecard metric with its owner and unit, as
revmachine/metrics.py defines them (issue 13: each figure with its definition and owner)."""

import re
from pathlib import Path

from revmachine import metrics

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_lists_every_metric_with_its_owner():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Metrics"):text.index("## Configuration")]
    rows = {m.group(1): [c.strip() for c in m.group(2).split("|")]
            for m in re.finditer(r"^\| `([a-z_]+)` \|(.*)\|$", section, re.M)}
    assert set(rows) == {m.id for m in metrics.METRICS}
    for m in metrics.METRICS:
        _label, owner, unit, definition = rows[m.id]
        assert (owner, unit) == (m.owner, m.unit), m.id
        assert len(definition) > 20, m.id
    for new in ("win_rate", "avg_deal_size", "open_pipeline"):
        assert new in rows

"""What the Data page does with an upload, without Streamlit: the staging context read from the live
database, staging with the user's choices, the sheet review (kind, confidence, each column's mapping
and how it was decided), the stage names the import does not know, and mapping profiles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from revmachine import db, state
from revmachine.ingest import detect, stage
from revmachine.ingest.fields import KINDS
from revmachine.ingest.stages import EXITS, stage_key

HOW = {"name": "by its header", "content": "by its values", "link": "a link (its values are ids of "
       "another sheet)", "remembered": "remembered", "profile": "from the profile", "yours": "yours",
       "ignored": ""}


def context(path: str | Path | None = None) -> stage.Context:
    """The staging context of the live database and its app-state file (defaults when there is
    none yet)."""
    p = db.resolve(path)
    if not p.exists():
        return stage.Context.defaults()
    with db.read(p) as con, state.read(p) as memory:
        return stage.Context.from_db(con, memory=memory)


def prepare(files: list[stage.UploadFile], overrides: dict, orders: dict, stage_names: dict[str, str],
            profiles: list[dict], path: str | Path | None = None, progress=None) -> stage.Staged:
    ctx = context(path)
    ctx.aliases = {**ctx.aliases, **stage_names}
    choices = detect.Choices(stages=dict(stage_names), profile_sheets=list(profiles))
    return stage.prepare(files, ctx, overrides=overrides, date_orders=orders, choices=choices, progress=progress)


def sheet_title(res: stage.SheetResult) -> str:
    """'Opportunity.csv: deals / opportunities (92% sure) · 5,229 rows · proposed' (plain text: the page
    escapes it)."""
    if res.kind is None:
        return f"{res.label}: not recognised"
    kind = KINDS[res.kind].label
    if res.ambiguous:
        return f"{res.label}: could be " + " or ".join(KINDS[k].label for k, _ in res.candidates[:3])
    sure = f" ({res.confidence * 100:.0f}% sure)" if res.source == "proposed" else ""
    return f"{res.label}: {kind}{sure} · {res.rows_out:,} rows · mapping {res.source}"


def columns_table(res: stage.SheetResult, kind: str | None) -> pd.DataFrame:
    """One row per column of the sheet: its header, the field it feeds for `kind` (the sheet's own
    mapping when it is the sheet's kind), how that was decided and why."""
    same = kind == res.kind
    rows = []
    for i, h in enumerate(res.raw.headers):
        d = res.decisions[i] if i < len(res.decisions) else None
        f = res.mapping.get(i) if same else None
        rows.append({"Column": h, "Maps to": f or "(ignore)",
                     "How": HOW.get(d.how, d.how) if (same and d and f) else "",
                     "Why": (d.evidence if same and d else "")})
    return pd.DataFrame(rows)


def field_choices(kind: str | None, extra_stage_fields: list[str]) -> list[str]:
    if kind is None:
        return ["(ignore)"]
    names = [f.name for f in KINDS[kind].fields if not f.name.endswith("_signal")]
    return ["(ignore)", *names, *(extra_stage_fields if kind == "leads" else [])]


def unknown_stages(staged: stage.Staged) -> list[str]:
    """Stage / status names the funnel does not know, in this upload (each once)."""
    out: list[str] = []
    seen: set[str] = set()
    for res in staged.sheets:
        for name in res.unknown_stages:
            if stage_key(name) not in seen:
                seen.add(stage_key(name))
                out.append(name)
    return out


def stage_options(path: str | Path | None = None) -> list[str]:
    ctx = context(path)
    return [k for k, _ in ctx.stages] + list(EXITS)


def profile_bytes(staged: stage.Staged, stage_names: dict[str, str]) -> bytes:
    return json.dumps(detect.profile_document(staged.sheets, stage_names), indent=2, ensure_ascii=False).encode()


def read_profile(name: str, data: bytes) -> dict[str, Any]:
    """A profile file's sheets and stage names; UserError when it is not one."""
    ch = detect.Choices()
    ch.add_profile_text(data.decode("utf-8", errors="replace"), name)
    return {"sheets": ch.profile_sheets, "stages": ch.stages}

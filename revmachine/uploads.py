"""What the Data page does with an upload, without Streamlit: the staging context read from the live
database, staging with the user's choices, the sheet review (kind, confidence, each column's mapping
and how it was decided), the stage names the import does not know, and mapping profiles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from revmachine import db, format
from revmachine.ingest import detect, preview, stage
from revmachine.ingest.fields import KINDS
from revmachine.ingest.stages import EXITS, stage_key

HOW = {"name": "by its header", "content": "by its values", "link": "a link (its values are ids of "
       "another sheet)", "remembered": "remembered", "profile": "from the profile", "yours": "yours",
       "ignored": ""}


def context(path: str | Path | None = None) -> stage.Context:
    """The staging context of the live database (defaults when there is none yet)."""
    p = db.resolve(path)
    if not p.exists():
        return stage.Context.defaults()
    with db.read(p) as con:
        return stage.Context.from_db(con)


def prepare(files: list[stage.UploadFile], overrides: dict, orders: dict, stage_names: dict[str, str],
            profiles: list[dict], path: str | Path | None = None, progress=None,
            accepts: dict[str, set[str]] | None = None) -> stage.Staged:
    """accepts: sheet label -> the plausibility questions the user answered on the page."""
    ctx = context(path)
    ctx.aliases = {**ctx.aliases, **stage_names}
    choices = detect.Choices(stages=dict(stage_names), profile_sheets=list(profiles),
                             accept={k: set(v) for k, v in (accepts or {}).items()})
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


def reconciliation_table(res: stage.SheetResult) -> pd.DataFrame:
    """One row per rule that merged or dropped rows of the sheet, with the rows it took (plain text)."""
    rec = res.reconciliation or {}
    rows = [{"Rows": r["count"], "What happened": f"{r['how']}: {r['what']}",
             "Row numbers": ", ".join(str(x) for x in r["rows"]) + (", ..." if r["count"] > len(r["rows"]) else "")}
            for r in rec.get("rules", [])]
    return pd.DataFrame(rows, columns=["Rows", "What happened", "Row numbers"])


def reconciliation_lines(res: stage.SheetResult) -> list[str]:
    """'2 dropped: a footer line of the export (rows 31, 32)', one per rule (plain text)."""
    out = []
    for r in (res.reconciliation or {}).get("rules", []):
        shown = ", ".join(str(x) for x in r["rows"][:10]) + (", ..." if r["count"] > min(len(r["rows"]), 10) else "")
        out.append(f"{format.count(r['count'])} {r['how']}: {r['what']} (row{'s' if r['count'] > 1 else ''} {shown})")
    return out


def reconciliation_sentence(res: stage.SheetResult) -> str | None:
    rec = res.reconciliation
    if not rec:
        return None
    return (f"{format.count(rec['read'])} rows read = {format.count(rec['loaded'])} loaded + "
            f"{format.count(rec['merged'])} merged + {format.count(rec['dropped'])} dropped")


def headline_table(staged: stage.Staged) -> pd.DataFrame:
    """The figures the load will produce, one per row (plain text)."""
    h = staged.headline or {}
    rows: list[tuple[str, str]] = []
    for table, n in (h.get("records") or {}).items():
        rows.append((f"Records: {format.label(table).lower()}", format.count(n)))
    d = h.get("deals")
    if d:
        rows.append(("Deals won / lost / open", f"{format.count(d['won'])} / {format.count(d['lost'])} / "
                     f"{format.count(d['open'])}"))
        for what, key in (("Won revenue", "won_revenue"), ("Open pipeline", "open_pipeline")):
            for cur, v in d[key].items() or [("", None)]:
                rows.append((f"{what}" + (f" ({cur})" if cur and cur != "(no currency)" else ""), _money(v, cur)))
        if d["won_without_amount"]:
            rows.append(("Won deals without an amount", format.count(d["won_without_amount"])))
        if d["closed_without_date"]:
            rows.append(("Won or lost deals without a close date", format.count(d["closed_without_date"])))
    for a in h.get("ad_spend", []):
        rows.append((f"Ad spend: {a['platform'] or 'platform not named'}"
                     + (f" ({a['currency']})" if a["currency"] else ""), _money(a["cost"], a["currency"])))
    for s in h.get("spend", []):
        rows.append((f"Spend: {s['function'] or 'no function'}" + (f" ({s['currency']})" if s["currency"] else ""),
                     _money(s["amount"], s["currency"])))
    for table, (lo, hi) in (h.get("spans") or {}).items():
        rows.append((f"Dates: {format.label(table).lower()}", f"{format.date(lo)} to {format.date(hi)}"))
    return pd.DataFrame(rows, columns=["Figure", "Value"])


def _money(v, cur: str | None) -> str:
    code = cur if cur and cur != "(no currency)" else ""
    return format.money(v, f"{code} " if code else "$", exact=True)


def questions(staged: stage.Staged) -> list[dict]:
    """The plausibility questions the load stopped on: the sheet, the question's name, its message and
    what answering it means."""
    out = []
    for f in staged.findings:
        if not f.code.startswith("question:"):
            continue
        q = f.code.split(":", 1)[1]
        label = f"{f.file} / {f.sheet}" if f.sheet else f.file
        out.append({"sheet": label, "question": q, "message": f.message, "answer": detect.QUESTIONS.get(q, q)})
    return out


def preview_lines(staged: stage.Staged) -> list[str]:
    return preview.reconciliation_lines(staged) + preview.headline_lines(staged)

"""Real export formats load as exported, with no setup (issue 12).

Each folder of tests/fixtures/vendors/ is one upload shaped as a vendor's export writes it (the
folder's README cites the vendor pages its headers and value styles follow), with `expected.json`
worked out from the rows independently of the app. Every folder is loaded with no flags, and the
kinds, rows per table, outcomes, money per currency, ad totals, target totals, owner names and the
column mapping are compared with it.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from revmachine import db
from revmachine.cli import main
from revmachine.ingest import load, stage
from revmachine.ingest.fields import KINDS

VENDORS = Path(__file__).resolve().parent.parent / "fixtures" / "vendors"
FOLDERS = sorted(p.name for p in VENDORS.iterdir() if (p / "expected.json").exists())

# fields that stand for the one a fixture names (a won date fills the close date, a status column
# may be read as the stage, ...)
SAME = {
    "closed_at": {"closed_at", "won_time", "lost_time", "expected_close_at"},
    "won_at": {"won_at", "won_time", "closed_at"},
    "current_stage": {"current_stage", "status"},
    "status": {"status", "current_stage"},
    "amount": {"amount", "actual_amount"},
    "owner": {"owner", "owner_id"},
    "owner_id": {"owner_id", "owner"},
    "lead_id": {"lead_id", "contact_id"},
    "contact_id": {"contact_id", "lead_id"},
    "period": {"period", "period_start"},
    "deal_name": {"deal_name"},
}


def _load(folder: str, tmp_path: Path):
    exp = json.loads((VENDORS / folder / "expected.json").read_text(encoding="utf-8"))
    files = [stage.UploadFile(f, (VENDORS / folder / f).read_bytes()) for f in exp["files"]]
    staged = stage.prepare(files)
    path = tmp_path / "v.duckdb"
    if staged.ok and staged.tables:
        load.load(staged, path)
    return exp, staged, path


def _close(a, b) -> bool:
    return a is not None and b is not None and abs(float(a) - float(b)) < 0.005


@pytest.mark.parametrize("folder", FOLDERS)
def test_vendor_export_loads_as_exported(folder, tmp_path):
    exp, staged, path = _load(folder, tmp_path)
    want = exp["expect"]
    problems: list[str] = []
    by_ref = {}
    for res in staged.sheets:
        by_ref[res.raw.file_name] = res
        by_ref[res.label] = res
    for ref, kind in want.get("kinds", {}).items():
        res = by_ref.get(ref) or by_ref.get(ref.replace(" / ", "/"))
        if res is None:
            problems.append(f"{ref}: not read")
            continue
        got = "unrecognised" if res.kind is None else res.kind
        if kind == "ambiguous":
            if not res.ambiguous:
                problems.append(f"{ref}: expected to be asked about, got {got}")
        elif got != kind or res.ambiguous:
            problems.append(f"{ref}: kind {got}{' (ambiguous)' if res.ambiguous else ''}, expected {kind} "
                            f"(candidates {res.candidates})")
    errors = [f"{f.where()}: {f.message}" for f in staged.errors]
    if errors and "ambiguous" not in want.get("kinds", {}).values():
        problems.append(f"blocking errors: {errors[:3]}")
    for ref, cols in exp.get("header_map", {}).items():
        res = by_ref.get(ref)
        if res is None or res.kind is None:
            continue
        got = {res.raw.headers[i]: f for i, f in res.mapping.items()}
        # a column left out may still be read as a link (an id of another record): it changes no figure
        stored = {f.name for f in KINDS[res.kind].fields if f.stored and f.type != "ref"}
        for header, field in cols.items():
            g = got.get(header)
            if field is None:
                if g is not None and g in stored:
                    problems.append(f"{ref}: {header!r} -> {g}, expected ignored")
            elif g not in SAME.get(field, {field}) and not (field == "revenue_target" and str(g).startswith("period:")):
                problems.append(f"{ref}: {header!r} -> {g}, expected {field}")
    if not problems and not path.exists() and set(want.get("kinds", {}).values()) <= {"ambiguous", "unrecognised"}:
        return  # nothing to load, and the sheets were asked about / reported as they should be
    if problems or not path.exists():
        pytest.fail(f"{folder}:\n  " + "\n  ".join(problems or ["nothing loaded"]))
    with db.read(path) as con:
        for kind, n in want.get("rows", {}).items():
            table = KINDS[kind].table
            got_n = con.execute(f"select count(*) from {table}").fetchall()[0][0]
            if got_n != n:
                problems.append(f"rows in {table}: {got_n}, expected {n}")
        d = want.get("deals")
        if d:
            won, lost, open_ = con.execute(
                "select count(*) filter (where is_won), count(*) filter (where is_lost), "
                "count(*) filter (where not is_won and not is_lost) from deals").fetchall()[0]
            for name, g in (("won", won), ("lost", lost), ("open", open_)):
                if name in d and g != d[name]:
                    problems.append(f"{name} deals: {g}, expected {d[name]}")
            for what, pred in (("won_amount", "is_won"), ("open_amount", "not is_won and not is_lost")):
                if what not in d:
                    continue
                rows = con.execute(f"select currency, sum(amount) from deals where {pred} group by 1").fetchall()
                sums = {c: float(s or 0) for c, s in rows}
                target = d[what]
                if isinstance(target, dict):
                    for code, amount in target.items():
                        if not _close(sums.get(code, 0.0), amount):
                            problems.append(f"{what} {code}: {sums.get(code)}, expected {amount} (got {sums})")
                else:
                    if len(sums) > 1 and not _close(sum(sums.values()), target):
                        problems.append(f"{what}: {sums}, expected {target}")
                    elif not _close(sum(sums.values()), target):
                        problems.append(f"{what}: {sum(sums.values())}, expected {target}")
            codes = {r[0] for r in con.execute("select distinct currency from deals where currency is not null")
                     .fetchall()}
            cur = set(d.get("currencies", []))
            if len(cur) > 1 and codes != cur:
                problems.append(f"currencies {sorted(codes)}, expected {sorted(cur)}")
        lead = want.get("leads")
        if lead and "converted" in lead:
            n = con.execute("""
                select count(*) from leads as l
                where l.is_converted or l.stage = 'won'
                   or l.lead_id in (select lead_id from deals where lead_id is not null)
                   or l.converted_deal_id in (select deal_id from deals)""").fetchall()[0][0]
            if n != lead["converted"]:
                problems.append(f"converted leads: {n}, expected {lead['converted']}")
        ads = want.get("ads")
        if ads:
            r = con.execute("select sum(cost), sum(impressions), sum(clicks), sum(conversions), "
                            "min(period_start), max(period_end) from ad_spend").fetchall()[0]
            for name, g in zip(("cost", "impressions", "clicks", "conversions"), r[:4], strict=True):
                if name in ads and not _close(g or 0, ads[name]):
                    problems.append(f"ad {name}: {g}, expected {ads[name]}")
            if "period_start" in ads and str(r[4]) != ads["period_start"]:
                problems.append(f"ad period start {r[4]}, expected {ads['period_start']}")
            if "period_end" in ads and str(r[5]) != ads["period_end"]:
                problems.append(f"ad period end {r[5]}, expected {ads['period_end']}")
        tg = want.get("targets")
        if tg:
            team, personal = con.execute(
                "select sum(revenue_target) filter (where scope = 'team'), "
                "sum(revenue_target) filter (where scope = 'personal') from targets").fetchall()[0]
            if "team_total" in tg and not _close(team or 0, tg["team_total"]):
                problems.append(f"team targets: {team}, expected {tg['team_total']}")
            if "personal_total" in tg and not _close(personal or 0, tg["personal_total"]):
                problems.append(f"personal targets: {personal}, expected {tg['personal_total']}")
        names = (want.get("owners") or {}).get("names")
        if names:
            # from an owners / users sheet, or from the export's own owner-name column beside the id
            got_names = dict(con.execute("select owner_id, owner from owners").fetchall())
            shown = {r[0] for r in con.execute("select owner from deals union select owner from leads").fetchall()}
            for oid, name in names.items():
                if got_names.get(oid) != name and not (oid not in got_names and name in shown):
                    problems.append(f"owner {oid}: {got_names.get(oid)!r}, expected {name!r}")
    # every figure command runs on what the load accepted (issue 13: never a traceback)
    for cmd in (["report"], ["funnel"], ["matrix"], ["plan", "--period", "2027-Q1"]):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main([*cmd, "--db", str(path), "--format", "json"])
        if rc != 0:
            problems.append(f"{cmd[0]} exits {rc}: {err.getvalue()[-200:]}")
        else:
            json.loads(out.getvalue())
    assert not problems, f"{folder}:\n  " + "\n  ".join(problems)

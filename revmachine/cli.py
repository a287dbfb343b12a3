"""Command line: python -m revmachine <command> ...

  load FILE... [--db PATH] [--replace] [--date-order dmy|mdy] [--format text|json]
       [--kind SHEET=KIND] [--map SHEET:HEADER=FIELD] [--stage NAME=STAGE] [--profile FILE]
  inspect FILE... [--format text|json] [--kind ...] [--map ...] [--profile FILE] [--save-profile OUT.json]
  demo [--db PATH] [--leads N] [--seed S] [--write-files DIR]
  report [--db PATH] [--period P] [--territory T] [--sourced-by marketing|sales] [--format json|csv]
  funnel [--db PATH] [--period P] [--by channel|territory|owner|campaign|sourced_by] [--view period|cohort] --format json|csv
  matrix [--db PATH] [--period P] [--entity campaign|channel|marketer] [--baseline B] --format json|csv
  plan [--db PATH] --period P [--target AMOUNT] --format json|csv
  pipeline [--db PATH] [--from DATE] [--to DATE] [--period P] [--territory T] [--format text|json]
  undo [--db PATH] [--batch N]
  history [--db PATH] [--format text|json]
  audit [--db PATH] [--format csv|json] [--limit N]
  backup DIR [--db PATH] [--no-uploads]
  serve [--address A] [--port N]
  template OUT.xlsx
  bench [--quick] [--browser] [--writes] [--loads] | bench --scale [MAX] [--label TEXT] [--keep]

The command line is the analyst's tool: it runs as the machine's user with the analyst's rights (it
loads, undoes and backs up; roles are given on the Team page), and every write says so on stderr
and names that user in the audit trail.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import duckdb

from revmachine import db
from revmachine.errors import UserError


def _preview_text(staged) -> str:
    """What the load will do: each sheet's reconciliation and the headline figures."""
    from revmachine.ingest import preview

    rec, head = preview.reconciliation_lines(staged), preview.headline_lines(staged)
    out = []
    if rec:
        out += ["Rows per sheet (read = loaded + merged + dropped):", *[f"  {x}" for x in rec]]
    if head:
        out += ["What this upload holds:", *[f"  {x}" for x in head]]
    return "\n".join(out)


def _preview_json(staged) -> dict:
    return {"headline": staged.headline,
            "sheets": [{"file": s.raw.file_name, "sheet": s.raw.sheet_name, **(s.reconciliation or {})}
                       for s in staged.sheets if s.reconciliation]}


def _findings_text(staged) -> str:
    lines = []
    for res in staged.sheets:
        mapped = ", ".join(f"{res.raw.headers[c]} -> {f}" for c, f in sorted(res.mapping.items()))
        lines.append(f"{res.label}: {res.kind or 'not recognised'}"
                     + (f" ({res.rows_out} rows; {mapped})" if res.kind else ""))
    for f in staged.findings:
        where = f.where()
        lines.append(f"{f.level.upper()}: {where}: {f.message}" if where else f"{f.level.upper()}: {f.message}")
    return "\n".join(lines)


def _choices(args):
    from revmachine.ingest import detect

    ch = detect.Choices.parse(args.kind or [], args.map or [], args.stage or [], args.accept or [])
    for prof in args.profile or []:
        ch.add_profile(Path(prof))
    return ch


def _stage_files(args, loads: bool = False):
    """Read the files named on the command line and stage them with the user's choices. loads: the
    loader's libraries are imported while the parser's child reads a workbook (the load needs them next)."""
    from revmachine import config
    from revmachine.ingest import safety, sandbox

    raw: list[tuple[str, bytes]] = []
    for name in args.files:
        p = Path(name)
        if not p.is_file():
            raise UserError("no such file.", file=name)
        size, limit = p.stat().st_size, config.max_upload_bytes()
        if size > limit:  # refused before it is read (a sparse file of 6 GB is 6 GB in memory)
            raise UserError(f"the file is {size / 1e6:,.1f} MB, over the upload limit of {limit / 1e6:,.0f} MB; "
                            "nothing was read.", file=name, hint="Split the export, or raise REVMACHINE_MAX_UPLOAD_MB.")
        try:
            raw.append((p.name, p.read_bytes()))
        except OSError as exc:
            raise UserError(f"cannot be read ({exc.strerror}).", file=name,
                            hint="Check the file's permissions and try again.") from None
    books = [data for _n, data in raw if data and safety.content_kind(data) is not None]
    if books:  # (begin() reads ahead only a workbook that passes the cheap archive checks)
        # the first workbook goes to the parser's process now: it parses while this one loads its own
        # libraries (the staging, and for a load the loader: pandas, the marts), instead of after
        sandbox.begin(books[0])
        if loads:
            sandbox.while_reading(lambda: __import__("revmachine.ingest.load"))
    from revmachine.ingest import stage

    files = [stage.UploadFile(n, data) for n, data in raw]
    path = db.resolve(args.db)
    db.cleanup(path)  # what a killed load left behind
    ctx = stage.Context.defaults()
    if path.exists():
        from revmachine import uploads

        db.ensure_current(path)
        ctx = uploads.context(path)
    choices = _choices(args)
    if choices.stages:
        from revmachine.ingest.stages import EXITS

        known = [k for k, _ in ctx.stages] + list(EXITS)
        for name, st in choices.stages.items():
            if st not in known:
                raise UserError(f"--stage {name}={st}: {st!r} is not a configured stage; choose one of "
                                f"{', '.join(known)}.")
        ctx.aliases = {**ctx.aliases, **choices.stages}
    return path, choices, stage.prepare(files, ctx, date_orders=answers(args), choices=choices)


def answers(args) -> dict[str, str] | None:
    """The user's answers to the load's questions, from the command line: the day/month order of
    ambiguous dates (`*`), the decimal mark of ambiguous amounts (`*decimal`), and the dates a named
    range covers (`SHEET::__range`)."""
    out: dict[str, str] = {}
    if getattr(args, "date_order", None):
        out["*"] = args.date_order
    if getattr(args, "decimal_mark", None):
        out["*decimal"] = "," if args.decimal_mark == "comma" else "."
    for r in getattr(args, "range", None) or []:
        ref, eq, span = r.rpartition("=")
        a, dots, b = span.partition("..")
        if not eq or not dots or not ref.strip():
            raise UserError(f"--range {r!r}: expected SHEET=START..END, e.g. --range 'report.csv=2024-01-01..2024-10-31'.")
        try:
            import datetime as _dt

            start, end = _dt.date.fromisoformat(a.strip()), _dt.date.fromisoformat(b.strip())
        except ValueError:
            raise UserError(f"--range {r!r}: the dates must be written YYYY-MM-DD.") from None
        if end < start:
            raise UserError(f"--range {r!r}: the range ends before it starts.")
        out[f"{ref.strip().lower()}::__range"] = f"{start.isoformat()}..{end.isoformat()}"
    return out or None


def _sheet_json(res) -> dict:
    return {"file": res.raw.file_name, "sheet": res.raw.sheet_name, "kind": res.kind,
            "confidence": round(res.confidence, 3), "ambiguous": res.ambiguous,
            "candidates": [{"kind": k, "confidence": round(c, 3)} for k, c in res.candidates],
            "header_row": res.raw.header_row, "rows": res.rows_out, "source": res.source,
            "columns": [{"header": d.header, "field": d.field, "how": d.how, "evidence": d.evidence}
                        for d in res.decisions]}


def _as_machine_user() -> None:
    """Say who the command line writes as (stderr: stdout stays the command's output)."""
    from revmachine import access

    a = access.command_line()
    print(f"as {a.id} (command line: the analyst's rights; the audit trail names this user)", file=sys.stderr)


def cmd_inspect(args) -> int:
    """What each sheet is and how each column is read, without loading anything."""
    from revmachine.ingest import detect

    _path, choices, staged = _stage_files(args)
    if args.save_profile:
        doc = detect.profile_document(staged.sheets, choices.stages)
        Path(args.save_profile).write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    if args.format == "json":
        print(json.dumps({"ok": staged.ok, "sheets": [_sheet_json(s) for s in staged.sheets],
                          "preview": _preview_json(staged),
                          "findings": [f.as_dict() for f in staged.findings]}, indent=2, default=str))
        return 0 if staged.ok else 2
    for res in staged.sheets:
        kind = res.kind or "not recognised"
        cands = ", ".join(f"{k} {c * 100:.0f}%" for k, c in res.candidates[:3])
        print(f"{res.label}: {kind}" + (" (ambiguous)" if res.ambiguous else "")
              + (f", confidence {res.confidence * 100:.0f}%" if res.kind else "")
              + (f" [share of the evidence: {cands}]" if cands else "") + f"; header on row {res.raw.header_row}; "
              + (f"{res.rows_out:,} rows" if res.kind else "not loaded")
              + f"; mapping {res.source}")
        for d in res.decisions:
            target = d.field or "-"
            print(f"  {d.header!r:40} -> {target:20} ({d.how}{': ' + d.evidence if d.evidence else ''})")
    for f in staged.findings:
        where = f.where()
        print(f"{f.level.upper()}: {where}: {f.message}" if where else f"{f.level.upper()}: {f.message}")
    text = _preview_text(staged)
    if text:
        print(text + "\nNothing was loaded (inspect).")
    if args.save_profile:
        print(f"wrote the mapping profile {args.save_profile}")
    return 0 if staged.ok else 2


def cmd_load(args) -> int:
    path, choices, staged = _stage_files(args, loads=True)
    from revmachine.ingest import load as load_mod

    result = None
    if staged.ok:
        modes = {"*": "replace"} if args.replace else {"*": "append"}
        _as_machine_user()
        result = load_mod.load(staged, path, modes=modes, note="cli load", stage_names=choices.stages)
    if args.format == "json":
        out = {"ok": staged.ok, "db": str(path),
               "batch_id": result.batch_id if result else None,
               "rows_written": result.rows_written if result else {},
               "rows_superseded": result.rows_superseded if result else {},
               "columns_updated": result.columns_updated if result else {},
               "columns_kept": result.columns_kept if result else {},
               "sheets": [{"file": s.raw.file_name, "sheet": s.raw.sheet_name, "kind": s.kind,
                           "rows": s.rows_out,
                           "mapping": {s.raw.headers[c]: f for c, f in s.mapping.items()}}
                          for s in staged.sheets],
               "preview": _preview_json(staged),
               "findings": [f.as_dict() for f in staged.findings]}
        print(json.dumps(out, indent=2, default=str))
    else:
        print(_findings_text(staged))
        text = _preview_text(staged)
        if text:
            print(text)
        if result:
            print(f"Loaded batch {result.batch_id} into {path}: "
                  + ", ".join(f"{k} {v:,}" for k, v in result.rows_written.items()))
            for line in result.merge_lines():
                print(line)
    if not staged.ok:
        print(f"Nothing was loaded: {len(staged.errors)} blocking error(s).", file=sys.stderr)
        return 2
    return 0


def cmd_demo(args) -> int:
    from revmachine import demo

    if args.write_files:
        for p in demo.write_spreadsheets(Path(args.write_files), args.leads, args.seed):
            print(f"wrote {p}")
        return 0
    path = db.resolve(args.db)
    _as_machine_user()
    batch = demo.build(path, args.leads, args.seed)
    print(f"Demo data ({args.leads:,} leads, seed {args.seed}) loaded into {path} as batch {batch}.")
    return 0


def cmd_report(args) -> int:
    from revmachine import metrics
    from revmachine.filters import Filters

    with _open(args) as con:
        label = _period_or_default(con, args.period)
        card = metrics.scorecard(con, label, Filters(territory=tuple(args.territory or ()),
                                                     sourced_by=tuple(args.sourced_by or ())))
    rows = [{k: r.get(k) for k in ("metric", "segment", "value", "previous", "change", "yoy", "owner", "unit")}
            if args.format == "csv" else r for r in metrics.report_rows(card)]
    _print_rows(rows, args.format)
    return 0


def _period_or_default(con, period: str | None) -> str:
    from revmachine import metrics, periods

    label = period or metrics.default_period_label(con)
    try:
        periods.parse(label)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return label


def _open(args):
    path = db.resolve(args.db)
    if not path.exists():
        raise UserError(f"no database at {path}.", hint="Load a file or run `python -m revmachine demo`.")
    notice = db.ensure_current(path)
    if notice:
        print(f"note: {notice}", file=sys.stderr)
    return db.read(path)


def _print_rows(rows: list[dict], fmt: str, extra: dict | None = None) -> None:
    import csv

    from revmachine import export

    if fmt == "json":
        print(json.dumps({**(extra or {}), "rows": rows} if extra else rows, indent=2, default=str))
        return
    if not rows:
        return
    names = [export.csv_cell(str(k)) for k in rows[0]]
    csv.writer(sys.stdout).writerow(names)  # the header: our field names, quoted only where needed
    w = csv.DictWriter(sys.stdout, fieldnames=names, quoting=csv.QUOTE_NONNUMERIC)
    for r in rows:
        w.writerow({export.csv_cell(str(k)): export.csv_cell(v) for k, v in r.items()})


def cmd_funnel(args) -> int:
    from revmachine import funnel
    from revmachine.filters import Filters

    with _open(args) as con:
        label = _period_or_default(con, args.period)
        f = funnel.build(con, label, Filters(territory=tuple(args.territory or ())), view=args.view, by=args.by)
    rows = funnel.step_rows(f)
    b = f.bottleneck
    bottleneck = {"step": b["step"], "segment": b["segment"] if args.by else None,
                  "revenue_at_stake": b["revenue_at_stake"]} if b else None
    if args.format == "json":
        _print_rows(rows, "json", {"period": f.period.label, "view": f.view, "bottleneck": bottleneck,
                                   "sentence": f.sentence, "skipped": f.skipped, "notes": f.notes})
    else:
        _print_rows(rows, "csv")
        print(f"# bottleneck: {f.sentence}", file=sys.stderr)
        for note in f.notes:
            print(f"# {note}", file=sys.stderr)
    return 0


def cmd_matrix(args) -> int:
    from revmachine import matrix
    from revmachine.filters import Filters

    with _open(args) as con:
        # the page's default window (the last four complete quarters), not the report's quarter
        label = _period_or_default(con, args.period or matrix.default_window(con).label)
        m = matrix.build(con, label, Filters(territory=tuple(args.territory or ())), entity=args.entity,
                         baseline=args.baseline, min_leads=args.min_leads)
    # a baseline with nothing to compare with in the window falls back to the median split (said below)
    if args.baseline is not None and args.baseline not in m.baseline_options:
        raise UserError(f"no baseline '{args.baseline}'; choose one of: {', '.join(m.baseline_options)}.")
    _print_rows(matrix.rows_for_cli(m), args.format)
    if m.why_median:
        print(f"note: {m.why_median}", file=sys.stderr)
    if m.points.empty:  # on stderr: the rows on stdout stay parseable
        print(f"note: no leads in {m.period.describe()}: the matrix needs a leads sheet with a campaign or "
              "channel column, and a campaigns sheet for spend and record completeness.", file=sys.stderr)
    return 0


def cmd_plan(args) -> int:
    from revmachine import planning

    with _open(args) as con:
        inputs = planning.default_inputs(con, args.period, target=args.target)
    plan = planning.compute(inputs)
    rows = [{k: r[k] for k in ("territory", "stage", "needed", "enter_by", "rate", "rate_source")}
            for r in plan["rows"]]
    gap = [{k: s.get(k) for k in ("territory", "target", "deliverable", "gap_revenue", "gap_leads",
                                   "pipeline_revenue", "new_lead_revenue", "capacity_revenue", "capacity_bound",
                                   "lever_more_leads", "lever_bottleneck_step", "lever_bottleneck_revenue",
                                   "lever_more_reps", "error")} for s in plan["summary"]]
    if args.format == "json":
        _print_rows(rows, "json", {"period": plan["period"], "gap": gap})
    else:
        _print_rows(rows, "csv")
        for g in gap:
            print(f"# {g['territory']}: target {g['target']}, bottom-up {g['deliverable']}, gap {g['gap_revenue']}",
                  file=sys.stderr)
    return 0


def cmd_pipeline(args) -> int:
    from revmachine import forecast, metrics, pipeline, state
    from revmachine.filters import Filters

    with _open(args) as con:
        label = args.period or metrics.current_period_label(con)
        _period_or_default(con, label)
        with state.read(args.db) as scon:
            calls = forecast.calls(scon)
        b = pipeline.build(con, label, Filters(territory=tuple(args.territory or ())), args.start, args.end,
                           calls)
    doc = pipeline.as_json(b)
    if args.format == "json":
        print(json.dumps(doc, indent=2, default=str))
    else:
        print(pipeline.as_text(b))
    return 0


def cmd_undo(args) -> int:
    from revmachine.ingest import load as load_mod

    _as_machine_user()
    batch = load_mod.undo_batch(args.db, args.batch)
    print(f"Undid batch {batch}.")
    return 0


def cmd_history(args) -> int:
    from revmachine.ingest import load as load_mod

    path = db.resolve(args.db)
    if not path.exists():
        raise UserError(f"no database at {path}.", hint="Load a file or run `python -m revmachine demo`.")
    db.ensure_current(path)
    with db.read(path) as con:
        df = load_mod.history(con)
    if args.format == "json":
        print(df.to_json(orient="records", date_format="iso", indent=2))
    else:
        # a batch with no file (the demo, a change made in the app) has no file name, one not undone
        # nobody who undid it: "—", never NaN or None
        df = df.astype(object).where(df.notna(), "—")
        print(df.to_string(index=False))
    return 0


def cmd_audit(args) -> int:
    """The audit trail (every write, who and when), newest first; csv cells are neutralised."""
    from revmachine import audit, state

    path = db.resolve(args.db)
    if path.exists():
        db.ensure_current(path)
    with state.read(path) as con:
        df = audit.for_export(audit.trail(con, args.limit))
    if args.format == "json":
        print(df.to_json(orient="records", date_format="iso", indent=2))
    else:
        _print_rows(df.astype(object).where(df.notna(), None).to_dict("records"), "csv")
    return 0


def cmd_backup(args) -> int:
    from revmachine import state

    _as_machine_user()
    for p in state.backup(args.db, args.dir, with_uploads=not args.no_uploads):
        print(f"wrote {p}")
    return 0


def cmd_serve(args) -> int:
    """Start the app (streamlit run app.py) after saying what it will be: the address, whether
    sign-in is on, where the two database files are; a non-local address without sign-in is warned
    about before anything starts."""
    import tomllib

    root = Path(__file__).resolve().parent.parent
    secrets: dict = {}
    for f in (Path.home() / ".streamlit" / "secrets.toml", root / ".streamlit" / "secrets.toml"):
        if f.is_file():
            try:
                secrets.update(tomllib.loads(f.read_text(encoding="utf-8")))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise UserError(f"{f} cannot be read: {exc}") from None
    from revmachine import serving, state

    path = db.resolve(args.db)
    address = args.address or os.environ.get("REVMACHINE_ADDRESS") or "127.0.0.1"
    local = serving._is_loopback(address)
    print(f"Revenue Machine on http://{address}:{args.port or 8501}")
    print(f"  data file : {path}\n  app state : {state.path_for(path)}")
    if "auth" in secrets:
        print("  sign-in   : on ([auth] in secrets.toml); redirect URI "
              f"{secrets['auth'].get('redirect_uri', '(missing: set redirect_uri)')}")
    elif local:
        print("  sign-in   : off (this machine only)")
    else:
        print(f"WARNING: {address} is reachable from other machines and there is no [auth] section in "
              ".streamlit/secrets.toml: anyone who can reach this server can read the CRM data and change it. "
              "See README, Team mode.", file=sys.stderr)
    sys.stdout.flush()
    if args.db:
        os.environ["REVMACHINE_DB"] = str(path)
    os.chdir(Path(__file__).resolve().parent.parent)
    # answers only to its own host names (serving.allowed_hosts, REVMACHINE_ALLOWED_HOSTS)
    return serving.serve(address, args.port)


def cmd_template(args) -> int:
    from revmachine import template

    p = template.write(Path(args.out))
    print(f"wrote {p}")
    return 0


def cmd_bench(args) -> int:
    import runpy

    if args.scale is not None:  # the curve as the data grows (bench/scale.py)
        root = Path(__file__).resolve().parent.parent
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
        from bench import scale

        scale.run(args.scale or None, label=args.label or "", keep=args.keep)
        return 0
    sys.argv = ["bench"] + (["--quick"] if args.quick else []) + (["--browser"] if args.browser else []) \
        + (["--writes"] if args.writes else []) + (["--loads"] if args.loads else [])
    runpy.run_path(str(Path(__file__).resolve().parent.parent / "bench" / "run.py"), run_name="__main__")
    return 0


def _choice_options(sp) -> None:
    sp.add_argument("--kind", action="append", metavar="SHEET=KIND",
                    help="what a sheet holds (SHEET: file name, sheet name or file/sheet; KIND: leads, deals, "
                         "campaigns, ads, spend, targets, activities, owners, accounts, stage_history, skip)")
    sp.add_argument("--map", action="append", metavar="SHEET:HEADER=FIELD",
                    help="read a column as a field (FIELD 'ignore' leaves it out); see `inspect`")
    sp.add_argument("--stage", action="append", metavar="NAME=STAGE",
                    help="what an exported stage or status name means (a funnel stage, or exit:lost, "
                         "exit:disqualified, exit:rejected); remembered")
    sp.add_argument("--accept", action="append", metavar="SHEET:QUESTION",
                    help="answer a plausibility question the load stopped on (QUESTION: no_records, no_money, "
                         "no_outcomes, merge_differs, drop_rows_with_ids, keep_rows_with_ids); the message names it")
    sp.add_argument("--profile", action="append", metavar="FILE.json",
                    help="a mapping profile (downloaded from the Data page or written by `inspect --save-profile`)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m revmachine", description="Revenue Machine command line")
    sub = p.add_subparsers(dest="command", required=True)

    def dbopt(sp):
        sp.add_argument("--db", help="database file (default: $REVMACHINE_DB or data/revmachine.duckdb)")

    sp = sub.add_parser("load", help="load spreadsheets (xlsx/csv/tsv) into the database")
    sp.add_argument("files", nargs="+")
    dbopt(sp)
    sp.add_argument("--replace", action="store_true", help="replace the tables the files hold (default: append)")
    sp.add_argument("--date-order", choices=["dmy", "mdy"], help="day/month order for ambiguous date columns")
    sp.add_argument("--decimal-mark", choices=["comma", "dot"],
                    help="decimal mark of amount columns whose values cannot tell (1.500: 1500 or 1.5)")
    sp.add_argument("--range", action="append", default=[], metavar="SHEET=START..END",
                    help="the dates a report covers when the line above its header names a range that "
                         "cannot be resolved ('All time'), e.g. --range 'report.csv=2024-01-01..2024-10-31'")
    sp.add_argument("--format", choices=["text", "json"], default="text")
    _choice_options(sp)
    sp.set_defaults(fn=cmd_load)

    sp = sub.add_parser("inspect", help="show what each sheet is and how each column is read (loads nothing)")
    sp.add_argument("files", nargs="+")
    dbopt(sp)
    sp.add_argument("--date-order", choices=["dmy", "mdy"], help="day/month order for ambiguous date columns")
    sp.add_argument("--decimal-mark", choices=["comma", "dot"],
                    help="decimal mark of amount columns whose values cannot tell (1.500: 1500 or 1.5)")
    sp.add_argument("--range", action="append", default=[], metavar="SHEET=START..END",
                    help="the dates a report covers when the line above its header names a range that "
                         "cannot be resolved ('All time'), e.g. --range 'report.csv=2024-01-01..2024-10-31'")
    sp.add_argument("--format", choices=["text", "json"], default="text")
    sp.add_argument("--save-profile", metavar="OUT.json", help="write the mapping as a profile file")
    _choice_options(sp)
    sp.set_defaults(fn=cmd_inspect)

    sp = sub.add_parser("demo", help="build the demo database (or write the demo spreadsheets)")
    dbopt(sp)
    sp.add_argument("--leads", type=int, default=30000)
    sp.add_argument("--seed", type=int, default=42)
    sp.add_argument("--write-files", metavar="DIR", help="write the demo as spreadsheets to DIR instead")
    sp.set_defaults(fn=cmd_demo)

    sp = sub.add_parser("report", help="print the scorecard for a period")
    dbopt(sp)
    sp.add_argument("--period", help="2026-Q3, 2026-07, 2026 (fiscal year) or all; default: latest complete quarter")
    sp.add_argument("--territory", action="append", help="filter to a territory (repeatable)")
    sp.add_argument("--sourced-by", action="append", choices=["marketing", "sales", "unmapped"],
                    help="filter to the deals and leads marketing or sales sourced (repeatable)")
    sp.add_argument("--format", choices=["json", "csv"], default="json")
    sp.set_defaults(fn=cmd_report)

    sp = sub.add_parser("funnel", help="print the funnel step table and name the bottleneck")
    dbopt(sp)
    sp.add_argument("--period", help="2026-Q3, 2026-07, 2026 or all; default: latest complete quarter")
    sp.add_argument("--by", choices=["channel", "territory", "owner", "campaign", "sourced_by"])
    sp.add_argument("--view", choices=["period", "cohort"], default="period")
    sp.add_argument("--territory", action="append", help="filter to a territory (repeatable)")
    sp.add_argument("--format", choices=["json", "csv"], default="json")
    sp.set_defaults(fn=cmd_funnel)

    sp = sub.add_parser("matrix", help="print the marketer matrix table")
    dbopt(sp)
    sp.add_argument("--period", help="2026-Q3, 2026-07, 2026, all or a date range; default: the last four "
                                     "complete quarters (as on the page)")
    sp.add_argument("--entity", choices=["campaign", "channel", "marketer"], default="campaign")
    sp.add_argument("--baseline", default=None,
                    help="median | sales | channel:<name>; default: the alternate channel named in the settings")
    sp.add_argument("--min-leads", type=int, default=30)
    sp.add_argument("--territory", action="append")
    sp.add_argument("--format", choices=["json", "csv"], default="json")
    sp.set_defaults(fn=cmd_matrix)

    sp = sub.add_parser("plan", help="print the reverse waterfall per territory and the top-down vs bottom-up gap")
    dbopt(sp)
    sp.add_argument("--period", required=True, help="the plan quarter (2027-Q1) or fiscal year (2027)")
    sp.add_argument("--target", type=float, help="a total revenue target instead of the targets sheet")
    sp.add_argument("--format", choices=["json", "csv"], default="json")
    sp.set_defaults(fn=cmd_plan)

    sp = sub.add_parser("pipeline", help="print the pipeline: movement, forecast, coverage, reps against quota")
    dbopt(sp)
    sp.add_argument("--from", dest="start", metavar="DATE",
                    help="the movement's first day (YYYY-MM-DD; default: last week's load)")
    sp.add_argument("--to", dest="end", metavar="DATE", help="its second day (default: the data's as-of date)")
    sp.add_argument("--period", help="the period the deals close in: 2026-Q4, 2026-11, 2026; default: the quarter "
                                     "under way")
    sp.add_argument("--territory", action="append", help="filter to a territory (repeatable)")
    sp.add_argument("--format", choices=["text", "json"], default="text")
    sp.set_defaults(fn=cmd_pipeline)

    sp = sub.add_parser("undo", help="undo the last loaded batch")
    dbopt(sp)
    sp.add_argument("--batch", type=int, help="the batch to undo (refused unless it is the newest active one)")
    sp.set_defaults(fn=cmd_undo)

    sp = sub.add_parser("history", help="list loaded batches")
    dbopt(sp)
    sp.add_argument("--format", choices=["text", "json"], default="text")
    sp.set_defaults(fn=cmd_history)

    sp = sub.add_parser("audit", help="print the audit trail: every write, who and when (newest first)")
    dbopt(sp)
    sp.add_argument("--format", choices=["csv", "json"], default="csv")
    sp.add_argument("--limit", type=int, help="only the last N rows")
    sp.set_defaults(fn=cmd_audit)

    sp = sub.add_parser("backup", help="copy the data file and the app-state file (and the kept uploads) "
                                       "into DIR as one consistent backup")
    sp.add_argument("dir")
    dbopt(sp)
    sp.add_argument("--no-uploads", action="store_true", help="leave the kept raw upload files out")
    sp.set_defaults(fn=cmd_backup)

    sp = sub.add_parser("serve", help="start the app (streamlit run app.py), saying where it listens and "
                                      "whether sign-in is on")
    dbopt(sp)
    sp.add_argument("--address", help="bind address (default: $REVMACHINE_ADDRESS or 127.0.0.1: this machine only; 0.0.0.0: all); it answers to its own host names only (REVMACHINE_ALLOWED_HOSTS adds names)")
    sp.add_argument("--port", type=int, help="port (default: Streamlit's, 8501)")
    sp.set_defaults(fn=cmd_serve)

    sp = sub.add_parser("template", help="write the upload template workbook")
    sp.add_argument("out")
    sp.set_defaults(fn=cmd_template)

    sp = sub.add_parser("bench", help="run the benchmarks in bench/ and print figures")
    sp.add_argument("--quick", action="store_true")
    sp.add_argument("--browser", action="store_true", help="also time a filter change in Chromium")
    sp.add_argument("--writes", action="store_true",
                    help="only time saving an action item at 30k, 1M and 3M leads (builds those databases once)")
    sp.add_argument("--loads", action="store_true", help="only the xlsx and CSV loads (and their baselines)")
    sp.add_argument("--scale", type=int, nargs="?", const=0, metavar="MAX",
                    help="the curve as the data grows: build 30k, 1M and 3M demo databases (and MAX leads, e.g. "
                         "10000000) and time each page, the build and a 300-row weekly append; appends a table "
                         "to bench/RESULTS.md")
    sp.add_argument("--label", help="with --scale: a note for the RESULTS.md heading (e.g. 'before the merge')")
    sp.add_argument("--keep", action="store_true", help="with --scale: keep the databases in bench/out/")
    sp.set_defaults(fn=cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    from revmachine.textsafe import SafeWriter

    # text from the files reaches the terminal: its control characters and escape sequences are
    # printed as visible escapes (textsafe.py), never acted on
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeWriter(out), SafeWriter(err)
    try:
        args = build_parser().parse_args(argv)
        try:
            rc = args.fn(args)
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
            return rc
        except BrokenPipeError:
            # the reader went away (`... | head`): stop quietly, like other command-line tools; what
            # is still buffered goes nowhere
            os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
            return 1
        except UserError as exc:
            print(f"error: {exc.render()}", file=sys.stderr)
            return 2
        except (OSError, duckdb.Error) as exc:  # a full disk, a read-only folder, a name too long
            mapped = db.user_error(exc, db.resolve(getattr(args, "db", None)))
            if mapped is exc:
                raise
            print(f"error: {mapped.render()}", file=sys.stderr)
            return 2
    finally:
        sys.stdout, sys.stderr = out, err

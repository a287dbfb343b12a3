"""Writing a staged upload: one transaction, one batch; and undoing the last batch.

Append: rows whose natural key is already loaded are superseded (moved to <table>_history with the
batch that superseded them), then the new rows are inserted, each merged with the row it superseded:
the columns the upload has come from the file, the others keep their values (ingest/merge.py).
Replace: every current row of the table is superseded and the table is exactly the upload. Undo of
the newest batch deletes its rows and restores what it superseded.
The raw files are kept beside the database (<db file name>_uploads/) so a batch can be reloaded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from revmachine import access, db, marts, state
from revmachine.errors import UserError
from revmachine.ingest import merge
from revmachine.ingest.state import Staged
from revmachine.schema import BUSINESS_TABLES, columns


@dataclass
class BatchResult:
    batch_id: int
    rows_written: dict[str, int]
    rows_superseded: dict[str, int]
    # per table whose rows were already loaded (append): the columns the upload updated on them, and
    # the columns it did not have that held a value there, kept as they were
    columns_updated: dict[str, list[str]] = field(default_factory=dict)
    columns_kept: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"batch_id": self.batch_id, "rows_written": self.rows_written,
                "rows_superseded": self.rows_superseded, "columns_updated": self.columns_updated,
                "columns_kept": self.columns_kept}

    def merge_lines(self) -> list[str]:
        """'leads: 120 rows already loaded, updated in owner, current_stage; kept (not in this upload):
        created_at, channel'."""
        out = []
        for t, cols in self.columns_updated.items():
            n = self.rows_superseded.get(t, 0)
            out.append(f"{t}: {n:,} row{'s' if n != 1 else ''} already loaded, updated in "
                       f"{', '.join(cols) or 'no column'}"
                       + (f"; kept (not in this upload): {', '.join(self.columns_kept[t])}"
                          if self.columns_kept.get(t) else ""))
        return out


def uploads_dir(path: Path) -> Path:
    """The kept raw files' folder: named after the whole file name (rm.duckdb_uploads/), so two
    databases with the same stem (rm.duckdb and a backup rm.bak) never share one and a command on one
    never removes the other's files. (Databases from before kept theirs in <stem>_uploads/: batch_files
    names each file by its path, so they still reload; that folder is never cleaned.)"""
    return path.with_name(path.name + "_uploads")


def write_tables(con: duckdb.DuckDBPyConnection, staged: Staged, batch_id: int, modes: dict[str, str]
                 ) -> tuple[dict[str, int], dict[str, int], dict[str, tuple[merge.Supplied, list[str]]]]:
    """Write each staged table; returns rows written, rows superseded and, per table whose loaded rows
    an append merged with, what the upload supplied of it and the columns it kept that held values."""
    written, superseded, merged = {}, {}, {}
    supplied = merge.supplied(staged)
    for table, arrow in staged.tables.items():
        mode = modes.get(table, modes.get("*", "append"))
        if table == "lead_stage_dates":
            mode = modes.get("leads", mode)
        key = BUSINESS_TABLES[table][1]
        cols = columns(table)
        con.register("incoming", arrow)
        if mode == "replace":
            match = "true"
        else:
            on = " and ".join(f"t.{k} is not distinct from i.{k}" for k in key)
            match = f"exists (select 1 from incoming as i where {on})"
        n_old = con.execute(f"select count(*) from {table} as t where {match}").fetchall()[0][0]
        con.execute(
            f"insert into {table}_history select *, {batch_id} from {table} as t where {match}")
        con.execute(f"delete from {table} as t where {match}")
        # a staged table may leave out columns it has nothing for (NULL)
        present = set(arrow.column_names) | {"batch_id"}
        sup = supplied[table]
        if mode != "replace" and n_old and sup.kept(table) + list(sup.some):
            cols, select = merge.select_merged(table, batch_id, present, sup)
            con.execute(f"insert into {table} ({', '.join(cols)}) {select}")
            merged[table] = (sup, _holding_values(con, table, batch_id, sup.kept(table)))
        else:
            cols = [c for c in cols if c in present]
            select = ", ".join(str(batch_id) if c == "batch_id" else c for c in cols)
            con.execute(f"insert into {table} ({', '.join(cols)}) select {select} from incoming")
        con.unregister("incoming")
        written[table] = arrow.num_rows
        superseded[table] = n_old
        con.execute("insert into batch_tables values (?, ?, ?, ?, ?)",
                    [batch_id, table, mode, arrow.num_rows, n_old])
    return written, superseded, merged


def _holding_values(con: duckdb.DuckDBPyConnection, table: str, batch_id: int, cols: list[str]) -> list[str]:
    """Of `cols`, those that hold a value in a row this batch superseded (what the merge kept)."""
    cols = [c for c in cols if c not in merge.ALWAYS]
    if not cols:
        return []
    counts = con.execute(f"select {', '.join(f'count({c})' for c in cols)} from {table}_history "
                         "where superseded_by = ?", [batch_id]).fetchall()[0]
    return [c for c, n in zip(cols, counts, strict=True) if n]


def load(staged: Staged, path: str | Path | None = None, *, modes: dict[str, str] | None = None,
         note: str | None = None, snapshot_at: dt.datetime | None = None,
         stage_names: dict[str, str] | None = None, actor: access.Actor | None = None) -> BatchResult:
    """All of the upload or none of it, by `actor` (an analyst or admin; the command line's when
    None). Raises UserError when the report has blocking errors.

    The batch names who loaded it in the data file's transaction; then the app-state file gets the
    audit row and remembers the corrected mappings and stage_names (exported stage names the user
    mapped, name -> stage) for later uploads."""
    if not staged.ok:
        first = staged.errors[0]
        raise UserError(f"{len(staged.errors)} blocking error(s); nothing was loaded. First: "
                        f"{first.where()}: {first.message}")
    if not staged.tables:
        raise UserError("nothing to load: no sheet with data was recognised.")
    who = access.require(actor, "load")
    p = db.resolve(path)
    state.ensure(p)  # an app-state file that agrees with the data file (its configuration is mirrored)
    modes = modes or {}
    raw_dir = uploads_dir(p)
    appending = not any(m == "replace" for m in modes.values())
    # an append is written in place (readers wait the few seconds it takes) unless its refresh would
    # rebuild every mart: then it is written again on a copy, which readers never wait for
    for in_place in ((True, False) if appending else (False,)):
        kept: list[Path] = []
        try:
            written, superseded, merged, aliases, batch_id = _write(staged, p, modes, note, snapshot_at,
                                                                     stage_names, who, raw_dir, kept, in_place)
            break
        except marts.FullRebuild:
            continue
    files = ", ".join(f.name for f in staged.files) or note or "generated tables"
    rows = ", ".join(f"{t} {n:,} ({modes.get(t, modes.get('*', 'append'))})" for t, n in written.items())
    try:
        with state.write(p, who, "load", "load", f"batch {batch_id}", f"{files}: {rows}") as w:
            now = dt.datetime.now().replace(microsecond=0)
            for res in staged.sheets:  # corrections remembered for the next file with the same headers
                if res.source in {"corrected", "profile"} and res.kind:
                    w.con.execute("insert or replace into mapping_memory values (?, ?, ?, ?, ?)",
                                  [res.signature, res.kind, json.dumps({str(k): v for k, v in res.mapping.items()}),
                                   now, who.id])
            for alias, stage in aliases.items():
                w.con.execute("insert or replace into config_stage_aliases values (?, ?)", [alias, stage])
    except UserError as exc:
        raise UserError(f"batch {batch_id} was loaded, but its audit row and remembered mappings could not be "
                        f"written: {exc}", hint=exc.hint) from None
    hidden = merge.ALWAYS | {"lead_id", "deal_id"}
    return BatchResult(batch_id, written, superseded,
                       {t: [c for c in columns(t) if c not in hidden and (c in m.every or c in m.some)]
                        for t, (m, _kept) in merged.items()},
                       {t: kept for t, (_m, kept) in merged.items()})


def _write(staged: Staged, p: Path, modes: dict[str, str], note: str | None, snapshot_at: dt.datetime | None,
           stage_names: dict[str, str] | None, who: access.Actor, raw_dir: Path, kept: list[Path], in_place: bool):
    """The load's write of the data file (one transaction); see load()."""
    writer = ThreadPoolExecutor(max_workers=1)
    try:
        with db.write(p, rebuilds_marts=True, in_place=in_place) as con:
            batch_id = con.execute("select coalesce(max(batch_id), 0) + 1 from batches").fetchall()[0][0]
            raw_dir.mkdir(parents=True, exist_ok=True)
            for f in staged.files:
                kept.append(raw_dir / kept_name(batch_id, f.sha256, f.name))
            # the raw files are written while DuckDB writes the rows (a file write releases the GIL);
            # the transaction commits only once they are on disk
            keeping = writer.submit(_keep_raw, [(t, f.data) for t, f in zip(kept, staged.files, strict=True)])
            written, superseded, merged = write_tables(con, staged, batch_id, modes)
            mode_label = "replace" if any(m == "replace" for m in modes.values()) else "append"
            con.execute("insert into batches (batch_id, loaded_at, status, mode, row_counts, note, loaded_by) "
                        "values (?, ?, 'active', ?, ?, ?, ?)",
                        [batch_id, dt.datetime.now().replace(microsecond=0), mode_label,
                         json.dumps(written), note, who.id])
            for target, f in zip(kept, staged.files, strict=True):
                con.execute("insert into batch_files values (?, ?, ?, ?, ?)",
                            [batch_id, f.name, f.sha256, len(f.data), str(target)])
            aliases = _check_stage_names(con, stage_names or {})
            state.sync_config(con, p)
            if mode_label == "append":
                # only the records the batch changed (a full rebuild when that cannot be exact)
                marts.refresh(con, batch_id, full_ok=not in_place)
            else:
                marts.rebuild(con)
            from revmachine import meeting

            meeting.snapshot(con, batch_id, at=snapshot_at)
            keeping.result()
    except BaseException:
        writer.shutdown(wait=True)  # a half-written file is not left behind
        for k in kept:
            k.unlink(missing_ok=True)
        raise
    writer.shutdown()
    return written, superseded, merged, aliases, batch_id

def _check_stage_names(con: duckdb.DuckDBPyConnection, names: dict[str, str]) -> dict[str, str]:
    """The user's stage names (name -> stage) as aliases to remember (folded name -> stage);
    UserError for a stage that is not configured (the load then writes nothing)."""
    from revmachine.ingest.stages import EXITS, stage_key

    known = {r[0] for r in con.execute("select stage from config_stages").fetchall()} | set(EXITS)
    for name, stage in names.items():
        if stage not in known:
            raise UserError(f"stage name {name!r}: {stage!r} is not a configured stage; choose one of "
                            f"{', '.join(sorted(known))}.")
    return {stage_key(name): stage for name, stage in names.items()}


def kept_name(batch_id: int, sha256: str, original: str) -> str:
    """The kept raw copy's name: short and safe whatever the upload was called (a 240-byte name, a
    slash, a control character); the original name is stored in batch_files.file_name."""
    ext = Path(original).suffix.lower()
    ext = ext if re.fullmatch(r"\.[a-z0-9]{1,8}", ext) else ".bin"
    return f"{batch_id:05d}_{sha256[:16]}{ext}"


def remove_unnamed_raw_files(path: Path) -> list[Path]:
    """Kept raw files that no batch names (a load killed after writing them): removed. The caller
    holds the writers' lock."""
    raw_dir = uploads_dir(path)
    if not raw_dir.is_dir() or not path.exists():
        return []
    try:
        with db.read(path) as con:
            named = {Path(r[0]).name for r in con.execute(
                "select raw_path from batch_files where raw_path is not null").fetchall()}
    except duckdb.Error:
        return []  # no batch_files table yet (an old or foreign file): leave the folder alone
    removed = []
    for f in raw_dir.iterdir():
        if f.is_file() and f.name not in named and _KEPT.fullmatch(f.name):
            with contextlib.suppress(OSError):
                f.unlink()
                removed.append(f)
    return removed


_KEPT = re.compile(r"\d{5,}_[0-9a-f]{12,}_?.*")


def _keep_raw(files: list[tuple[Path, bytes]]) -> None:
    for target, data in files:
        target.write_bytes(data)


def undo_last(path: str | Path | None = None, *, actor: access.Actor | None = None) -> int:
    """Undo the newest active batch; returns its id. UserError when there is none."""
    return undo_batch(path, None, actor=actor)


def undo_batch(path: str | Path | None, batch_id: int | None, *, actor: access.Actor | None = None) -> int:
    """Undo batch `batch_id` (None: the newest active one) by `actor` (an analyst or admin); returns
    its id. Only the newest active batch can be undone (its rows may have superseded an older
    batch's): a batch that a newer one landed after, one already undone or one that does not exist
    is refused with a UserError."""
    who = access.require(actor, "undo")
    p = db.resolve(path)
    if not p.exists():
        raise UserError("there is no database yet, so nothing to undo.")
    state.ensure(p)
    with db.write(p, rebuilds_marts=True) as con:
        r = con.execute("select max(batch_id) from batches where status = 'active'").fetchall()[0][0]
        if batch_id is not None:
            row = con.execute("select status from batches where batch_id = ?", [batch_id]).fetchall()
            if not row:
                raise UserError(f"there is no batch {batch_id}.", hint="`python -m revmachine history` lists them.")
            if row[0][0] != "active":
                raise UserError(f"batch {batch_id} was already undone; nothing was changed.")
            if batch_id != r:
                raise UserError(f"batch {batch_id} is not the newest batch: batch {r} was loaded after it, and its "
                                f"rows may have replaced batch {batch_id}'s; nothing was changed.",
                                hint=f"Undo batch {r} first if you mean to undo both.")
        if r is None:
            raise UserError("no loaded batch to undo.")
        for (table,) in con.execute(
                "select table_name from batch_tables where batch_id = ?", [r]).fetchall():
            if table not in BUSINESS_TABLES:
                continue
            cols = ", ".join(columns(table))
            con.execute(f"delete from {table} where batch_id = ?", [r])
            con.execute(f"insert into {table} ({cols}) select {cols} from {table}_history "
                        "where superseded_by = ?", [r])
            con.execute(f"delete from {table}_history where superseded_by = ?", [r])
        con.execute("update batches set status = 'undone', undone_by = ?, undone_at = ? where batch_id = ?",
                    [who.id, dt.datetime.now().replace(microsecond=0), r])
        con.execute("delete from scorecard_snapshots where batch_id = ?", [r])
        state.sync_config(con, p)
        marts.rebuild(con)
    state.record(p, who, "undo", "undo", f"batch {r}")
    return r


def history(con: duckdb.DuckDBPyConnection):
    return con.execute("""
        select b.batch_id, b.loaded_at, b.loaded_by, b.status, b.undone_by, b.mode,
               string_agg(f.file_name, ', ') as files, b.row_counts
        from batches as b left join batch_files as f using (batch_id)
        group by all order by b.batch_id desc
    """).df()


def raw_file(con: duckdb.DuckDBPyConnection, batch_id: int) -> list[tuple[str, bytes]]:
    out = []
    for name, raw_path in con.execute(
            "select file_name, raw_path from batch_files where batch_id = ?", [batch_id]).fetchall():
        if raw_path and Path(raw_path).exists():
            out.append((name, Path(raw_path).read_bytes()))
    return out



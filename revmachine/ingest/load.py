"""Writing a staged upload: one transaction, one batch; and undoing the last batch.

Append: rows whose natural key is already loaded are superseded (moved to <table>_history with the
batch that superseded them), then the new rows are inserted. Replace: every current row of the
table is superseded. Undo of the newest batch deletes its rows and restores what it superseded.
The raw files are kept beside the database (<db>_uploads/) so a batch can be reloaded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from revmachine import db, marts
from revmachine.errors import UserError
from revmachine.ingest.state import Staged
from revmachine.schema import BUSINESS_TABLES, columns


@dataclass
class BatchResult:
    batch_id: int
    rows_written: dict[str, int]
    rows_superseded: dict[str, int]

    def as_dict(self) -> dict:
        return {"batch_id": self.batch_id, "rows_written": self.rows_written,
                "rows_superseded": self.rows_superseded}


def uploads_dir(path: Path) -> Path:
    return path.with_name(path.stem + "_uploads")


def write_tables(con: duckdb.DuckDBPyConnection, staged: Staged, batch_id: int,
                 modes: dict[str, str]) -> tuple[dict[str, int], dict[str, int]]:
    written, superseded = {}, {}
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
        cols = [c for c in cols if c in present]
        select = ", ".join(str(batch_id) if c == "batch_id" else c for c in cols)
        con.execute(f"insert into {table} ({', '.join(cols)}) select {select} from incoming")
        con.unregister("incoming")
        written[table] = arrow.num_rows
        superseded[table] = n_old
        con.execute("insert into batch_tables values (?, ?, ?, ?, ?)",
                    [batch_id, table, mode, arrow.num_rows, n_old])
    return written, superseded


def load(staged: Staged, path: str | Path | None = None, *, modes: dict[str, str] | None = None,
         note: str | None = None, snapshot_at: dt.datetime | None = None,
         stage_names: dict[str, str] | None = None) -> BatchResult:
    """All of the upload or none of it. Raises UserError when the report has blocking errors.

    stage_names: exported stage names the user mapped (name -> stage), remembered for later uploads
    in the same transaction."""
    if not staged.ok:
        first = staged.errors[0]
        raise UserError(f"{len(staged.errors)} blocking error(s); nothing was loaded. First: "
                        f"{first.where()}: {first.message}")
    if not staged.tables:
        raise UserError("nothing to load: no sheet with data was recognised.")
    p = db.resolve(path)
    modes = modes or {}
    raw_dir = uploads_dir(p)
    kept: list[Path] = []
    writer = ThreadPoolExecutor(max_workers=1)
    try:
        with db.write(p, rebuilds_marts=True) as con:
            batch_id = con.execute("select coalesce(max(batch_id), 0) + 1 from batches").fetchall()[0][0]
            raw_dir.mkdir(parents=True, exist_ok=True)
            for f in staged.files:
                kept.append(raw_dir / kept_name(batch_id, f.sha256, f.name))
            # the raw files are written while DuckDB writes the rows (a file write releases the GIL);
            # the transaction commits only once they are on disk
            keeping = writer.submit(_keep_raw, [(t, f.data) for t, f in zip(kept, staged.files, strict=True)])
            written, superseded = write_tables(con, staged, batch_id, modes)
            mode_label = "replace" if any(m == "replace" for m in modes.values()) else "append"
            con.execute("insert into batches values (?, ?, 'active', ?, ?, ?)",
                        [batch_id, dt.datetime.now().replace(microsecond=0), mode_label,
                         json.dumps(written), note])
            for target, f in zip(kept, staged.files, strict=True):
                con.execute("insert into batch_files values (?, ?, ?, ?, ?)",
                            [batch_id, f.name, f.sha256, len(f.data), str(target)])
            _remember_stage_names(con, stage_names or {})
            for res in staged.sheets:
                if res.source in {"corrected", "profile"} and res.kind:
                    con.execute(
                        "insert or replace into mapping_memory values (?, ?, ?, ?)",
                        [res.signature, res.kind, json.dumps({str(k): v for k, v in res.mapping.items()}),
                         dt.datetime.now()])
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
    return BatchResult(batch_id, written, superseded)


def _remember_stage_names(con: duckdb.DuckDBPyConnection, names: dict[str, str]) -> None:
    from revmachine.ingest.stages import EXITS, stage_key

    known = {r[0] for r in con.execute("select stage from config_stages").fetchall()} | set(EXITS)
    for name, stage in names.items():
        if stage not in known:
            raise UserError(f"stage name {name!r}: {stage!r} is not a configured stage; choose one of "
                            f"{', '.join(sorted(known))}.")
        con.execute("insert or replace into config_stage_aliases values (?, ?)", [stage_key(name), stage])


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


def undo_last(path: str | Path | None = None) -> int:
    """Undo the newest active batch; returns its id. UserError when there is none."""
    return undo_batch(path, None)


def undo_batch(path: str | Path | None, batch_id: int | None) -> int:
    """Undo batch `batch_id` (None: the newest active one); returns its id. Only the newest active
    batch can be undone (its rows may have superseded an older batch's): a batch that a newer one
    landed after, one already undone or one that does not exist is refused with a UserError."""
    p = db.resolve(path)
    if not p.exists():
        raise UserError("there is no database yet, so nothing to undo.")
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
        con.execute("update batches set status = 'undone' where batch_id = ?", [r])
        con.execute("delete from scorecard_snapshots where batch_id = ?", [r])
        marts.rebuild(con)
    return r


def history(con: duckdb.DuckDBPyConnection):
    return con.execute("""
        select b.batch_id, b.loaded_at, b.status, b.mode,
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



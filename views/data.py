"""Data: upload spreadsheets, check the mapping and the report, load or undo, get the template."""

import hashlib

import pandas as pd
import streamlit as st

from revmachine import cache, configure, db, template
from revmachine.errors import UserError
from revmachine.ingest import load as load_mod
from revmachine.ingest import mapping, stage

st.title("Data")
st.caption("Upload the spreadsheets your CRM and marketing tools export: .xlsx (every sheet), .csv, "
           ".tsv. Nothing is written until you press Load, and a load is all-or-nothing.")

path = db.resolve()

# a new key after each load empties the uploader: the loaded files are not checked again (they
# would only be reported as already loaded)
upload_round = st.session_state.get("upload_round", 0)
files = st.file_uploader("Spreadsheets", type=["xlsx", "xlsm", "xls", "ods", "csv", "tsv"],
                         accept_multiple_files=True,
                         key="upload_files" if upload_round == 0 else f"upload_files_{upload_round}")

FIELD_CHOICES = {kind: ["(ignore)"] + [f.name for f in fields] for kind, fields in mapping.FIELDS.items()}
KIND_CHOICES = ["(skip)", *mapping.KINDS]


def _stage(upload: list[stage.UploadFile], overrides: dict, orders: dict) -> stage.Staged:
    ctx = stage.Context.defaults()
    if path.exists():
        with db.read(path) as con:
            ctx = stage.Context.from_db(con)
    bar = st.progress(0.0, text="Reading files...")
    staged = stage.prepare(upload, ctx, overrides=overrides, date_orders=orders,
                           progress=lambda f, t: bar.progress(min(f, 1.0), text=t))
    bar.progress(1.0, text="Checked: see the report below.")
    return staged


reloaded = st.session_state.get("reload_files")
if files or reloaded:
    extra_stage_fields: list[str] = []
    if path.exists():
        with db.read(path) as con:
            extra_stage_fields = configure.extra_stage_fields(con)
    upload = ([stage.UploadFile(f.name, f.getvalue()) for f in files] if files
              else [stage.UploadFile(n, d) for n, d in reloaded])
    overrides = st.session_state.setdefault("mapping_overrides", {})
    orders = st.session_state.setdefault("date_orders", {})
    key = hashlib.sha256("".join(u.sha256 for u in upload).encode()
                         + repr(sorted(overrides.items())).encode()
                         + repr(sorted(orders.items())).encode() + cache.version().encode()).hexdigest()
    if st.session_state.get("staged_key") != key:
        st.session_state["staged"] = _stage(upload, overrides, orders)
        st.session_state["staged_key"] = key
    staged: stage.Staged = st.session_state["staged"]

    st.subheader("1. What was recognised")
    for res in staged.sheets:
        title = f"{res.label}: {res.kind or 'not recognised'}"
        if res.kind:
            title += f" · {res.rows_out:,} rows · mapping {res.source}"
        with st.expander(title, expanded=res.kind is None or bool(res.ambiguous_dates)):
            kind = st.selectbox("This sheet holds", KIND_CHOICES,
                                index=KIND_CHOICES.index(res.kind) if res.kind else 0,
                                key=f"kind::{res.label}")
            if res.raw.headers:
                table = pd.DataFrame({
                    "column": res.raw.headers,
                    "maps to": [res.mapping.get(i, "(ignore)") if kind == res.kind else "(ignore)"
                                for i in range(len(res.raw.headers))],
                })
                # leads may also map a column to the date of a configured stage without a column of
                # its own ('stage:demo'), whether or not a header matched it
                opts = FIELD_CHOICES.get(kind, ["(ignore)"]) + (extra_stage_fields if kind == "leads" else [])
                table["maps to"] = [v if v in opts or v.startswith("stage:") else "(ignore)"
                                    for v in table["maps to"]]
                edited = st.data_editor(
                    table, key=f"map::{res.label}", hide_index=True, disabled=["column"],
                    column_config={"maps to": st.column_config.SelectboxColumn(
                        "maps to", options=list(dict.fromkeys(
                            opts + sorted(v for v in table["maps to"] if v.startswith("stage:")))),
                        required=True)})
                new_map = {i: v for i, v in enumerate(edited["maps to"]) if v != "(ignore)"}
                new_kind = None if kind == "(skip)" else kind
                changed = new_kind != res.kind or new_map != res.mapping
                if changed and st.button("Apply this mapping", key=f"apply::{res.label}", type="primary"):
                    overrides[res.label] = (new_kind, new_map)
                    st.rerun()
                st.caption(f"Header found on row {res.raw.header_row}. "
                           + (f"Ignored columns: {', '.join(res.ignored_columns)}." if res.ignored_columns else ""))
            for header in res.ambiguous_dates:
                choice = st.radio(f"'{header}': how are its dates written?",
                                  ["day first (31/12/2025)", "month first (12/31/2025)"],
                                  index=None, key=f"order::{res.label}::{header}", horizontal=True)
                if choice:
                    orders[f"{res.label}::{header}"] = "dmy" if choice.startswith("day") else "mdy"
                    st.rerun()
            if res.preview is not None and len(res.preview):
                st.caption("Preview (first 20 rows, as they will be loaded)")
                st.dataframe(res.preview, hide_index=True, width="stretch")

    st.subheader("2. Report")
    if staged.findings:
        report = pd.DataFrame([{"level": f.level, "where": f.where(), "message": f.message,
                                "count": f.count} for f in staged.findings])
        st.dataframe(report, hide_index=True, width="stretch",
                     column_config={"message": st.column_config.TextColumn(width="large")})
        st.download_button("Download the report (csv)", report.to_csv(index=False).encode(),
                           "upload_report.csv", "text/csv")
    if staged.errors:
        st.error(f"{len(staged.errors)} blocking error(s): nothing can be loaded until they are fixed. "
                 "The database is unchanged.")
    elif staged.warnings:
        st.warning(f"{len(staged.warnings)} warning(s): you can load anyway.")
    else:
        st.success("No problems found.")

    st.subheader("3. Load")
    modes = {}
    cols = st.columns(max(len(staged.tables), 1))
    for c, (table, arrow) in zip(cols, staged.tables.items(), strict=False):
        if table == "lead_stage_dates":
            continue
        modes[table] = c.radio(f"{table} ({arrow.num_rows:,} rows)", ["append", "replace"],
                               key=f"mode::{table}", horizontal=True,
                               help="append: add rows, updating rows with the same id; "
                                    "replace: the table becomes exactly this upload")
    if st.button("Load", type="primary", disabled=not staged.ok, key="load_button"):
        try:
            result = load_mod.load(staged, path, modes=modes, note="uploaded on the Data page")
        except UserError as exc:
            st.error(str(exc))
        else:
            st.session_state.pop("staged_key", None)
            st.session_state["upload_round"] = upload_round + 1
            st.session_state["last_load"] = result.as_dict()
            st.session_state.pop("reload_files", None)
            st.rerun()

if st.session_state.get("last_load"):
    r = st.session_state["last_load"]
    st.success(f"Loaded batch {r['batch_id']}: "
               + ", ".join(f"{k} {v:,} rows" for k, v in r["rows_written"].items()), icon=":material/check_circle:")

st.subheader("Load history")
if path.exists():
    hist = cache.call(load_mod.history)
    st.dataframe(hist, hide_index=True, width="stretch")
    c1, c2 = st.columns([1, 3])
    # the button names the batch this page shows, and its click undoes that one (the callback's
    # argument is bound when the page is drawn): if another load landed since, undo_batch refuses
    shown = hist.loc[hist["status"] == "active", "batch_id"]
    shown_batch = int(shown.max()) if len(shown) else None

    def _undo(batch: int | None) -> None:
        st.session_state.pop("undo_error", None)
        try:
            st.session_state["undone"] = load_mod.undo_batch(path, batch)
            st.session_state.pop("last_load", None)
        except UserError as exc:
            st.session_state["undo_error"] = str(exc)

    c1.button(f"Undo batch {shown_batch}" if shown_batch else "Undo the last batch", disabled=shown_batch is None,
              key="undo_button", on_click=_undo, args=(shown_batch,))
    if st.session_state.get("undo_error"):
        st.error(st.session_state.pop("undo_error"))
    if st.session_state.get("undone"):
        c2.info(f"Batch {st.session_state['undone']} was undone.")
else:
    st.info("No database yet: load a file, or run `python -m revmachine demo`.")

if path.exists():
    hist_active = hist[hist["status"] == "active"]
    if len(hist_active):
        with st.expander("Reload a batch from its kept raw file"):
            bid = st.selectbox("Batch", hist_active["batch_id"].tolist(), key="reload_batch")
            if st.button("Stage its files again", key="reload_button"):
                with db.read(path) as con:
                    raw = load_mod.raw_file(con, int(bid))
                if raw:
                    st.session_state["reload_files"] = raw
                    st.info(f"Re-read {len(raw)} file(s) of batch {bid}: see the report below.")
                else:
                    st.warning(f"The raw files of batch {bid} are no longer beside the database.")

    st.subheader("Channels: marketing- or sales-sourced")
    st.caption("'Sourced' follows the lead's channel (domain.md). Channels seen in the data with no "
               "mapping are listed first, with sourced-by empty: they count as 'unmapped'.")
    chan = cache.call(configure.channels)
    edited_chan = st.data_editor(
        chan, key="channel_editor", hide_index=True, disabled=["records"], width="stretch",
        column_config={"sourced_by": st.column_config.SelectboxColumn(
            "sourced by", options=["marketing", "sales"])})
    if st.button("Save the channel map", key="save_channels"):
        try:
            n = configure.save_channels(edited_chan, path)
            st.success(f"Saved {n} channel mappings; every page now uses them.")
        except UserError as exc:
            st.error(str(exc))

    st.subheader("Settings")
    current = cache.call(configure.settings)
    with st.form("settings_form"):
        values = {}
        for key, (label, typ, lo, hi) in configure.SETTINGS.items():
            if typ is str:
                values[key] = st.text_input(label, current.get(key, ""), key=f"set::{key}")
            else:
                values[key] = st.number_input(label, min_value=typ(lo), max_value=typ(hi),
                                              value=typ(float(current.get(key, lo))), key=f"set::{key}")
        if st.form_submit_button("Save settings"):
            try:
                configure.save_settings(values, path)
                st.success("Settings saved.")
            except UserError as exc:
                st.error(str(exc))

st.subheader("Template")
st.download_button("Download the upload template (xlsx)", template.workbook_bytes(),
                   "revmachine_template.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

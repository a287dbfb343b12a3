"""Data: upload spreadsheets, check the mapping and the report, load or undo, get the template."""

import hashlib

import pandas as pd
import streamlit as st

from revmachine import cache, configure, db, export, format, signin, template, ui, uploads
from revmachine.errors import UserError
from revmachine.format import esc
from revmachine.ingest import fields, stage
from revmachine.ingest import load as load_mod

if not ui.frame_drawn():
    ui.frame()
st.title("Data")
st.caption("Upload the spreadsheets your CRM, marketing-automation and ad tools export, as exported: .xlsx "
           "(every sheet), .xls, .ods, .csv, .tsv. Each sheet's kind and columns are recognised by their "
           "names and their values; nothing is written until you press Load, and a load is all-or-nothing.")

path = db.resolve()
who = signin.actor()


def _progress(text: str):
    """A progress bar for a write that rebuilds the figures; returns its callback."""
    bar = st.progress(0.0, text=text)
    return lambda f, t: bar.progress(min(max(f, 0.0), 1.0), text=t)


def history_table(hist: pd.DataFrame) -> None:
    """The load history: each batch with who loaded it and who undid it."""
    st.dataframe(format.table(hist.drop(columns=["row_counts"]),
                              labels={"batch_id": "Batch", "loaded_at": "Loaded", "loaded_by": "Loaded by",
                                      "undone_by": "Undone by"}),
                 hide_index=True, width="stretch")


if not who.may("load"):
    # a viewer reads the history; loading, mappings, settings and undo are an analyst's (access.NEEDS)
    st.info(esc(f"You are signed in as a {who.role}: uploads, mappings, settings and undo need the analyst "
                "role (an admin gives roles on the Team page). The history says who loaded what."),
            icon=":material/lock:")
    st.subheader("Load history")
    if path.exists():
        history_table(cache.call(load_mod.history))
    else:
        st.caption("Nothing has been loaded yet.")
    st.stop()

# a new key after each load empties the uploader: the loaded files are not checked again (they
# would only be reported as already loaded)
upload_round = st.session_state.get("upload_round", 0)
files = st.file_uploader("Spreadsheets", type=["xlsx", "xlsm", "xls", "ods", "csv", "tsv", "txt"],
                         accept_multiple_files=True,
                         key="upload_files" if upload_round == 0 else f"upload_files_{upload_round}")
with st.expander("Use a mapping profile (optional)"):
    profile_file = st.file_uploader("A .json saved from this page, or by `python -m revmachine inspect FILE "
                                    "--save-profile OUT.json`", type=["json"], key=f"profile_file_{upload_round}")

KIND_CHOICES = ["(skip)", *fields.KINDS]


def _kind_label(k: str) -> str:
    return "skip this sheet" if k == "(skip)" else fields.KINDS[k].label


def _stage(upload: list[stage.UploadFile], overrides: dict, orders: dict, names: dict, profiles: list,
           accepts: dict) -> stage.Staged:
    bar = st.progress(0.0, text="Reading files...")
    staged = uploads.prepare(upload, overrides, orders, names, profiles, path,
                             progress=ui.progress_callback(bar), accepts=accepts)
    bar.progress(1.0, text="Checked: see the report below.")
    return staged


def _sheet_mapping(res: stage.SheetResult, overrides: dict, orders: dict, extra_stage_fields: list[str]) -> None:
    """The sheet's kind and its column mapping, editable, and its date-order questions."""
    if res.ambiguous:
        st.warning("This sheet could be " + " or ".join(
            f"{fields.KINDS[k].label} ({c * 100:.0f}%)" for k, c in res.candidates[:3])
            + ": its columns do not settle which. Choose what it holds, then apply.")
    current = None if res.ambiguous else (res.kind or "(skip)")
    kind = st.selectbox("This sheet holds", KIND_CHOICES, format_func=_kind_label,
                        index=KIND_CHOICES.index(current) if current else None,
                        placeholder="Choose a kind...", key=f"kind::{res.label}")
    if res.raw.headers:
        kind_name = None if kind in (None, "(skip)") else kind
        table = uploads.columns_table(res, kind_name)
        opts = uploads.field_choices(kind_name, extra_stage_fields)
        table["Maps to"] = [v if v in opts or v.startswith(("stage:", "period:")) else "(ignore)"
                            for v in table["Maps to"]]
        edited = st.data_editor(
            table, key=f"map::{res.label}", hide_index=True, disabled=["Column", "How", "Why"],
            width="stretch",
            column_config={"Maps to": st.column_config.SelectboxColumn(
                "Maps to", options=list(dict.fromkeys(
                    opts + sorted(v for v in table["Maps to"] if v.startswith(("stage:", "period:"))))),
                required=True), "Why": st.column_config.TextColumn(width="large")})
        new_map = {i: v for i, v in enumerate(edited["Maps to"]) if v != "(ignore)"}
        changed = kind is not None and (kind_name != res.kind or new_map != res.mapping or res.ambiguous)
        if changed and st.button("Apply this mapping", key=f"apply::{res.label}", type="primary"):
            overrides[res.label] = (kind_name, new_map)
            st.rerun()
        ignored = res.ignored_columns
        shown = ", ".join(ignored[:12]) + (f" and {len(ignored) - 12} more" if len(ignored) > 12 else "")
        st.caption(esc(f"Header found on row {res.raw.header_row}."
                       + (f" Not read: {shown}." if ignored else "")))
    for header in res.ambiguous_decimals:
        choice = st.radio(esc(f"'{header}': what does the dot in 1.500 mean here?"),
                          ["a thousands separator (1.500 is fifteen hundred)",
                           "a decimal point (1.500 is one and a half)"],
                          index=None, key=f"decimal::{res.label}::{header}", horizontal=True)
        if choice:
            orders[f"{res.label}::{header}::decimal"] = "," if choice.startswith("a thousands") else "."
            st.rerun()
    if res.range_question:
        span = st.date_input(esc(f"The report says '{res.range_question}': which dates does it cover?"),
                             value=(), key=f"range::{res.label}")
        if isinstance(span, tuple) and len(span) == 2:
            orders[f"{res.label.lower()}::__range"] = f"{span[0].isoformat()}..{span[1].isoformat()}"
            st.rerun()
    for header in res.ambiguous_dates:
        choice = st.radio(esc(f"'{header}': how are its dates written?"),
                          ["day first (31/12/2025)", "month first (12/31/2025)"],
                          index=None, key=f"order::{res.label}::{header}", horizontal=True)
        if choice:
            orders[f"{res.label}::{header}"] = "dmy" if choice.startswith("day") else "mdy"
            st.rerun()


profiles: list[dict] = []
if profile_file is not None:
    try:
        prof = uploads.read_profile(profile_file.name, profile_file.getvalue())
        profiles = prof["sheets"]
        st.session_state.setdefault("stage_names", {}).update(prof["stages"])
    except UserError as exc:
        ui.user_error(exc)

reloaded = st.session_state.get("reload_files")
if files or reloaded:
    extra_stage_fields: list[str] = cache.call(configure.extra_stage_fields) if path.exists() else []
    upload = ([stage.UploadFile(f.name, f.getvalue()) for f in files] if files
              else [stage.UploadFile(n, d) for n, d in reloaded])
    overrides = st.session_state.setdefault("mapping_overrides", {})
    orders = st.session_state.setdefault("date_orders", {})
    names = st.session_state.setdefault("stage_names", {})
    accepts = st.session_state.setdefault("accepts", {})
    key = hashlib.sha256("".join(u.sha256 for u in upload).encode()
                         + repr(sorted((k, sorted(v)) for k, v in accepts.items())).encode()
                         + repr(sorted(overrides.items())).encode() + repr(sorted(orders.items())).encode()
                         + repr(sorted(names.items())).encode() + repr(profiles).encode()
                         + cache.version().encode()).hexdigest()
    if st.session_state.get("staged_key") != key:
        try:
            st.session_state["staged"] = _stage(upload, overrides, orders, names, profiles, accepts)
        except UserError as exc:  # a choice that no longer fits (a profile naming a missing column)
            ui.user_error(exc)
            st.stop()
        st.session_state["staged_key"] = key
    staged: stage.Staged = st.session_state["staged"]

    st.subheader("1. What was recognised")
    for res in staged.sheets:
        rec = res.reconciliation or {}
        # open where the user has something to decide or to check: rows merged or dropped
        open_it = (res.kind is None or res.ambiguous or bool(res.ambiguous_dates) or bool(res.ambiguous_decimals)
                   or bool(res.range_question) or bool(rec.get("merged") or rec.get("dropped")))
        with st.expander(esc(uploads.sheet_title(res)), expanded=open_it):
            mapping_col, rows_col = st.columns([3, 2]) if res.reconciliation else (st.container(), None)
            if rows_col is not None:
                # what becomes of the sheet's rows, beside the mapping that decides it
                rows_col.markdown("**Rows**")
                rows_col.caption(esc(uploads.reconciliation_sentence(res)))
                for line in uploads.reconciliation_lines(res):
                    rows_col.caption(esc(line))
            with mapping_col:
                _sheet_mapping(res, overrides, orders, extra_stage_fields)
            if res.preview is not None and len(res.preview):
                st.caption("Preview (first 20 rows, as they will be loaded)")
                st.dataframe(format.table(res.preview), hide_index=True, width="stretch")


    head = uploads.headline_table(staged)
    asked = uploads.questions(staged)
    if len(head) or asked:
        st.subheader("What the load will produce")
        st.caption("From this upload's rows, before anything is written: check them against what you expect.")
        if len(head):
            st.dataframe(head, hide_index=True, width="stretch",
                         column_config={"Figure": st.column_config.TextColumn(width="medium")})
        for q in asked:
            # a result that cannot be right stops the load until it is answered here (or a mapping fixes it)
            st.warning(esc(f"{q['sheet']}: {q['message']}"))
            if st.checkbox(esc(f"{q['sheet']}: {q['answer']}"), key=f"accept::{q['sheet']}::{q['question']}"):
                accepts.setdefault(q["sheet"], set()).add(q["question"])
                st.rerun()

    unknown = uploads.unknown_stages(staged)
    if unknown or names:
        st.subheader("Stage names")
        st.caption("Stage or status names the funnel does not know (another language, a custom stage). Say "
                   "once what each means: it is remembered for every later upload and the command line.")
        options = uploads.stage_options(path)
        NOT_MAPPED = "(not mapped yet)"
        listed = list(dict.fromkeys([*names, *unknown]))
        stage_table = pd.DataFrame({"Name as exported": listed, "Means": [names.get(n, NOT_MAPPED) for n in listed]})
        edited_stages = st.data_editor(stage_table, key="stage_names_editor", hide_index=True, width="stretch",
                                       disabled=["Name as exported"],
                                       column_config={"Means": st.column_config.SelectboxColumn(
                                           "Means", options=[NOT_MAPPED, *options], required=True)})
        chosen = {n: m for n, m in zip(edited_stages["Name as exported"], edited_stages["Means"], strict=True)
                  if isinstance(m, str) and m and m != NOT_MAPPED}
        if chosen != names and st.button("Use these stage names", key="apply_stage_names", type="primary"):
            st.session_state["stage_names"] = chosen
            st.rerun()

    st.subheader("2. Report")
    if staged.findings:
        report = pd.DataFrame([{"Level": f.level, "Where": f.where(), "Message": f.message,
                                "Rows": f.count} for f in staged.findings])
        # fixed widths so the table fits the page (a long message is cut in its cell, whole on hover
        # and in the download)
        st.dataframe(report, hide_index=True, width="stretch",
                     column_config={"Level": st.column_config.TextColumn(width=70),
                                    "Where": st.column_config.TextColumn(width=260),
                                    "Rows": st.column_config.NumberColumn(width=60),
                                    "Message": st.column_config.TextColumn(width=380)})
        st.download_button("Download the report (csv)", export.csv_bytes(report), "upload_report.csv", "text/csv")
    if staged.errors:
        st.error(f"{len(staged.errors)} blocking error(s): nothing can be loaded until they are fixed. "
                 "The database is unchanged.")
    elif staged.warnings:
        st.warning(f"{len(staged.warnings)} warning(s): you can load anyway.")
    else:
        st.success("No problems found.")
    st.download_button("Download this mapping as a profile (json)", uploads.profile_bytes(staged, names),
                       "revmachine_profile.json", "application/json", key="dl_profile",
                       help="Give it back on this page, or to `python -m revmachine load --profile FILE`.")

    st.subheader("3. Load")
    modes = {}
    cols = st.columns(max(len(staged.tables), 1))
    for c, (table, arrow) in zip(cols, staged.tables.items(), strict=False):
        if table == "lead_stage_dates":
            continue
        modes[table] = c.radio(f"{format.label(table)} ({arrow.num_rows:,} rows)", ["append", "replace"],
                               key=f"mode::{table}", horizontal=True,
                               help="append: add rows, updating rows with the same id; "
                                    "replace: the table becomes exactly this upload")
    if st.button("Load", type="primary", disabled=not staged.ok, key="load_button"):
        try:
            result = load_mod.load(staged, path, modes=modes, note="uploaded on the Data page", stage_names=names,
                                   actor=who)
        except UserError as exc:
            st.error(esc(str(exc)))
        else:
            st.session_state.pop("staged_key", None)
            st.session_state["upload_round"] = upload_round + 1
            st.session_state["last_load"] = result.as_dict()
            st.session_state.pop("reload_files", None)
            st.session_state.pop("stage_names", None)
            st.session_state.pop("accepts", None)
            st.rerun()

if st.session_state.get("last_load"):
    r = st.session_state["last_load"]
    st.success(f"Loaded batch {r['batch_id']}: "
               + ", ".join(f"{format.label(k).lower()} {v:,} rows" for k, v in r["rows_written"].items()),
               icon=":material/check_circle:")
    # an append over rows already loaded updates the columns the upload has and keeps the others
    for table, updated in r.get("columns_updated", {}).items():
        kept = r.get("columns_kept", {}).get(table, [])
        n = r["rows_superseded"].get(table, 0)
        st.info(esc(f"{format.label(table)}: {n:,} already loaded, updated in "
                    f"{', '.join(format.label(c) for c in updated) or 'no column'}"
                    + (f"; kept as they were (not in this upload): {', '.join(format.label(c) for c in kept)}"
                       if kept else "") + "."))

st.subheader("Load history")
if path.exists():
    hist = cache.call(load_mod.history)
    history_table(hist)
    c1, c2 = st.columns([1, 3])
    # the button names the batch this page shows, and its click undoes that one (the callback's
    # argument is bound when the page is drawn): if another load landed since, undo_batch refuses
    shown = hist.loc[hist["status"] == "active", "batch_id"]
    shown_batch = int(shown.max()) if len(shown) else None

    def _undo(batch: int | None) -> None:
        st.session_state.pop("undo_error", None)
        try:
            st.session_state["undone"] = load_mod.undo_batch(path, batch, actor=signin.actor())
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
        column_config={"channel": "Channel", "records": st.column_config.NumberColumn("Records"),
                       "sourced_by": st.column_config.SelectboxColumn("Sourced by", options=["marketing", "sales"])})
    if st.button("Save the channel map", key="save_channels"):
        try:
            n = configure.save_channels(edited_chan, path, actor=who, progress=_progress("Saving the channel map..."))
            st.success(f"Saved {n} channel mappings; every page now uses them.")
        except UserError as exc:
            st.error(str(exc))

    st.subheader("Settings")
    current = cache.call(configure.settings)
    with st.form("settings_form"):
        values = {}
        for key, (label, typ, lo, hi) in configure.SETTINGS.items():
            if key == "matrix_baseline":
                choices = cache.call(configure.baseline_choices)
                now = current.get(key, "") or ""
                if now not in choices:
                    choices = [*choices, now]
                values[key] = st.selectbox(
                    label, choices, index=choices.index(now), key=f"set::{key}",
                    format_func=lambda b: {"": "none (the matrix splits at the median point)",
                                           "sales": "sales-sourced leads"}.get(b, b.replace("channel:", "channel: ")))
            elif typ is str:
                values[key] = st.text_input(label, current.get(key, ""), key=f"set::{key}")
            else:
                values[key] = st.number_input(label, min_value=typ(lo), max_value=typ(hi),
                                              value=typ(float(current.get(key, lo))), key=f"set::{key}")
        if st.form_submit_button("Save settings"):
            try:
                configure.save_settings(values, path, actor=who, progress=_progress("Saving the settings..."))
                st.success("Settings saved.")
            except UserError as exc:
                st.error(str(exc))

if path.exists():
    st.subheader("Currencies")
    rates = cache.call(configure.fx_rates)
    reporting = cache.call(configure.reporting_currency)
    if len(rates) > 1 or reporting:
        st.caption("Money in different currencies is never added together: until a reporting currency is set "
                   "and every currency has a rate, money figures are shown per currency.")
        with st.form("currency_form"):
            code = st.text_input("Reporting currency (ISO code, e.g. USD)", reporting or "", key="set::reporting")
            edited_rates = st.data_editor(
                rates[["currency", "rate", "rows"]], key="fx_editor", hide_index=True, disabled=["currency", "rows"],
                column_config={"currency": "Currency", "rows": st.column_config.NumberColumn("Rows with an amount"),
                               "rate": st.column_config.NumberColumn("1 unit = ... reporting currency",
                                                                     min_value=0.0, format="%.6f")})
            if st.form_submit_button("Save currencies"):
                try:
                    configure.save_currencies(code, edited_rates[["currency", "rate"]], path, actor=who,
                                              progress=_progress("Saving the currencies..."))
                    st.success("Currencies saved; every page now uses them.")
                except UserError as exc:
                    ui.user_error(exc)
    else:
        st.caption("The data states at most one currency: nothing to convert."
                   + (f" ({esc(rates['currency'].iloc[0])})" if len(rates) == 1 else ""))

st.subheader("Template")
st.download_button("Download the upload template (xlsx)", template.workbook_bytes(),
                   "revmachine_template.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

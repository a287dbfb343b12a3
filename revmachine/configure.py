"""Editing the configuration: the channel map, the settings, the stages, the currencies.

The configuration is kept in the app-state file and mirrored in the data file (state.py): every
change is one write of both (state.change_config), by a person whose role allows it, with its
audit row, and the marts are rebuilt once when they read what changed, so every page follows it.
The readers here read the data file's copy, which the marts were built from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from revmachine import access, state
from revmachine.errors import UserError

Progress = Callable[[float, str], None] | None

SETTINGS = {
    # key: (label, type, minimum, maximum). The first-touch SLA is the MQL stage's SLA hours in the
    # stage settings (one setting, used by every SLA figure), not a setting of its own here.
    "fiscal_year_start_month": ("Fiscal year starts in month (1-12)", int, 1, 12),
    "sla_min_attempts": ("SLA: minimum attempts", int, 1, 50),
    "sla_decision_days": ("SLA: accept/reject decision within (days)", float, 0.5, 90),
    "stale_days": ("A lead with no movement or sales touch for this many days is recycled (quiet, "
                   "not an exit)", int, 7, 3650),
    "currency": ("Currency symbol", str, None, None),
    "matrix_baseline": ("Marketer matrix: the alternate demand-generation channel a lead is compared with "
                        "(e.g. a purchased list, a data provider, or sales-sourced leads)", str, None, None),
}


def channel_key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", str(text).lower())


def channels(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The channel map, plus channels seen in the data that have no mapping yet (sourced_by empty)."""
    return con.execute("""
        with seen as (
            -- records per channel, from the records' rollup per combination of the filters' dimensions
            select channel, cast(sum(records) as bigint) as records
            from rollup_record_dimensions
            group by channel
        ),
        mapped as (
            select channel_label, string_agg(channel_key, ', ' order by channel_key) as keys,
                   any_value(sourced_by) as sourced_by
            from config_channels group by channel_label
        )
        select coalesce(m.channel_label, s.channel) as channel,
               case when m.channel_label is null then null else m.sourced_by end as sourced_by,
               coalesce(s.records, 0) as records
        from mapped as m
        full outer join seen as s on m.channel_label = s.channel
        where coalesce(m.channel_label, s.channel) <> 'Unknown'
        order by sourced_by nulls first, records desc, channel
    """).df()


def save_channels(edited: pd.DataFrame, path: str | Path | None = None, *, actor: access.Actor | None = None,
                  progress: Progress = None) -> int:
    """Map each channel (by its name) to marketing or sales; rows left empty stay unmapped."""
    rows = []
    for r in edited.itertuples(index=False):
        if not isinstance(r.channel, str) or not r.channel.strip() or r.sourced_by in (None, "") or pd.isna(r.sourced_by):
            continue
        if r.sourced_by not in ("marketing", "sales"):
            raise UserError(f"channel '{r.channel}': sourced by must be 'marketing' or 'sales', not '{r.sourced_by}'.")
        rows.append((r.channel.strip(), r.sourced_by))
    def apply(con: duckdb.DuckDBPyConnection) -> None:
        existing = dict(con.execute("select channel_key, channel_label from config_channels").fetchall())
        for label, src in rows:
            keys = [k for k, lbl in existing.items() if lbl == label] or [channel_key(label)]
            for k in keys:
                con.execute("insert or replace into config_channels values (?, ?, ?)", [k, label, src])

    state.change_config(path, actor, "channels", apply, target="channel map", progress=progress,
                        detail=lambda b, a: "; ".join(f"{lbl}: {src}" for lbl, src in rows) or "no change")
    return len(rows)


def settings(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("select key, value from config_settings").fetchall())


def save_settings(values: dict[str, object], path: str | Path | None = None, *, actor: access.Actor | None = None,
                  progress: Progress = None) -> None:
    clean = {}
    for key, value in values.items():
        if key not in SETTINGS:
            raise UserError(f"unknown setting '{key}'.")
        label, typ, lo, hi = SETTINGS[key]
        try:
            v = typ(value)
        except (TypeError, ValueError):
            raise UserError(f"{label}: '{value}' is not a {typ.__name__}.") from None
        if lo is not None and not (lo <= v <= hi):
            raise UserError(f"{label}: {v} is outside {lo}..{hi}.")
        if key == "matrix_baseline":
            v = _baseline_key(str(v))
        clean[key] = str(v)
    def apply(con: duckdb.DuckDBPyConnection) -> None:
        for k, v in clean.items():
            con.execute("insert or replace into config_settings values (?, ?)", [k, v])

    state.change_config(path, actor, "settings", apply, target="settings", progress=progress)


def _baseline_key(text: str) -> str:
    """'' (none: the matrix splits at the median), 'sales' (sales-sourced leads) or 'channel:<name>'."""
    t = text.strip()
    if t in ("", "median", "none"):
        return ""
    if t == "sales" or (t.startswith("channel:") and t[len("channel:"):].strip()):
        return t if t == "sales" else "channel:" + t[len("channel:"):].strip()
    raise UserError(f"matrix baseline '{t}': use a channel (channel:Purchased List), 'sales' for sales-sourced "
                    "leads, or leave it empty.")


def baseline_choices(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What the team can name as the alternate channel: every channel the leads have, and
    sales-sourced leads ('' = none)."""
    # the leads' channels from their rollup (leads per day and dimensions), not from every lead
    chans = [r[0] for r in con.execute(
        "select distinct channel from rollup_lead_outcomes where channel <> 'Unknown' order by 1"
    ).fetchall()]
    return ["", "sales", *[f"channel:{c}" for c in chans]]


STAGE_COLUMNS = ["stage", "label", "owner", "benchmark_rate", "sla_hours", "is_sql"]


def stages(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(f"select {', '.join(STAGE_COLUMNS)} from config_stages order by position").df()


def extra_stage_fields(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The mapping fields for the dates of configured stages without a leads column of their own
    ('stage:demo'), in funnel order."""
    from revmachine.ingest.stages import STANDARD_STAGES

    return [f"stage:{k}" for k in stages(con)["stage"] if k not in STANDARD_STAGES]


def validate_stages(df: pd.DataFrame) -> list[tuple]:
    """Rows in funnel order -> (position, stage, label, owner, benchmark, sla_hours, is_sql).

    Rules: 3 to 9 stages; keys are lower-case words, unique; the funnel starts at 'lead' and ends at
    'won' (leads enter at the first stage; revenue is the last); benchmarks are rates in 0..1;
    exactly one stage is the SQL stage, and it is neither the first nor the last; SLA hours, where
    set, are above 0, and the last stage has none (it hands off to nothing)."""
    rows = []
    for i, r in enumerate(df.to_dict("records"), start=1):
        key = str(r.get("stage") or "").strip().lower()
        if not key:
            continue
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", key):
            raise UserError(f"stage '{key}': use a short lower-case name (letters, digits, _).")
        label = str(r.get("label") or key).strip() or key
        owner = str(r.get("owner") or "shared").strip().lower()
        if owner not in ("marketing", "sales", "shared"):
            raise UserError(f"stage '{key}': owner must be marketing, sales or shared.")
        bench = r.get("benchmark_rate")
        bench = None if bench is None or pd.isna(bench) else float(bench)
        if bench is not None and not 0 <= bench <= 1:
            raise UserError(f"stage '{key}': the benchmark is a rate between 0 and 1 (e.g. 0.25 for 25%).")
        sla = r.get("sla_hours")
        sla = None if sla is None or pd.isna(sla) else float(sla)
        if sla is not None and not 0 < sla <= 24 * 365:
            raise UserError(f"stage '{key}': SLA hours must be above 0 (and at most a year), or empty for no SLA.")
        rows.append((i, key, label, owner, bench, sla, bool(r.get("is_sql"))))
    keys = [r[1] for r in rows]
    if len(set(keys)) != len(keys):
        raise UserError("each stage name must be used once.")
    if not 3 <= len(rows) <= 9:
        raise UserError(f"a funnel has 3 to 9 stages (seed 002 suggests 5 to 7); this one has {len(rows)}.")
    if keys[0] != "lead" or keys[-1] != "won":
        raise UserError("the funnel must start at 'lead' and end at 'won' (rename them with the label).")
    if sum(r[6] for r in rows) != 1 or rows[0][6] or rows[-1][6]:
        raise UserError("mark exactly one stage, between the first and the last, as the SQL stage.")
    # an SLA on a stage times the handoff to the next one: the last stage hands off to nothing
    if rows[-1][5] is not None:
        raise UserError(f"stage '{rows[-1][1]}': the last stage has no next stage to hand off to, so it "
                        "cannot have SLA hours; leave them empty.")
    # positions renumbered 1..n in the order given
    return [(i, *r[1:]) for i, r in enumerate(rows, start=1)]


def save_stages(df: pd.DataFrame, path: str | Path | None = None, *, actor: access.Actor | None = None,
                progress: Progress = None) -> int:
    rows = validate_stages(df)

    def apply(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("delete from config_stages")
        con.executemany("insert into config_stages values (?, ?, ?, ?, ?, ?, ?)", rows)

    state.change_config(path, actor, "stages", apply, target="funnel stages", progress=progress,
                        detail=" → ".join(f"{r[1]} ({r[2]})" for r in rows))
    return len(rows)


# --- money: the reporting currency and exchange rates ------------------------------------------
# Money is never added across currencies: until every currency in the data has a rate into the
# reporting currency, money figures are computed per currency (queries/marts/money_basis.sql).

_ISO = re.compile(r"[A-Z]{3}")


def _iso(code: object, what: str) -> str:
    text = str(code or "").strip().upper()
    if not _ISO.fullmatch(text):
        raise UserError(f"{what} '{code}': use a three-letter ISO 4217 code (USD, EUR, GBP...).")
    return text


def reporting_currency(con: duckdb.DuckDBPyConnection) -> str | None:
    """The ISO code money is reported in, or None until it is set."""
    r = con.execute("select value from config_settings where key = 'reporting_currency'").fetchall()
    return (r[0][0] or "").strip().upper() or None if r else None


def save_reporting_currency(code: str | None, path: str | Path | None = None, *, actor: access.Actor | None = None,
                            progress: Progress = None) -> None:
    """Set (or, with None / '', clear) the reporting currency; the marts follow in the same write."""
    save_currencies(code, None, path, actor=actor, progress=progress)


def fx_rates(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every currency the data states (deals, targets, spend, campaigns, ad spend) or a rate names:
    currency, rate (1 unit = rate units of the reporting currency; None: no rate yet), rows (how many
    rows with an amount state it), is_reporting."""
    return con.execute("""
        with stated as (
            select upper(trim(currency)) as currency, count(*) as rows
            from (
                select currency from deals where amount is not null
                union all select currency from targets where revenue_target is not null
                union all select currency from spend where amount is not null
                union all select currency from campaigns where spend is not null
                union all select currency from ad_spend where cost is not null
            )
            where nullif(trim(currency), '') is not null
            group by 1
        ),
        rep as (
            select nullif(upper(trim(value)), '') as code from config_settings where key = 'reporting_currency'
        ),
        named as (
            select currency from stated
            union select upper(currency) from config_fx_rates
            union select code from rep where code is not null
        )
        select
            n.currency,
            case when n.currency = (select code from rep) then 1.0 else r.rate end as rate,
            coalesce(s.rows, 0) as rows,
            coalesce(n.currency = (select code from rep), false) as is_reporting
        from named as n
        left join stated as s on n.currency = s.currency
        left join config_fx_rates as r on upper(r.currency) = n.currency
        order by is_reporting desc, rows desc, n.currency
    """).df()


def save_fx_rates(rates: dict[str, float | None] | pd.DataFrame, path: str | Path | None = None, *,
                  actor: access.Actor | None = None, progress: Progress = None) -> int:
    """Save exchange rates (currency -> rate, 1 unit = rate units of the reporting currency); a
    rate of None / blank removes that currency's rate. A DataFrame needs columns currency, rate.
    Returns how many rates are stored. The marts follow in the same write."""
    return save_currencies(UNCHANGED, rates, path, actor=actor, progress=progress)


UNCHANGED = object()  # save_currencies: leave the reporting currency as it is


def save_currencies(code: object, rates: dict[str, float | None] | pd.DataFrame | None,
                    path: str | Path | None = None, *, actor: access.Actor | None = None,
                    progress: Progress = None) -> int:
    """The reporting currency (code; UNCHANGED leaves it as it is, None or '' clears it) and exchange rates
    (as save_fx_rates; None leaves them) in one write: the marts are rebuilt once. Returns how many
    rates are stored."""
    value = None if code is UNCHANGED else ("" if code is None or not str(code).strip()
                                       else _iso(code, "reporting currency"))
    clean = _clean_rates(rates) if rates is not None else {}

    def apply(con: duckdb.DuckDBPyConnection) -> int:
        if value is not None:
            con.execute("insert or replace into config_settings values ('reporting_currency', ?)", [value])
        for iso, v in clean.items():
            con.execute("delete from config_fx_rates where upper(currency) = ?", [iso])
            if v is not None:
                con.execute("insert into config_fx_rates values (?, ?)", [iso, v])
        return con.execute("select count(*) from config_fx_rates").fetchall()[0][0]

    return state.change_config(path, actor, "currencies", apply, target="currencies", progress=progress)


def _clean_rates(rates: dict[str, float | None] | pd.DataFrame) -> dict[str, float | None]:
    if isinstance(rates, pd.DataFrame):
        items = [(r.currency, r.rate) for r in rates[["currency", "rate"]].itertuples(index=False)]
    else:
        items = list(rates.items())
    clean: dict[str, float | None] = {}
    for code, rate in items:
        iso = _iso(code, "currency")
        if rate is None or (isinstance(rate, float) and pd.isna(rate)) or str(rate).strip() == "":
            clean[iso] = None
            continue
        try:
            value = float(str(rate).replace(",", "."))
        except ValueError:
            raise UserError(f"exchange rate for {iso}: '{rate}' is not a number.") from None
        if not value > 0:
            raise UserError(f"exchange rate for {iso}: {rate} must be above 0 (1 {iso} = rate units "
                            "of the reporting currency).")
        clean[iso] = value
    return clean

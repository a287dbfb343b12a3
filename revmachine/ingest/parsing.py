"""SQL expressions that type one text column: dates, amounts, integers, booleans.

Only code constants and column identifiers (c0, c1, ...) are placed in SQL text; cell values are
never part of a statement. Date formats are detected per column (day/month order is never guessed
per cell: an ambiguous column is asked about).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

ISO = [
    "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f", "%Y/%m/%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
    "%Y.%m.%d",
    "%d %b %Y", "%d-%b-%Y", "%d-%b-%y", "%d %b %y", "%b %d, %Y", "%B %d, %Y", "%d %B %Y", "%b %d %Y",
    "%B %d %Y", "%d. %B %Y", "%d %b %Y %H:%M", "%b %d, %Y %I:%M %p", "%b %d, %Y %H:%M",
    "%a, %d %b %Y %H:%M:%S",
]
ISO_TZ = [
    "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M%z", "%Y-%m-%d %H:%M%z",
]
_TIMES = ["", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p"]
MDY = [f"{d}{t}" for d in ("%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y", "%m.%d.%Y") for t in _TIMES]
DMY = [f"{d}{t}" for d in ("%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%d.%m.%y") for t in _TIMES]

SERIAL_RE = r"^\d{1,7}(\.\d+)?$"
TZ_RE = r"([+-]\d{2}:?\d{2}|Z|UTC)$"
EXCEL_MAX_SERIAL = 2958465  # 9999-12-31


def _lit(fmts: list[str]) -> str:
    return "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in fmts) + "]"


def _clean(col: str) -> str:
    # 'Z'/'UTC' suffix -> +00:00 so %z parses it
    return (
        f"regexp_replace(regexp_replace(trim({col}), '(Z|\\s*UTC)$', '+00:00'), '\\s+', ' ', 'g')"
    )


@dataclass
class DateFormat:
    order: str | None  # 'mdy' | 'dmy' | None (no slashed dates)
    has_serials: bool
    has_tz: bool
    ambiguous: bool
    unparsed: int  # text values no candidate format reads
    sample_bad: list[str]


def detect_dates(con: duckdb.DuckDBPyConnection, table: str, col: str) -> DateFormat:
    """Which formats one text column holds (table and col are code-made identifiers)."""
    q = f"""
        with v as (
            select distinct {_clean(col)} as v from {table} where nullif(trim({col}), '') is not null
            limit 20000
        ),
        t as (
            select
                v,
                regexp_full_match(v, '{SERIAL_RE[1:-1]}') as is_serial,
                regexp_matches(v, '{TZ_RE}') as is_tz,
                try_strptime(v, {_lit(ISO)}) is not null as iso_ok,
                try_strptime(v, {_lit(ISO_TZ)}) is not null as tz_ok,
                try_strptime(v, {_lit(MDY)}) is not null as mdy_ok,
                try_strptime(v, {_lit(DMY)}) is not null as dmy_ok
            from v
        )
        select
            count(*) filter (where is_serial) as serials,
            count(*) filter (where is_tz and tz_ok) as tz,
            count(*) filter (where not is_serial and not iso_ok and not tz_ok and mdy_ok and not dmy_ok)
                as only_mdy,
            count(*) filter (where not is_serial and not iso_ok and not tz_ok and dmy_ok and not mdy_ok)
                as only_dmy,
            count(*) filter (where not is_serial and not iso_ok and not tz_ok and dmy_ok and mdy_ok)
                as both,
            count(*) filter (where not is_serial and not iso_ok and not tz_ok and not mdy_ok
                and not dmy_ok) as bad,
            list(v) filter (where not is_serial and not iso_ok and not tz_ok and not mdy_ok
                and not dmy_ok)[1:3] as bad_sample
        from t
    """
    serials, tz, only_mdy, only_dmy, both, bad, bad_sample = con.execute(q).fetchall()[0]
    order = None
    ambiguous = False
    if only_mdy and only_dmy:
        # both orders appear unambiguously: values of the minority order count as unreadable
        order = "mdy" if only_mdy >= only_dmy else "dmy"
        bad += min(only_mdy, only_dmy)
    elif only_mdy:
        order = "mdy"
    elif only_dmy:
        order = "dmy"
    elif both:
        ambiguous = True
    return DateFormat(order, serials > 0, tz > 0, ambiguous, bad, list(bad_sample or []))


def timestamp_expr(col: str, fmt: DateFormat, order: str | None, tz: str) -> str:
    """Text -> naive timestamp in the configured timezone `tz` (a code-validated zone name)."""
    v = _clean(col)
    fmts = list(ISO)
    if order == "mdy":
        fmts += MDY
    elif order == "dmy":
        fmts += DMY
    parts = []
    if fmt.has_serials:
        parts.append(
            f"when regexp_full_match({v}, '{SERIAL_RE[1:-1]}') "
            f"and try_cast({v} as double) between 1 and {EXCEL_MAX_SERIAL} "
            f"then timestamp '1899-12-30' + to_microseconds("
            f"cast(round(try_cast({v} as double) * 86400000000) as bigint))"
        )
    if fmt.has_tz:
        tz_sql = tz.replace("'", "")
        parts.append(
            f"when regexp_matches({v}, '{TZ_RE}') "
            f"then timezone('{tz_sql}', try_strptime({v}, {_lit(ISO_TZ)}))"
        )
    parts.append(f"else try_strptime({v}, {_lit(fmts)})")
    return "case " + " ".join(parts) + " end" if len(parts) > 1 else f"try_strptime({v}, {_lit(fmts)})"


def amount_expr(col: str) -> str:
    """'$1,200.50', '1.200,50 €', '(300)', '-45', '1e6' -> decimal(18,2); NULL when unreadable."""
    v = f"trim({col})"
    s = f"regexp_replace({v}, '[^0-9,.]', '', 'g')"
    last_dot = f"(length({s}) - instr(reverse({s}), '.'))"
    last_comma = f"(length({s}) - instr(reverse({s}), ','))"
    number = f"""(case
        when regexp_full_match({v}, '[+-]?\\d+(\\.\\d+)?[eE][+-]?\\d+') then try_cast({v} as double)
        when {s} = '' then null
        when instr({s}, '.') > 0 and instr({s}, ',') > 0 then
            case when {last_dot} > {last_comma}
                then try_cast(replace({s}, ',', '') as double)
                else try_cast(replace(replace({s}, '.', ''), ',', '.') as double) end
        when instr({s}, ',') > 0 then
            case when regexp_full_match({s}, '\\d{{1,3}}(,\\d{{3}})+')
                then try_cast(replace({s}, ',', '') as double)
                else try_cast(replace({s}, ',', '.') as double) end
        when regexp_full_match({s}, '\\d{{1,3}}(\\.\\d{{3}}){{2,}}') then try_cast(replace({s}, '.', '') as double)
        else try_cast({s} as double)
    end)"""
    negative = (
        f"(regexp_full_match({v}, '\\(.*\\)') or regexp_matches({v}, '^[^0-9]*-') "
        f"or regexp_matches({v}, '-$'))"
    )
    # letters other than currency codes mean it is not an amount ('n/a', 'tbd')
    junk = f"regexp_matches(regexp_replace({v}, '(?i)(usd|eur|gbp|chf|cad|aud|[a-z]{{3}}$|^[a-z]{{3}})', '', 'g'), '[A-Za-z]')"
    return (
        f"case when {junk} and not regexp_full_match({v}, '[+-]?\\d+(\\.\\d+)?[eE][+-]?\\d+') then null "
        f"else cast(case when {negative} then -abs({number}) else {number} end as decimal(18, 2)) end"
    )


def integer_expr(col: str) -> str:
    return f"try_cast(round({amount_expr(col)}) as integer)"


TRUE_WORDS = ("yes", "y", "true", "t", "1", "x", "won", "closed won", "win", "ja", "oui", "si")
FALSE_WORDS = ("no", "n", "false", "f", "0", "lost", "closed lost", "nein", "non")


def bool_expr(col: str) -> str:
    v = f"lower(trim({col}))"
    t = ", ".join(f"'{w}'" for w in TRUE_WORDS)
    f = ", ".join(f"'{w}'" for w in FALSE_WORDS)
    return f"case when {v} in ({t}) then true when {v} in ({f}) then false end"


def text_expr(col: str) -> str:
    return f"nullif(regexp_replace(trim({col}), '\\s+', ' ', 'g'), '')"

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
    "%a, %d %b %Y %H:%M:%S", "%B %d, %Y %I:%M %p", "%b %d, %Y %I:%M:%S %p", "%B %d, %Y %H:%M",
    "%d-%b-%Y %H:%M", "%d-%b-%Y %H:%M:%S", "%d %B %Y %H:%M", "%A, %B %d, %Y", "%a, %b %d, %Y",
    "%b %d, %Y, %I:%M %p", "%B %d, %Y, %I:%M %p", "%b %d %Y %I:%M %p", "%d %b, %Y", "%Y%m%d",
    # Zoho CRM's exports: '14 Mar, 2021 00:01:00'; a dotted day before a month name ('1. Okt. 2024',
    # once the month is read as English: locales.month_sql)
    "%d %b, %Y %H:%M:%S", "%d %b, %Y %H:%M", "%d %b, %Y %I:%M %p", "%d %b, %Y %I:%M:%S %p",
    "%d %b %Y %H:%M:%S", "%d %b %Y %I:%M %p", "%d. %b %Y", "%d. %b %Y %H:%M", "%d. %b %Y %H:%M:%S",
    "%d.%b %Y", "%b %d, %Y %H:%M:%S", "%d-%b-%Y %I:%M %p",
]
ISO_TZ = [
    "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M%z", "%Y-%m-%d %H:%M%z",
]
_TIMES = ["", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p"]
# 2-digit-year forms first: strptime's %Y also reads '26' (as the year 26), %y never reads '2026'
MDY = [f"{d}{t}" for d in ("%m/%d/%y", "%m/%d/%Y", "%m-%d-%y", "%m-%d-%Y", "%m.%d.%Y") for t in _TIMES]
DMY = [f"{d}{t}" for d in ("%d/%m/%y", "%d/%m/%Y", "%d-%m-%y", "%d-%m-%Y", "%d.%m.%y", "%d.%m.%Y")
       for t in _TIMES]

SERIAL_RE = r"^\d{1,7}(\.\d+)?$"
# an offset after a time: +02:00, +0200, +02 (hour only), Z, UTC. The time is part of the pattern so
# that a date's own "-02" (2026-01-02) is not taken for an offset
TZ_RE = r"\d:\d{2}(:\d{2}(\.\d+)?)?\s*([+-]\d{2}(:?\d{2})?|Z|UTC)$"
EXCEL_MAX_SERIAL = 2958465  # 9999-12-31


def _lit(fmts: list[str]) -> str:
    return "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in fmts) + "]"


def _tz_clean(v: str) -> str:
    # 'Z'/'UTC' suffix -> +00:00 so %z parses it; no space before the offset (the ISO_TZ forms have none)
    return f"regexp_replace(regexp_replace({v}, '(Z|\\s*UTC)$', '+00:00'), '\\s+([+-]\\d{{2}}(:?\\d{{2}})?)$', '\\1')"


@dataclass
class DateFormat:
    order: str | None  # 'mdy' | 'dmy' | None (no numeric d/m/y dates)
    has_serials: bool
    has_tz: bool
    ambiguous: bool


NUMERIC_DMY_RE = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}"


def iso_cast(v: str) -> str:
    """DuckDB's fast ISO cast of text `v`, only for text that starts with a 4-digit year (the cast
    reads '01-02-26' as the year 1)."""
    return f"case when substr({v}, 5, 1) in ('-', '/') then try_cast({v} as timestamp) end"


def iso_first_expr(col: str) -> str:
    """The first typing of a date column: ISO text by DuckDB's fast cast (trimming only the text
    the plain cast refuses), anything else NULL. stage.py then detects the format of the values
    this left unread and types those (detect_dates, timestamp_expr): most exports are all ISO
    and never pay for detection. Text with a timezone is left to the second step: the plain cast
    would drop its offset. (Such text is at least 17 characters: 'YYYY-MM-DDTHH:MMZ'.)"""
    return (f"case when strlen({col}) >= 17 and regexp_matches({col}, '{TZ_RE[:-1]}\\s*$') then null "
            f"else coalesce({iso_cast(col)}, {iso_cast(f'trim({col})')}) end")


def detect_dates(con: duckdb.DuckDBPyConnection, table: str, cols: list[str]) -> dict[str, DateFormat]:
    """Which date forms each text column holds, from every value given (no sampling, so a single
    31/01 anywhere settles a column's day/month order). table (a table or a parenthesised select)
    and cols are code-made. Values no format reads are counted after typing (stage.py reports them
    with their rows)."""
    if not cols:
        return {}
    values, aggs = [], []
    for i, col in enumerate(cols):
        v = f"nullif(trim({col}), '')"
        values += [f"{v} as v{i}", f"regexp_extract({v}, '{NUMERIC_DMY_RE}', ['first', 'second']) as p{i}"]
        aggs += [
            f"bool_or(regexp_full_match(v{i}, '{SERIAL_RE[1:-1]}')) as s{i}",
            f"bool_or(regexp_matches(v{i}, '{TZ_RE}')) as z{i}",
            f"count(*) filter (where try_cast(p{i}.first as integer) > 12) as d{i}",
            f"count(*) filter (where try_cast(p{i}.second as integer) > 12) as m{i}",
            f"count(*) filter (where p{i}.first <> '') as n{i}",
        ]
    row = con.execute(
        f"with x as (select {', '.join(values)} from {table}) select {', '.join(aggs)} from x"
    ).fetchall()[0]
    out = {}
    for i, col in enumerate(cols):
        has_serials, has_tz, only_dmy, only_mdy, numeric = row[5 * i: 5 * i + 5]
        order, ambiguous = None, False
        if only_mdy and only_dmy:
            # both orders appear: the minority's values will not parse and are reported as unreadable
            order = "mdy" if only_mdy >= only_dmy else "dmy"
        elif only_mdy:
            order = "mdy"
        elif only_dmy:
            order = "dmy"
        elif numeric:
            ambiguous = True
        out[col] = DateFormat(order, bool(has_serials), bool(has_tz), ambiguous)
    return out


def timestamp_expr(col: str, fmt: DateFormat, order: str | None, tz: str) -> str:
    """Text -> naive timestamp in the configured timezone `tz` (a code-validated zone name)."""
    v = f"trim({col})"
    # the numeric day/month forms first: strptime's %Y also takes 2 digits, so '%Y-%m-%d' would
    # read '01-02-26' as the year 1 (a 4-digit-year value fails the d/m forms)
    fmts = {"mdy": MDY, "dmy": DMY}.get(order or "", []) + ISO
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
            f"then timezone('{tz_sql}', try_strptime({_tz_clean(v)}, {_lit(ISO_TZ)}))"
        )
    # ISO text takes DuckDB's fast cast; everything else the detected formats; a month written in
    # another language ('1 oktober 2024', '14 mars 2021') is read once its name is English
    from revmachine.ingest.locales import month_sql

    local = (f"case when regexp_matches({v}, '[A-Za-z\u00c0-\u024f]') "
             f"then try_strptime({month_sql(v)}, {_lit(fmts)}) end")
    plain = f"coalesce({iso_cast(v)}, try_strptime({v}, {_lit(fmts)}), {local})"
    return "case " + " ".join(parts) + f" else {plain} end" if parts else plain


_CODES = ("usd|eur|gbp|jpy|chf|cad|aud|nzd|sek|nok|dkk|pln|czk|huf|ron|try|zar|inr|cny|hkd|sgd|krw|brl|mxn|"
          "ars|clp|cop|ils|aed|sar|rub|thb|myr|idr|php|twd|vnd")
# a magnitude suffix after the digits: '$1.2M', '12K', '3.4 bn'
_SUFFIX = r"(?i)(\d)\s*(k|mm|mn|m|bn|b)\b(\W*)$"
_PERIOD_WORDS = (r"(?i)\s*(/|per\s+|a\s+)?(mo|mth|month|monthly|yr|year|yearly|annual|annually|p\.?a\.?|week|weekly|"
                 r"quarter|quarterly|one[ -]?time)\.?\s*$")


MAX_AMOUNT = 1e16  # decimal(18, 2) holds up to 9,999,999,999,999,999.99: a larger value is no amount


def _money(x: str) -> str:
    """A double as decimal(18, 2); NULL when it is too large for one (the cell is then reported as
    unreadable, with its row, instead of failing the whole load)."""
    return f"case when abs({x}) < {MAX_AMOUNT} then cast({x} as decimal(18, 2)) end"


def amount_expr(col: str, decimal: str | None = None) -> str:
    """'$1,200.50', '1.200,50 €', '(300)', '-45', '1e6', 'USD 1,200.00', '$1.2M', '12K' -> decimal(18,2);
    NULL when unreadable or a placeholder ('--', 'N/A', '< 10%'), or too large for an amount.

    decimal: the column's decimal mark, decided from all its values and the file's conventions
    (decimal_mark): ',' reads '1.500' as 1500 and '12,5' as 12.5; '.' reads '1,500' as 1500 and
    '1.5' as 1.5; None decides per value (a value with both marks: the last one is the decimal)."""
    v = f"trim({col})"
    mult = (f"(case when regexp_matches({v}, '(?i)\\d\\s*k\\b\\W*$') then 1e3 "
            f"when regexp_matches({v}, '(?i)\\d\\s*(mm|mn|m)\\b\\W*$') then 1e6 "
            f"when regexp_matches({v}, '(?i)\\d\\s*(bn|b)\\b\\W*$') then 1e9 else 1 end)")
    # a recurring value written with its period ('$1,299 monthly', '99/mo') is read at face value
    per = f"regexp_replace({v}, '{_PERIOD_WORDS}', '')"
    bare = f"regexp_replace({per}, '{_SUFFIX}', '\\1\\3')"
    s = f"regexp_replace({bare}, '[^0-9,.]', '', 'g')"
    last_dot = f"(length({s}) - instr(reverse({s}), '.'))"
    last_comma = f"(length({s}) - instr(reverse({s}), ','))"
    # the column's mark reads only the values that cannot tell on their own ('1.500', '1,500');
    # '1.234,56' and '12,5' say their mark themselves, whatever the column's
    by_mark = ""
    if decimal == ",":
        by_mark = (f"when regexp_full_match({s}, '\\d{{1,3}}(\\.\\d{{3}})+') then try_cast(replace({s}, '.', '') as double) "
                   f"when regexp_full_match({s}, '\\d+,\\d+') then try_cast(replace({s}, ',', '.') as double)")
    elif decimal == ".":
        by_mark = (f"when regexp_full_match({s}, '\\d{{1,3}}(,\\d{{3}})+') then try_cast(replace({s}, ',', '') as double) "
                   f"when regexp_full_match({s}, '\\d+\\.\\d+') then try_cast({s} as double)")
    number = f"""(case
        when regexp_full_match({v}, '[+-]?\\d+(\\.\\d+)?[eE][+-]?\\d+') then try_cast({v} as double)
        when {s} = '' then null
        {by_mark}
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
        f"(regexp_full_match({v}, '\\(.*\\)') or regexp_matches({v}, '^[^0-9]*[-\u2212]') "
        f"or regexp_matches({v}, '[-\u2212]$'))"
    )
    # letters other than currency codes and a magnitude suffix mean it is not an amount ('n/a', 'tbd');
    # so do a percent sign and a bound ('< 10%')
    junk = (f"(regexp_matches(regexp_replace(regexp_replace({bare}, '(?i)(^|[^a-z])({_CODES})([^a-z]|$)', '\\1\\3', 'g'), "
            f"'(?i)(us|ca|a|c|nz|hk|r)\\$', '$', 'g'), '[A-Za-z]') or regexp_matches({v}, '[%<>]'))")
    full = (
        f"case when {junk} and not regexp_full_match({v}, '[+-]?\\d+(\\.\\d+)?[eE][+-]?\\d+') then null "
        f"else {_money(f'(case when {negative} then -abs({number}) else {number} end) * {mult}')} end"
    )
    # a plain number ('1200.5', '-45', '1e6') takes DuckDB's cast: the same value as the rules
    # above give it, without their regular expressions (NaN and infinity are not plain numbers).
    # With a decimal comma, a dot is a thousands separator: '1.500' is not the plain number 1.5
    plain = f"try_cast({col} as double)"
    if decimal == ",":
        plain = f"case when not contains({col}, '.') then {plain} end"
    return f"case when isfinite({plain}) then {_money(plain)} else {full} end"


# currency signs -> ISO codes ('$' is read as US dollars only where other currencies are marked too)
CURRENCY_SIGNS = (("US$", "USD"), ("CA$", "CAD"), ("C$", "CAD"), ("A$", "AUD"), ("AU$", "AUD"), ("NZ$", "NZD"),
                  ("HK$", "HKD"), ("R$", "BRL"), ("S$", "SGD"), ("\u20ac", "EUR"), ("\u00a3", "GBP"), ("\u00a5", "JPY"),
                  ("\u20b9", "INR"), ("$", "USD"))


def currency_mark_expr(col: str) -> str:
    """The currency an amount's text names: an ISO code ('USD 1,200.00', '3.400,00 EUR') or a sign
    ('\u20ac', '\u00a3', 'A$', '$'); NULL when it names none."""
    v = f"trim({col})"
    signs = " ".join(f"when contains({v}, '{sign}') then '{code}'" for sign, code in CURRENCY_SIGNS)
    return (f"case when regexp_matches({v}, '(?i)(^|[^a-z])({_CODES})([^a-z]|$)') "
            f"then upper(regexp_extract({v}, '(?i)(^|[^a-z])({_CODES})([^a-z]|$)', 2)) {signs} end")


def currency_code_expr(col: str) -> str:
    """A currency column's value as an ISO code: 'usd', 'US Dollar', '\u20ac', 'Euro' -> 'USD', 'EUR'."""
    from revmachine.ingest.sniff import CURRENCY_NAMES

    v = f"trim({col})"
    names = " ".join(f"when lower({v}) = '{n}' then '{c}'" for n, c in CURRENCY_NAMES.items())
    signs = " ".join(f"when {v} = '{sign}' then '{code}'" for sign, code in CURRENCY_SIGNS)
    return (f"case when regexp_full_match({v}, '(?i)[a-z]{{3}}') then upper({v}) {names} {signs} "
            f"when regexp_matches({v}, '(?i)^[a-z]{{3}}\\b') then upper(substr({v}, 1, 3)) end")


def pct_expr(col: str, scale: float) -> str:
    """'15', '15%', '0.15', '15,5 %' -> a fraction; a value with a % sign is divided by 100, the others
    by `scale` (100 when the column holds values over 1, decided from its sample). '< 10%' -> NULL."""
    v = f"trim({col})"
    num = f"try_cast(replace(replace(replace({v}, '%', ''), ' ', ''), ',', '.') as double)"
    return (f"case when regexp_matches({v}, '[<>]') then null when contains({v}, '%') then {num} / 100 "
            f"else {num} / {float(scale)} end")


def decimal_mark(p, hint: str | None, text_file: bool) -> str | None:
    """A column's decimal mark ('.' or ','), from all its sampled values (sniff.ColumnProfile): a mark
    followed by 1-2 or 4+ digits, or the later of two marks ('1.234,56'), is the decimal; the other is
    the thousands separator. A column whose values cannot tell ('1.500', '12.000' only) follows the
    file's conventions (`hint`: the other amount columns, a ';' delimiter, dd.mm.yyyy dates); with no
    convention, a text file's '1.500' is 'ask' (1.5 or 1500 is the user's answer, never a guess), and
    '1,500' the English thousands. A workbook's numbers are typed: a dot is their decimal."""
    if p is None:
        return hint
    comma, dot = p.dec_comma, p.dec_dot
    if comma or dot:
        return "," if comma > dot else "."
    if p.grp_dot:
        return hint or ("ask" if text_file else ".")
    if p.grp_comma:
        return hint or "."
    return hint


def number_expr(col: str, decimal: str | None = None) -> str:
    return f"cast({amount_expr(col, decimal)} as double)"


def integer_expr(col: str, decimal: str | None = None) -> str:
    return f"try_cast(round({amount_expr(col, decimal)}) as integer)"


TRUE_WORDS = ("yes", "y", "true", "t", "1", "1.0", "x", "won", "closed won", "win", "ja", "oui", "si", "s\u00ed",
              "checked", "\u2713", "\u2714", "wahr", "vrai", "on", "converted")
FALSE_WORDS = ("no", "n", "false", "f", "0", "0.0", "lost", "closed lost", "nein", "non", "unchecked", "falsch",
               "faux", "off", "not converted")


def bool_expr(col: str) -> str:
    v = f"lower(trim({col}))"
    t = ", ".join(f"'{w}'" for w in TRUE_WORDS)
    f = ", ".join(f"'{w}'" for w in FALSE_WORDS)
    return f"case when {v} in ({t}) then true when {v} in ({f}) then false end"


def text_expr(col: str) -> str:
    """Trimmed, runs of whitespace folded to one space, '' -> NULL. Cheap checks first: most
    values need neither, and trim copies every string it is given. trim strips spaces and some
    non-ASCII spaces, so text with a non-ASCII character is always trimmed."""
    trimmed = (f"case when prefix({col}, ' ') or suffix({col}, ' ') or strlen({col}) <> length({col}) "
               f"then trim({col}) else {col} end")
    return (f"nullif(case when contains({col}, '  ') or contains({col}, chr(9)) or contains({col}, chr(10)) "
            f"then regexp_replace(trim({col}), '\\s+', ' ', 'g') else {trimmed} end, '')")

"""Column content: what a sample of a sheet's values looks like, for what headers cannot tell.

`profile_sheet` reads the first SAMPLE_ROWS non-blank rows of a sheet into the stager's DuckDB and
measures, per column and in one query, the share of values that read as dates, numbers, money,
percentages, booleans, ids, e-mail addresses, currency codes or period labels; then the distinct
values of the low-cardinality columns are matched against the stage and status vocabularies
(stages.py). Null sentinels (`--`, `N/A`, Salesforce's all-zero id...) count as blank.

The recogniser (recognise.py) weighs a header's name by these shares: a 'Revenue' column holding
'System Calculated' is not an amount; a column of Closed Won / Prospecting values is a stage
whatever its header; a column of unique id-like values is an id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from revmachine.ingest import stages

SAMPLE_ROWS = 1000

# Salesforce record ids (15 or 18 characters) tell their object by their first three characters, the key
# prefix (Salesforce Help 000385203, "Salesforce record ID prefixes"), whatever the column's header
SF_PREFIXES = {"001": "account", "003": "contact", "005": "user", "006": "opportunity", "00Q": "lead",
               "701": "campaign", "00T": "task", "00U": "event", "008": "opportunity history"}
_SF_ID = r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$"
STAGE_DISTINCT_MAX = 60  # a column with more distinct values is not a stage or status

# values that mean 'nothing here' in exports; compared after trim, case-insensitive
NULL_SENTINELS = ("", "-", "--", "---", "n/a", "#n/a", "null", "(blank)", "(none)", "--none--", "undefined",
                  "000000000000000", "000000000000000aaa", "nan", "#value!", "#ref!", "#div/0!", "none")

CURRENCY_NAMES = {
    "us dollar": "USD", "us dollars": "USD", "dollar": "USD", "usd": "USD", "euro": "EUR", "euros": "EUR",
    "pound sterling": "GBP", "british pound": "GBP", "pound": "GBP", "japanese yen": "JPY", "yen": "JPY",
    "swiss franc": "CHF", "canadian dollar": "CAD", "australian dollar": "AUD", "indian rupee": "INR",
    "swedish krona": "SEK", "norwegian krone": "NOK", "danish krone": "DKK", "polish zloty": "PLN",
    "brazilian real": "BRL", "mexican peso": "MXN", "singapore dollar": "SGD", "hong kong dollar": "HKD",
    "new zealand dollar": "NZD", "south african rand": "ZAR", "chinese yuan": "CNY", "yuan renminbi": "CNY",
}

_DATE_NUMERIC = r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}([ T]\d{1,2}:\d{2}(:\d{2})?(\s?[AaPp][Mm])?)?$"
_DATE_MONTHS = (r"(?i)^(\d{1,2}[ \-.]+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?[ \-.,]+"
                r"(\d{1,2}(st|nd|rd|th)?,?[ \-]+)?\d{2,4}")
_MONEY = ("^[(\\-\u2212+]?\\s*([A-Za-z]{3}|[$\u20ac\u00a3\u00a5\u20b9]|R\\$|A\\$|C\\$|CA\\$|US\\$|NZ\\$|HK\\$)?\\s*"
          "[(\\-\u2212]?\\d[\\d.,\\s\u2019']*\\s*([kKmMbB]|bn|mn|mm|MM)?\\s*([A-Za-z]{3}|[$\u20ac\u00a3\u00a5\u20b9])?\\s*\\)?-?$")
_NUMERIC_DM = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}"
_ID = r"^[A-Za-z0-9{][A-Za-z0-9_\-:.{}/#@]{0,63}$"  # one token, no spaces
# a number's decimal mark, told by its digits: a mark followed by 1-2 or 4+ digits at the end, or the
# later of two marks; a lone group of three digits after a mark tells nothing ('1.500', '1,500')
_DEC_COMMA = r"(^|[^\d.,])\d+(\.\d{3})*,(\d{1,2}|\d{4,})\D*$|\d\.\d{3},\d+\D*$"
_DEC_DOT = r"(^|[^\d.,])\d+(,\d{3})*\.(\d{1,2}|\d{4,})\D*$|\d,\d{3}\.\d+\D*$"
_GRP_DOT = r"^\D*\d{1,3}(\.\d{3})+\D*$"
_GRP_COMMA = r"^\D*\d{1,3}(,\d{3})+\D*$"
_PERIOD = (r"(?i)^((fy|q)\s?\d|quarter\s?\d|\d{4}\s?-?\s?(q|h)\d|(q|h)\d\s?-?\s?\d{2,4}|\d{4}-\d{2}$|"
           r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?[ \-']*\d{2,4}$|\d{4}$|fy\s?\d{2,4})")


@dataclass
class ColumnProfile:
    index: int
    n: int = 0  # non-blank values in the sample
    distinct: int = 0
    date: float = 0.0  # shares of the non-blank values
    date_text: float = 0.0  # dates written as text (not Excel serials)
    number: float = 0.0
    integer: float = 0.0
    money: float = 0.0
    money_marked: float = 0.0  # with a currency sign or code
    pct: float = 0.0
    bool: float = 0.0
    idlike: float = 0.0
    email: float = 0.0
    currency: float = 0.0
    period: float = 0.0
    text: float = 0.0  # has letters and is none of the above
    stage: float = 0.0  # share (by rows) of values that are stage words
    status: float = 0.0  # share of values that are open / won / lost words
    day_first: int = 0  # numeric dates whose first part is over 12 (31/01/2026): day first
    month_first: int = 0  # ... whose second part is over 12 (01/31/2026): month first
    dec_comma: int = 0  # values whose decimal mark is a comma ('12,34', '1.234,56', '0,1234')
    dec_dot: int = 0  # ... a dot ('12.34', '1,234.56')
    grp_dot: int = 0  # values that only a convention can read: '1.500' (1.5 or 1500?)
    grp_comma: int = 0  # ... '1,500'
    dotted_dates: int = 0  # dd.mm.yyyy dates (a decimal-comma locale writes them)
    grp_examples: list[str] = field(default_factory=list)  # a few of the values only a convention reads
    max_number: float | None = None
    min_number: float | None = None
    avg_len: float = 0.0
    examples: list[str] = field(default_factory=list)
    sf_prefix: str | None = None  # the Salesforce key prefix ('001', '006'...) nearly all its values share
    stage_values: list[str] = field(default_factory=list)  # distinct values, when few

    @property
    def unique(self) -> bool:
        return self.n >= 2 and self.distinct == self.n

    @property
    def blank(self) -> bool:
        return self.n == 0


def _q(regex: str) -> str:
    """A regular expression as the body of an SQL string literal."""
    return regex.replace("'", "''")


def null_if_sentinel(col: str) -> str:
    """SQL: the trimmed text, NULL when blank or a null sentinel."""
    lits = ", ".join("'" + s.replace("'", "''") + "'" for s in NULL_SENTINELS if s)
    return f"(case when lower(trim({col})) in ({lits}) then null else nullif(trim({col}), '') end)"


def without_sentinel(col: str) -> str:
    """SQL: a text value, NULL when it is a null sentinel ('--', 'N/A', Salesforce's all-zero id); the
    test runs only on short values."""
    return f"case when strlen({col}) <= 20 and regexp_full_match({col}, '{_SENTINEL_RE}') then null else {col} end"


def is_sentinel(col: str) -> str:
    """SQL: the (trimmed) text is a null sentinel."""
    return f"(strlen({col}) <= 20 and regexp_full_match({col}, '{_SENTINEL_RE}'))"


def _sentinel_re() -> str:
    import re

    return "(?i)\\s*(" + "|".join(re.escape(s) for s in NULL_SENTINELS if s) + ")\\s*"


_SENTINEL_RE = _sentinel_re().replace("'", "''")


PROFILE_CHUNK = 100  # columns measured per query (a sheet of 3,000 columns takes 30 small queries)


def profile_table(con: duckdb.DuckDBPyConnection, sample: str, ncols: int) -> list[ColumnProfile]:
    """Profiles of columns c0..c<ncols-1> of table `sample` (code-made name): the sample is unpivoted
    to one row per column and value, and measured in one grouped query per chunk of columns."""
    out: list[ColumnProfile] = []
    for first in range(0, ncols, PROFILE_CHUNK):
        out += _profile_chunk(con, sample, range(first, min(ncols, first + PROFILE_CHUNK)))
    _stage_shares(con, sample, out)
    return out


def _profile_chunk(con: duckdb.DuckDBPyConnection, sample: str, cols: range) -> list[ColumnProfile]:
    if not len(cols):
        return []
    from revmachine.ingest.headers import CURRENCY_CODES

    codes = ", ".join(f"'{c}'" for c in sorted(CURRENCY_CODES))
    names = ", ".join(f"'{n}'" for n in sorted(CURRENCY_NAMES))
    v = "v"
    aggs = [
        f"count({v})", f"count(distinct {v})",
        f"count(*) filter (where substr({v}, 5, 1) in ('-', '/') and try_cast({v} as timestamp) is not null "
        f"or regexp_matches({v}, '{_q(_DATE_NUMERIC)}') or regexp_matches({v}, '{_q(_DATE_MONTHS)}') "
        f"or regexp_matches({v}, '^\\d{{4}}-\\d{{2}}-\\d{{2}}T'))",
        f"count(*) filter (where try_cast(replace({v}, ',', '') as double) between 20000 and 80000 "
        f"and not contains({v}, ','))",
        f"count(*) filter (where try_cast(replace({v}, ',', '') as double) is not null)",
        f"count(*) filter (where regexp_full_match(replace({v}, ',', ''), '[+-]?\\d+(\\.0+)?'))",
        f"count(*) filter (where regexp_matches({v}, '{_q(_MONEY)}') and regexp_matches({v}, '\\d'))",
        f"count(*) filter (where regexp_matches({v}, '[$\u20ac\u00a3\u00a5\u20b9]|(^|[^A-Za-z])"
        f"(USD|EUR|GBP|JPY|CHF|CAD|AUD|INR|SEK|NOK|DKK|BRL|MXN|SGD|NZD|ZAR|CNY|PLN)([^A-Za-z]|$)'))",
        f"count(*) filter (where regexp_matches({v}, '^[<>~]?\\s*[+-]?\\d+([.,]\\d+)?\\s*%$'))",
        f"count(*) filter (where lower({v}) in ('true', 'false', 'yes', 'no', 'y', 'n', '1', '0', 't', 'f', "
        f"'x', 'checked', 'unchecked', '1.0', '0.0', 'wahr', 'falsch', 'oui', 'non', 'si', 'ja', 'nein'))",
        f"count(*) filter (where regexp_full_match({v}, '{_q(_ID[1:-1])}'))",
        f"count(*) filter (where regexp_full_match({v}, '[^@\\s]+@[^@\\s]+\\.[A-Za-z]{{2,}}'))",
        f"count(*) filter (where upper({v}) in ({codes}) or lower({v}) in ({names}))",
        f"count(*) filter (where regexp_matches({v}, '{_q(_PERIOD)}'))",
        f"count(*) filter (where regexp_matches({v}, '[A-Za-z\u00c0-\u024f]'))",
        f"max(try_cast(replace(replace({v}, ',', ''), '%', '') as double))",
        f"min(try_cast(replace(replace({v}, ',', ''), '%', '') as double))",
        f"avg(length({v}))",
        f"list(distinct {v})[1:4]",
        f"count(*) filter (where try_cast(regexp_extract({v}, '{_NUMERIC_DM}', 1) as integer) > 12)",
        f"count(*) filter (where try_cast(regexp_extract({v}, '{_NUMERIC_DM}', 2) as integer) > 12)",
        f"count(*) filter (where regexp_matches({v}, '{_q(_DEC_COMMA)}'))",
        f"count(*) filter (where regexp_matches({v}, '{_q(_DEC_DOT)}'))",
        f"count(*) filter (where regexp_matches({v}, '{_q(_GRP_DOT)}'))",
        f"count(*) filter (where regexp_matches({v}, '{_q(_GRP_COMMA)}'))",
        f"count(*) filter (where regexp_matches({v}, '^\\d{{1,2}}\\.\\d{{1,2}}\\.\\d{{2,4}}'))",
        f"list(distinct {v}) filter (where regexp_matches({v}, '{_q(_GRP_DOT)}') "
        f"or regexp_matches({v}, '{_q(_GRP_COMMA)}'))[1:3]",
        f"list(distinct substr({v}, 1, 3)) filter (where regexp_full_match({v}, '{_SF_ID[1:-1]}') "
        f"and regexp_matches({v}, '[A-Za-z]') and regexp_matches({v}, '[0-9]'))",
        f"count(*) filter (where regexp_full_match({v}, '{_SF_ID[1:-1]}') and regexp_matches({v}, '[A-Za-z]') "
        f"and regexp_matches({v}, '[0-9]'))",
    ]
    # unpivoted first, so the expressions below are written once, not once per column
    rows = con.execute(f"""
        with wide as (select {', '.join(f'c{i}' for i in cols)} from {sample}),
        long as (unpivot wide on {', '.join(f'c{i}' for i in cols)} into name col value raw),
        x as (select col, {null_if_sentinel('raw')} as v from long)
        select cast(substr(col, 2) as integer) as i, {', '.join(aggs)} from x group by col""").fetchall()
    by = {r[0]: r[1:] for r in rows}
    out = []
    for i in cols:
        r = by.get(i)
        p = ColumnProfile(i)
        if r and r[0]:
            n = r[0]
            p.n, p.distinct = n, r[1] or 0
            sh = [x / n for x in r[2:15]]
            (date_text, serial, p.number, p.integer, p.money, p.money_marked, p.pct, p.bool, p.idlike, p.email,
             p.currency, p.period, letters) = sh
            p.date_text = date_text
            p.date = min(1.0, date_text + serial)
            p.text = max(0.0, letters - date_text - p.email)
            p.max_number, p.min_number, p.avg_len = r[15], r[16], float(r[17] or 0)
            p.examples = [str(x) for x in (r[18] or [])]
            p.day_first, p.month_first = r[19] or 0, r[20] or 0
            p.dec_comma, p.dec_dot, p.grp_dot, p.grp_comma, p.dotted_dates = (x or 0 for x in r[21:26])
            p.grp_examples = [str(x) for x in (r[26] or [])]
            prefixes, sf_n = r[27] or [], r[28] or 0
            if len(prefixes) == 1 and prefixes[0] in SF_PREFIXES and sf_n >= 0.9 * n:
                p.sf_prefix = prefixes[0]
        out.append(p)
    return out


def _stage_shares(con: duckdb.DuckDBPyConnection, sample: str, profiles: list[ColumnProfile]) -> None:
    """For columns with few distinct text values: the share of rows whose value is a stage / status word."""
    few = [p for p in profiles if 0 < p.distinct <= STAGE_DISTINCT_MAX and p.text > 0.5]
    for first in range(0, len(few), PROFILE_CHUNK):
        _stage_share_chunk(con, sample, few[first:first + PROFILE_CHUNK])


def _stage_share_chunk(con: duckdb.DuckDBPyConnection, sample: str, few: list[ColumnProfile]) -> None:
    if not few:
        return
    # unpivoted, one grouped query per chunk (a union of one aggregate per column took 1.3 s per 100
    # columns to plan)
    cols = ", ".join(f"c{p.index}" for p in few)
    sel = (f"with wide as (select {cols} from {sample}), "
           f"long as (unpivot wide on {cols} into name col value raw), "
           f"x as (select cast(substr(col, 2) as integer) as i, {null_if_sentinel('raw')} as v from long) "
           "select i, v, count(*) as n from x where v is not null group by i, v")
    by: dict[int, list[tuple[str, int]]] = {}
    for i, v, n in con.execute(sel).fetchall():
        by.setdefault(i, []).append((v, n))
    for p in few:
        vals = by.get(p.index, [])
        total = sum(n for _, n in vals) or 1
        p.stage = sum(n for v, n in vals if stages.stage_key(v) in stages.STAGE_SYNONYMS) / total
        p.status = sum(n for v, n in vals if stages.stage_key(v) in stages.STATUS_WORDS) / total
        p.stage_values = [v for v, _ in sorted(vals, key=lambda x: -x[1])]

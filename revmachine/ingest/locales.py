"""What exports write in their users' languages, apart from column names (those are in fields.py):
month names in dates and in a report's range line, the words of a totals row, named date ranges
('All time', 'Last 30 days', 'Alle Zeit', 'Laatste 30 dagen') and how a report states when it was
made.

Ad platforms and CRMs export in the language of the user's interface (Google Ads, Meta Ads Manager,
Microsoft Advertising, LinkedIn Campaign Manager, Pinterest, TikTok; Salesforce, HubSpot, Zoho,
Dynamics 365, Pipedrive), with the number and date style of the account's locale: `1.234,56`,
`1 oktober 2024 - 31 oktober 2024`, `Totaal: account`, `Gesamt: Konto`, `Total : compte`. The
words below are those languages' own (German, French, Spanish, Portuguese, Italian, Dutch), as the
public exports cited in tests/fixtures/vendors/*/README.md write them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# month number -> every way the six languages (and English) write it, accents stripped, lower case:
# full names and the abbreviations each UI uses ('okt.', 'mrt', 'févr.', 'sept.', 'set', 'out', 'dic')
MONTH_WORDS: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "januar", "janner", "jaenner", "janvier", "janv", "enero", "ene", "janeiro",
        "gennaio", "gen", "januari"),
    2: ("february", "feb", "februar", "fevrier", "fevr", "fev", "febrero", "fevereiro", "febbraio",
        "februari"),
    3: ("march", "mar", "marz", "maerz", "mrz", "mars", "marzo", "marco", "maart", "mrt"),
    4: ("april", "apr", "avril", "avr", "abril", "abr", "aprile"),
    5: ("may", "mai", "mayo", "maio", "maggio", "mag", "mei"),
    6: ("june", "jun", "juni", "juin", "junio", "junho", "giugno", "giu"),
    7: ("july", "jul", "juli", "juillet", "juil", "julio", "julho", "luglio", "lug"),
    8: ("august", "aug", "aout", "agosto", "ago", "augustus"),
    9: ("september", "sep", "sept", "septembre", "septiembre", "setiembre", "setembro", "settembre", "set"),
    10: ("october", "oct", "oktober", "okt", "octobre", "octubre", "outubro", "out", "ottobre", "ott"),
    11: ("november", "nov", "novembre", "noviembre", "novembro"),
    12: ("december", "dec", "dezember", "dez", "decembre", "diciembre", "dic", "dezembro", "dicembre"),
}
ENGLISH_ABBR = {n: words[1] for n, words in MONTH_WORDS.items()}  # 1 -> 'jan'
MONTH_OF = {w: n for n, words in MONTH_WORDS.items() for w in words}
# little words between a date's parts: Spanish and Portuguese '1 de octubre de 2024', Italian 'di',
# French '1er'
_FILLER = r"\b(de|del|di|do|da)\b"

# the first cell of a totals row: Google Ads 'Total: Account' / 'Totaal: account' / 'Gesamt: Konto' /
# 'Total : compte' / 'Total: cuenta' / 'Totale: account' / 'Total: conta'; Microsoft Advertising and
# LinkedIn 'Total'; 'Summe', 'Somme', 'Suma', 'Soma', 'Somma', 'Som', 'Gesamtergebnis', 'Total général'
TOTAL_WORDS = ("total", "totals", "grand total", "subtotal", "sub total", "totaal", "subtotaal", "gesamt",
               "gesamtergebnis", "gesamtsumme", "summe", "zwischensumme", "total general", "sous total",
               "sous-total", "somme", "totale", "totale complessivo", "subtotale", "somma", "suma",
               "total geral", "soma", "som", "totaal generaal", "eindtotaal")


def fold(text: str) -> str:
    """Lower case, accents stripped ('Févr.' -> 'fevr.', 'März' -> 'marz')."""
    s = unicodedata.normalize("NFKD", str(text))
    return "".join(ch for ch in s if not unicodedata.combining(ch)).lower()


def total_regex() -> str:
    """A regular expression (for a folded cell) matching a totals row's first words, in every language."""
    words = "|".join(re.escape(w).replace("\\ ", "\\s*") for w in sorted(TOTAL_WORDS, key=len, reverse=True))
    return rf"^\s*({words})(\s*[:\-(]|\s*$)"


def month_sql(v: str) -> str:
    """SQL: text `v` with every month name or abbreviation of the six languages replaced by the English
    abbreviation strptime's %b reads ('1 oktober 2024' -> '1 oct 2024', '1. März 2026' -> '1. mar 2026',
    '1 de octubre de 2024' -> '1 oct 2024'); the filler words and a French '1er' taken out."""
    x = f"regexp_replace(lower(strip_accents({v})), '{_FILLER}', ' ', 'g')"
    x = f"regexp_replace({x}, '\\b(\\d{{1,2}})er\\b', '\\1', 'g')"
    for n, words in MONTH_WORDS.items():
        alt = "|".join(sorted(words, key=len, reverse=True))
        x = f"regexp_replace({x}, '\\b({alt})\\b\\.?', '{ENGLISH_ABBR[n]}', 'g')"
    return f"regexp_replace(trim({x}), '\\s+', ' ', 'g')"


_WORD_DATE = re.compile(
    r"(?:(\d{1,2})\.?\s+([a-z]+)\.?,?\s+(\d{4})|([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4}))")
_NUM_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})")


def dates_in(text: str, order: str | None = None) -> list[dt.date]:
    """Every date written in a line of text, in order: '1 oktober 2024', '1. Oktober 2024', 'October 1,
    2024', '1 de octubre de 2024', '2024-10-01', and numeric d/m/y or m/d/y dates in the given order
    (or the order that is the only possible one: '31/10/2024'). A numeric date whose order cannot be
    told and was not given is left out."""
    s = re.sub(_FILLER, " ", fold(text))
    s = re.sub(r"\b(\d{1,2})er\b", r"\1", s)
    found: list[tuple[int, dt.date]] = []
    spans: list[tuple[int, int]] = []
    for m in _WORD_DATE.finditer(s):
        day, word, year = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(5), m.group(4), m.group(6))
        month = MONTH_OF.get(word)
        if month:
            try:
                found.append((m.start(), dt.date(int(year), month, int(day))))
                spans.append(m.span())
            except ValueError:
                pass
    for m in _NUM_DATE.finditer(s):
        if any(a <= m.start() < b for a, b in spans):
            continue
        try:
            if m.group(1):
                found.append((m.start(), dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))))
                continue
            a, b, y = int(m.group(4)), int(m.group(5)), int(m.group(6))
            y = y + 2000 if y < 100 else y
            o = order or ("dmy" if a > 12 else "mdy" if b > 12 else None)
            if o is None:
                continue
            found.append((m.start(), dt.date(y, b, a) if o == "dmy" else dt.date(y, a, b)))
        except ValueError:
            pass
    return [d for _p, d in sorted(found, key=lambda x: x[0])]


# named ranges a report's range line may hold instead of dates; N days / weeks / months back from the
# report's own date (the day it was made, or the last day it covers)
_ALL_TIME = ("all time", "alle zeit", "gesamte laufzeit", "gesamter zeitraum", "toute la periode",
             "depuis le debut", "todo el periodo", "desde siempre", "todo o periodo", "todo o tempo",
             "tutto il periodo", "sempre", "alle tijd", "hele periode", "volledige periode", "lifetime",
             "maximum", "max")
_LAST_N = re.compile(
    r"\b(last|past|letzte|letzten|vergangene|vergangenen|derniers|dernieres|ultimos|ultimas|ultimi|ultime|"
    r"laatste|afgelopen)\s+(\d{1,3})\s+(days?|tage[n]?|jours|dias|giorni|dagen|weeks?|wochen|semaines|semanas|"
    r"settimane|weken|months?|monate[n]?|mois|meses|mesi|maanden)\b")
_NAMED = {  # phrase -> (unit, n, includes the report's day)
    "today": ("day", 1), "heute": ("day", 1), "aujourd'hui": ("day", 1), "hoy": ("day", 1), "hoje": ("day", 1),
    "oggi": ("day", 1), "vandaag": ("day", 1),
    "yesterday": ("yesterday", 1), "gestern": ("yesterday", 1), "hier": ("yesterday", 1), "ayer": ("yesterday", 1),
    "ontem": ("yesterday", 1), "ieri": ("yesterday", 1), "gisteren": ("yesterday", 1),
    "this month": ("this_month", 0), "dieser monat": ("this_month", 0), "ce mois-ci": ("this_month", 0),
    "este mes": ("this_month", 0), "questo mese": ("this_month", 0),
    "deze maand": ("this_month", 0), "month to date": ("this_month", 0),
    "last month": ("last_month", 0), "letzter monat": ("last_month", 0), "mois dernier": ("last_month", 0),
    "le mois dernier": ("last_month", 0), "mes pasado": ("last_month", 0), "el mes pasado": ("last_month", 0),
    "mes passado": ("last_month", 0), "o mes passado": ("last_month", 0), "mese scorso": ("last_month", 0),
    "il mese scorso": ("last_month", 0), "vorige maand": ("last_month", 0),
}
_UNIT = {"day": "day", "days": "day", "tage": "day", "tagen": "day", "jours": "day", "dias": "day",
         "giorni": "day", "dagen": "day", "week": "week", "weeks": "week", "wochen": "week", "semaines": "week",
         "semanas": "week", "settimane": "week", "weken": "week", "month": "month", "months": "month",
         "monate": "month", "monaten": "month", "mois": "month", "meses": "month", "mesi": "month",
         "maanden": "month"}


def named_range(lines: list[str]) -> tuple[str, str] | None:
    """('all_time', phrase) or ('last', phrase) or (named key, phrase) when a line above the header names
    a range instead of dates; None when none does."""
    for line in lines:
        s = fold(line).strip().strip('"').strip()
        s = re.sub(r"^(date range|date|period|periode|zeitraum|datumsbereich|plage de dates|periodo|"
                   r"intervalo de datas|intervallo di date|datumbereik|reporting period)\s*:\s*", "", s)
        if s in _ALL_TIME:
            return "all_time", line.strip()
        if _LAST_N.search(s):
            return "last", line.strip()
        if s in _NAMED:
            return s, line.strip()
    return None


def resolve_named(kind: str, phrase: str, report_day: dt.date) -> tuple[dt.date, dt.date] | None:
    """The dates a named range covers, counted back from the report's day (the range ends the day
    before the report was made: 'Last 30 days' on a report made on 1 Nov 2024 is 2 Oct - 31 Oct)."""
    if kind == "all_time":
        return None
    end = report_day - dt.timedelta(days=1)
    if kind == "last":
        m = _LAST_N.search(fold(phrase))
        if not m:
            return None
        n, unit = int(m.group(2)), _UNIT.get(m.group(3), "day")
        if unit == "day":
            return end - dt.timedelta(days=n - 1), end
        if unit == "week":
            return end - dt.timedelta(days=7 * n - 1), end
        first = dt.date(end.year, end.month, 1)
        y, mo = first.year, first.month - n
        while mo < 1:
            y, mo = y - 1, mo + 12
        return dt.date(y, mo, 1), first - dt.timedelta(days=1)
    unit, _n = _NAMED[kind]
    if unit == "day":
        return report_day, report_day
    if unit == "yesterday":
        return end, end
    if unit == "this_month":
        return dt.date(report_day.year, report_day.month, 1), report_day
    first = dt.date(report_day.year, report_day.month, 1)
    last = first - dt.timedelta(days=1)
    return dt.date(last.year, last.month, 1), last


# a line above the header that says when the report was made: Meta / LinkedIn 'Date Generated',
# Microsoft Advertising 'Report Time', Google Ads 'Downloaded', Pinterest / TikTok 'Exported', and the
# same in the six languages
_GENERATED = re.compile(
    r"(date generated|generated|report time|downloaded|exported|created|erstellt|exportiert|heruntergeladen|"
    r"berichtszeit|genere le|genere|exporte|telecharge|generado|exportado|descargado|gerado|baixado|"
    r"generato|esportato|scaricato|gegenereerd|geexporteerd|gedownload|aangemaakt)\b[^:]*:?", re.I)


def report_day(lines: list[str], order: str | None = None) -> dt.date | None:
    """The day a report was made, from a line above its header ('Date Generated: Apr 2, 2026, 9:14 AM',
    'Report Time: 3/2/2026'); None when no line says."""
    for line in lines:
        folded = fold(line)
        m = _GENERATED.search(folded)
        if m:
            found = dates_in(folded[m.end():], order)
            if found:
                return found[0]
    return None

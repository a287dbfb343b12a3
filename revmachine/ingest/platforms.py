"""What an ad-platform report says about itself: the platform it comes from (by its name, or the
headers only that platform's reports use), the date range in the lines above its header, and the
day/month order the platform writes numeric dates in whatever the user's locale."""

from __future__ import annotations

import datetime as dt
import re

from revmachine.ingest.headers import normalize
from revmachine.ingest.readers import RawSheet

PLATFORMS = (  # (header words that only this platform's reports use, platform name)
    ({"amount spent", "reporting starts", "reporting ends", "ad set name", "result indicator", "cost per results",
      "ad set delivery"}, "Meta Ads"),
    ({"total spent", "campaign group name", "campaign group", "depenses totales", "nom du groupe de campagnes",
      "total gasto", "gasto total", "gesamtausgaben", "spesa totale", "totale uitgaven"}, "LinkedIn Ads"),
    ({"time period", "spend", "account number", "campaign id time period", "gregorian date", "account name spend",
      "average cpc spend"}, "Microsoft Advertising"),
    ({"cost conversions", "interactions", "interaction rate", "conversions value", "search impression share",
      "customer id"}, "Google Ads"),
)

# platforms whose reports write numeric dates one way whatever the user's locale: LinkedIn Campaign
# Manager's exports write M/D/YYYY ("Start Date (in UTC)"); Microsoft Advertising's reports write
# GregorianDate / TimePeriod month first (its Reporting Service docs: "Report Time: 2/7/2020", "Last
# Completed Available Day: 1/14/2013 5:00:00 AM"), whatever the account's language
VENDOR_DATE_ORDER = {"LinkedIn Ads": "mdy", "Microsoft Advertising": "mdy"}


def platform_of(raw: RawSheet) -> str | None:
    """The ad platform a report comes from, by its name or the headers only its reports use (a fixed
    name); None when nothing tells."""
    texts = {normalize(h) for h in raw.headers}
    preamble = " ".join(raw.preamble).lower()
    named = {"google ads": "Google Ads", "facebook": "Meta Ads", "meta": "Meta Ads", "linkedin": "LinkedIn Ads",
             "microsoft advertising": "Microsoft Advertising", "bing ads": "Microsoft Advertising"}
    for word, name in named.items():
        if word in preamble or word in raw.file_name.lower():
            return name
    scored = sorted(((len(words & texts), name) for words, name in PLATFORMS), reverse=True)
    if scored[0][0] and scored[0][0] > scored[1][0]:
        return scored[0][1]
    return None


def vendor_date_order(raw: RawSheet) -> str | None:
    """'mdy' / 'dmy' when the report's platform documents one order for its dates."""
    return VENDOR_DATE_ORDER.get(platform_of(raw) or "")


# lines above a header that hold a date but not the report's range (the day it was made, the data's
# freshness): left out when the range is looked for
_NOT_RANGE = re.compile(r"(?i)^\W*(date generated|last completed available|report generated|generated|"
                        r"downloaded|exported)\b")


def preamble_range(lines: list[str], order: str | None = None) -> tuple[dt.date, dt.date] | None:
    """A report's date range from the lines above its header: 'January 1, 2026 - January 31, 2026',
    '1 oktober 2024 - 31 oktober 2024', '1. September 2026 - 30. September 2026', '1 sept. 2026 - 2 sept.
    2026', 'Report Start: 1/1/2026' / 'Report End: 1/31/2026', 'Date range: 2026-01-01 to 2026-01-31'
    (month names in the six languages of locales.py). Numeric dates whose order the values cannot tell
    are read month first (the order of the platforms that write them: Microsoft Advertising, LinkedIn)
    unless `order` says otherwise."""
    from revmachine.ingest.locales import dates_in

    found: list[dt.date] = []
    for line in lines:
        if _NOT_RANGE.search(line):
            continue
        found += dates_in(line, order or "mdy")
        if len(found) >= 2:
            break
    if len(found) < 2:
        return None
    a, b = found[:2]
    return (a, b) if a <= b else None

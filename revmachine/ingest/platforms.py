"""What an ad-platform report says about itself: the platform it comes from (by its name, or the
headers only that platform's reports use), the date range in the lines above its header, and the
day/month order the platform writes numeric dates in whatever the user's locale."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from revmachine.ingest.headers import normalize
from revmachine.ingest.readers import RawSheet

PLATFORMS = (  # (header words that only this platform's reports use, platform name)
    ({"amount spent", "reporting starts", "reporting ends", "ad set name", "result indicator", "cost per results",
      "ad set delivery"}, "Meta Ads"),
    ({"total spent", "campaign group name", "campaign group"}, "LinkedIn Ads"),
    ({"time period", "spend", "account number", "campaign id time period"}, "Microsoft Advertising"),
    ({"cost conversions", "interactions", "interaction rate", "conversions value", "search impression share",
      "customer id"}, "Google Ads"),
)

# platforms whose reports write numeric dates one way whatever the user's locale: LinkedIn Campaign
# Manager's exports write M/D/YYYY ("Start Date (in UTC)")
VENDOR_DATE_ORDER = {"LinkedIn Ads": "mdy"}


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


_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december|" \
          "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
_DATE_TEXT = (rf"(?:(?:{_MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+(?:{_MONTHS})\.?,?\s+\d{{4}}|"
              r"\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})")


def preamble_range(lines: list[str]) -> tuple[dt.date, dt.date] | None:
    """A report's date range from the lines above its header: 'January 1, 2026 - January 31, 2026',
    'Report Start: 1/1/2026' / 'Report End: 1/31/2026', 'Date range: 2026-01-01 to 2026-01-31'."""
    text = " | ".join(lines)
    found = re.findall(_DATE_TEXT, text, flags=re.I)
    if len(found) < 2:
        return None
    try:
        a, b = (pd.Timestamp(x.replace(",", "")).date() for x in found[:2])
    except (ValueError, OverflowError):
        return None
    return (a, b) if a <= b else None

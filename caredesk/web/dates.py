"""Dates and times as people of each language write them (D-3.6, D-7.5), in the viewer's
time zone with the zone named.

Django's localized formats (``date:"DATETIME_FORMAT"``) re-parse a format string for
every value; a queue of 50 cases shows 100 times, so the patterns here are plain
``str.format`` templates, chosen once per language, with the month abbreviations taken
from Django's translations once per language too. Templates use the ``when`` and ``day``
filters (``web.tags``); the case lists written in Python (``web.rows``) the same functions.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from functools import lru_cache

from django.conf import settings
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.translation import get_language, override

DASH = "—"
# {d} day, {m} month number, {mon} month abbreviation, {y} year, {hm} 24-hour time.
MOMENT = {
    "en": "{d} {mon} {y}, {hm}",
    "de": "{d}. {mon} {y}, {hm}",
    "fr": "{d} {mon} {y}, {hm}",
    "es": "{d} {mon} {y}, {hm}",
    "ja": "{y}年{m}月{d}日 {hm}",
}
DAY = {
    "en": "{d} {mon} {y}",
    "de": "{d}. {mon} {y}",
    "fr": "{d} {mon} {y}",
    "es": "{d} {mon} {y}",
    "ja": "{y}年{m}月{d}日",
}


@lru_cache(maxsize=16)
def _months(language: str) -> dict[int, str]:
    with override(language):
        return {n: str(name).title() for n, name in MONTHS_3.items()}


def _language() -> str:
    code = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return code if code in MOMENT else "en"


class Dates:
    """The formatter of one language and zone: make it once per page or list."""

    def __init__(self, language: str | None = None, zone: tzinfo | None = None) -> None:
        self.language = language or _language()
        self.zone = zone or timezone.get_current_timezone()
        self.months = _months(self.language)
        self.moment = MOMENT[self.language]
        self.day_pattern = DAY[self.language]

    def when(self, moment: datetime | None, *, zone_name: bool = True) -> str:
        if moment is None:
            return DASH
        local = moment.astimezone(self.zone)
        text = self.moment.format(
            d=local.day, m=local.month, mon=self.months[local.month], y=local.year, hm=f"{local:%H:%M}"
        )
        return f"{text} {local.tzname()}" if zone_name else text

    def day(self, value: date | datetime | None) -> str:
        if value is None:
            return DASH
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return self.day_pattern.format(d=value.day, m=value.month, mon=self.months[value.month], y=value.year)


def when(moment: datetime | None, *, zone_name: bool = True) -> str:
    return Dates().when(moment, zone_name=zone_name)


def day(value: date | datetime | None) -> str:
    return Dates().day(value)


def when_with_support_time(moment: datetime | None) -> str:
    """A time a rule counts in the support centre's zone (a response target's due time):
    in the viewer's zone, and in the support centre's too when that is another."""
    if moment is None:
        return DASH
    dates = Dates()
    own = dates.when(moment)
    support = timezone.get_default_timezone()
    if str(dates.zone) == str(support):
        return own
    return f"{own} ({Dates(dates.language, support).when(moment)})"

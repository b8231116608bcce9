"""Times in the viewer's zone, named, written as their language writes them; due times
also in the support centre's zone (D-3.6, D-7.5)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone, translation

from caredesk.web import dates

MOMENT = datetime(2026, 12, 1, 13, 5, tzinfo=UTC)


def test_each_language_writes_the_time_its_own_way() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    written = {code: dates.Dates(code, tokyo).when(MOMENT) for code in ("en", "de", "fr", "ja")}
    assert written == {
        "en": "1 Dec 2026, 22:05 JST",
        "de": "1. Dez 2026, 22:05 JST",
        "fr": "1 Déc 2026, 22:05 JST",
        "ja": "2026年12月1日 22:05 JST",
    }
    assert dates.Dates("ja", tokyo).day(date(2026, 12, 1)) == "2026年12月1日"
    assert dates.Dates("en", tokyo).when(None) == "—"


def test_a_due_time_names_the_support_centres_zone_when_the_viewers_is_another() -> None:
    with translation.override("en"), timezone.override(ZoneInfo("Europe/Berlin")):
        both = dates.when_with_support_time(MOMENT)
    assert both == "1 Dec 2026, 14:05 CET (1 Dec 2026, 05:05 PST)"
    with translation.override("en"):  # the viewer is in the support centre's zone: once
        assert dates.when_with_support_time(MOMENT) == "1 Dec 2026, 05:05 PST"

"""The one source of "now" and of the support centre's local time.

Everything reads the time through ``now()`` so tests can travel in time
(``time_machine.travel``) and so business code never builds naive datetimes.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

_source: Callable[[], datetime] | None = None


def now() -> datetime:
    return _source() if _source is not None else timezone.now()


@contextmanager
def driven_by(source: Callable[[], datetime]) -> Iterator[None]:
    """Let ``source`` be the time for the duration: for programs that replay a history, like
    the demo builder, which opens each case at the moment its id must carry (D-3.1). Tests
    travel with ``time_machine`` instead."""
    global _source
    previous, _source = _source, source
    try:
        yield
    finally:
        _source = previous


def support_zone() -> ZoneInfo:
    return ZoneInfo(settings.SUPPORT_TIME_ZONE)


def local(moment: datetime) -> datetime:
    """``moment`` as wall-clock time in the support centre's zone."""
    return moment.astimezone(support_zone())


def local_date(moment: datetime) -> date:
    return local(moment).date()


def add_months_to_date(day: date, months: int) -> date:
    """Calendar months after ``day``, clamping the day of the month (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def months_period_end(start: date, months: int) -> date:
    """The last day of a period of ``months`` calendar months that starts on ``start``:
    a year from 1 March runs to 28 (or 29) February; from 29 February, to 28 February
    (the anniversary does not exist, so the period ends on the month's last day)."""
    anniversary = add_months_to_date(start, months)
    clamped = anniversary.day != start.day
    return anniversary if clamped else anniversary - timedelta(days=1)


def add_months(moment: datetime, months: int) -> datetime:
    """Add calendar months, clamping the day (31 Aug + 6 months = 28/29 Feb).

    Done in the support centre's zone so "six months after" keeps the wall-clock time
    across daylight-saving changes, then converted back to UTC.
    """
    wall = local(moment)
    month_index = wall.month - 1 + months
    year = wall.year + month_index // 12
    month = month_index % 12 + 1
    day = min(wall.day, calendar.monthrange(year, month)[1])
    shifted = wall.replace(year=year, month=month, day=day, tzinfo=None)
    return timezone.make_aware(shifted, support_zone()).astimezone(ZoneInfo("UTC"))

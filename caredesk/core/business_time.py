"""Business-clock arithmetic (D-4.2), the one place it is done.

A business calendar is a time zone, the working weekdays and the days it is closed
(public holidays and the operator's closures). The business clock runs only on working
days, from local midnight to midnight, so "N business days" is N × 24 hours of that
clock. The arithmetic is done on local wall-clock time and only the result is turned
back into UTC: a business day is a whole local day even when a daylight-saving change
makes it 23 or 25 real hours long. Round-the-clock durations (D-4.1 P1/P2, D-4.4) are
real elapsed time and need no calendar.

This module knows nothing of the database: ``caredesk.sla`` builds calendars from its
tables and caches them; tests build them directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

DAY = timedelta(days=1)
_DAY_US = 86_400_000_000
# Ordinal days: date.fromordinal(1) is Monday 1 January of year 1, so an ordinal's weekday
# (Monday = 0) is (ordinal - 1) % 7. Working on ordinals keeps the hot loop free of objects.


class BusinessCalendar:
    """Working weekdays and closed days in one zone; answers due instants.

    ``holidays_for(year)`` gives the public holidays of a year; it is asked lazily, once
    per year, so a calendar costs nothing for years nobody computes in.
    """

    __slots__ = ("_closed", "_holidays_for", "_years", "_zone_key", "closures", "working_weekdays", "zone")

    def __init__(
        self,
        zone: ZoneInfo | str,
        *,
        working_weekdays: Iterable[int] = (0, 1, 2, 3, 4),
        holidays_for: Callable[[int], Iterable[date]] | None = None,
        closures: Iterable[date] = (),
    ) -> None:
        self.zone = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
        self._zone_key = self.zone.key
        self.working_weekdays = frozenset(int(d) for d in working_weekdays)
        if not self.working_weekdays <= set(range(7)):
            raise ValueError("working weekdays are 0 (Monday) to 6 (Sunday)")
        self.closures = frozenset(closures)
        self._holidays_for = holidays_for
        self._closed: set[int] = {d.toordinal() for d in self.closures}
        self._years: set[int] = set()

    def __repr__(self) -> str:
        return f"BusinessCalendar({self._zone_key!r}, working_weekdays={sorted(self.working_weekdays)})"

    # --- days ------------------------------------------------------------------------

    def _load_year(self, year: int) -> None:
        self._years.add(year)
        if self._holidays_for is not None:
            self._closed.update(d.toordinal() for d in self._holidays_for(year))

    def _is_business_ordinal(self, ordinal: int) -> bool:
        if (ordinal - 1) % 7 not in self.working_weekdays:
            return False
        year = date.fromordinal(ordinal).year if self._holidays_for is not None else 0
        if year not in self._years:
            self._load_year(year)
        return ordinal not in self._closed

    def is_business_day(self, day: date) -> bool:
        return self._is_business_ordinal(day.toordinal())

    def _next_business_ordinal(self, ordinal: int) -> int:
        if not self.working_weekdays:
            raise ValueError("a calendar without working days never reaches a business day")
        for _ in range(3660):  # ten years of closures would be a broken calendar, not a wait
            ordinal += 1
            if self._is_business_ordinal(ordinal):
                return ordinal
        raise ValueError("no business day within ten years")

    def is_business_time(self, moment: datetime) -> bool:
        """Whether ``moment`` falls on a business day of this calendar (D-4.6)."""
        return self.is_business_day(moment.astimezone(self.zone).date())

    def next_business_start(self, moment: datetime) -> datetime:
        """The local midnight (UTC) that starts the first business day after ``moment``'s day:
        when a case that waits for the next business day is taken up (D-4.6)."""
        ordinal = self._next_business_ordinal(moment.astimezone(self.zone).toordinal())
        return _to_utc(ordinal, 0, self.zone)

    # --- instants --------------------------------------------------------------------

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The instant (UTC) when ``duration`` of business clock has run from ``start``.

        Started outside business days, the clock starts at the next business day's local
        midnight; a duration that uses up a day exactly ends at the following midnight
        (the *end* of that business day), not at the start of the next business day.
        """
        if start.tzinfo is None:
            raise ValueError("start must be an aware datetime")
        remaining = duration // timedelta(microseconds=1)
        if remaining < 0:
            raise ValueError("duration must not be negative")
        wall = start.astimezone(self.zone)
        ordinal = wall.toordinal()
        offset = (((wall.hour * 60 + wall.minute) * 60 + wall.second) * 1_000_000) + wall.microsecond
        if not self._is_business_ordinal(ordinal):
            ordinal, offset = self._next_business_ordinal(ordinal), 0
        fold = wall.fold if ordinal == wall.toordinal() else 0
        while remaining > _DAY_US - offset:
            remaining -= _DAY_US - offset
            ordinal, offset, fold = self._next_business_ordinal(ordinal), 0, 0
        return _to_utc(ordinal, offset + remaining, self.zone, fold)

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Business clock that runs from ``start`` to ``end`` (negative if ``end`` is earlier)."""
        if end < start:
            return -self.business_time_between(end, start)
        a, b = start.astimezone(self.zone), end.astimezone(self.zone)
        a_ord, b_ord = a.toordinal(), b.toordinal()

        def micros(w: datetime) -> int:
            return (((w.hour * 60 + w.minute) * 60 + w.second) * 1_000_000) + w.microsecond

        if a_ord == b_ord:
            total = micros(b) - micros(a) if self._is_business_ordinal(a_ord) else 0
            return timedelta(microseconds=total)
        total = _DAY_US - micros(a) if self._is_business_ordinal(a_ord) else 0
        for ordinal in range(a_ord + 1, b_ord):
            if self._is_business_ordinal(ordinal):
                total += _DAY_US
        if self._is_business_ordinal(b_ord):
            total += micros(b)
        return timedelta(microseconds=total)


def _to_utc(ordinal: int, micros_into_day: int, zone: ZoneInfo, fold: int = 0) -> datetime:
    """Local wall-clock time ``micros_into_day`` after the local midnight of ``ordinal``, in
    UTC. A wall time that a spring-forward change skips is read with the offset before the
    change (02:30 on that day is 03:30 summer time); one that a fall-back change repeats is
    its first occurrence, unless ``fold`` says the second (a start in the repeated hour,
    whose due time falls in it too, is not put before its start)."""
    day = date.fromordinal(ordinal)
    wall = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(microseconds=micros_into_day)
    # Adding to an aware datetime is wall-clock arithmetic in Python (and resets the fold);
    # then the fold, and only then UTC.
    return wall.replace(fold=fold).astimezone(UTC)


def add_elapsed(start: datetime, duration: timedelta) -> datetime:
    """Round-the-clock time: real elapsed time, whatever the wall clock does (D-4.1)."""
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    return start.astimezone(UTC) + duration  # arithmetic on UTC is real elapsed time

"""Read side of response targets and calendars: due instants (D-4.1, D-4.2), the
escalation matrix (D-4.4), whether a moment is business time (D-4.6). The catalogues are
per-process snapshots, so computing a due time asks the database nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import holidays
from django.conf import settings
from django.utils.translation import ngettext

from caredesk.core.business_time import BusinessCalendar as Calendar
from caredesk.core.business_time import add_elapsed
from caredesk.core.snapshot import Snapshot
from caredesk.sla.models import BusinessCalendar, Clock, EscalationThreshold, ResponseTarget


def _public_holidays(country: str, subdivision: str):  # type: ignore[no-untyped-def]
    def for_year(year: int) -> list[date]:
        return list(holidays.country_holidays(country, subdiv=subdivision or None, years=year).keys())

    return for_year


def calendar_of(row: BusinessCalendar) -> Calendar:
    country = (row.country or settings.SUPPORT_COUNTRY).upper()
    return Calendar(
        row.time_zone or settings.SUPPORT_TIME_ZONE,
        working_weekdays=row.working_days,
        holidays_for=_public_holidays(country, row.subdivision) if country else None,
        closures=[c.day for c in row.closures.all()],
    )


def _default_calendar() -> Calendar:
    """The centre's calendar when the table has none: Monday to Friday, the settings' zone
    and country (D-4.2)."""
    return Calendar(
        settings.SUPPORT_TIME_ZONE,
        holidays_for=_public_holidays(settings.SUPPORT_COUNTRY, "") if settings.SUPPORT_COUNTRY else None,
    )


def _load_calendars() -> dict[str, Calendar]:
    found = {}
    for row in BusinessCalendar.objects.prefetch_related("closures"):
        found[row.code] = calendar_of(row)
        if row.support_centre:
            found[""] = found[row.code]
    found.setdefault("", _default_calendar())
    return found


calendars: Snapshot[dict[str, Calendar]] = Snapshot(_load_calendars)


def support_calendar() -> Calendar:
    """The support centre's business calendar (D-4.2)."""
    return calendars.get()[""]


@dataclass(frozen=True)
class Target:
    priority: str
    duration: timedelta
    business: bool

    def describe(self) -> str:
        if self.business and self.duration % timedelta(days=1) == timedelta(0):
            days = self.duration // timedelta(days=1)
            return ngettext("%(n)s business day", "%(n)s business days", days) % {"n": days}
        hours = self.duration / timedelta(hours=1)
        shown = {"hours": f"{hours:g}"}
        count = int(hours) if hours.is_integer() else 2  # a fraction of an hour takes the plural ("1.5 hours")
        if self.business:
            return ngettext("%(hours)s hour of business time", "%(hours)s hours of business time", count) % shown
        return ngettext("%(hours)s hour, round the clock", "%(hours)s hours, round the clock", count) % shown


@dataclass(frozen=True)
class Targets:
    response: dict[str, Target]
    escalation: dict[str, list[tuple[int, timedelta]]]  # priority → [(level, after)], by level


def _load_targets() -> Targets:
    response = {
        t.priority: Target(t.priority, timedelta(minutes=t.minutes), t.clock == Clock.BUSINESS)
        for t in ResponseTarget.objects.all()
    }
    escalation: dict[str, list[tuple[int, timedelta]]] = {}
    for row in EscalationThreshold.objects.order_by("priority", "level"):
        escalation.setdefault(row.priority, []).append((row.level, timedelta(minutes=row.after_minutes)))
    return Targets(response, escalation)


targets: Snapshot[Targets] = Snapshot(_load_targets)


def response_target(priority: str) -> Target | None:
    return targets.get().response.get(priority)


def response_due(priority: str, opened_at: datetime, calendar: Calendar | None = None) -> datetime | None:
    """When the first response to a case of ``priority`` opened at ``opened_at`` is due
    (D-4.1): elapsed time for round-the-clock targets, business clock otherwise. None for a
    priority without a target."""
    target = response_target(priority)
    if target is None:
        return None
    if not target.business:
        return add_elapsed(opened_at, target.duration)
    return (calendar or support_calendar()).add_business_time(opened_at, target.duration)


def escalation_steps(priority: str) -> list[tuple[int, timedelta]]:
    """The matrix's thresholds for ``priority``, lowest level first (D-4.4)."""
    return targets.get().escalation.get(priority, [])


def is_business_time(moment: datetime) -> bool:
    return support_calendar().is_business_time(moment)


def next_business_start(moment: datetime) -> datetime:
    return support_calendar().next_business_start(moment)

"""D-4.1 and D-4.2: exact due instants for every priority at the awkward moments of the
support centre's calendar (Monday to Friday in America/Los_Angeles, US public holidays).
P1 and P2 run round the clock; P3 is 2 and P4 3 business days of 24 business hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from caredesk.core.business_time import BusinessCalendar
from caredesk.sla.models import BusinessCalendar as CalendarRow
from caredesk.sla.models import Closure, ResponseTarget
from caredesk.sla.queries import calendar_of, response_due, support_calendar


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# opened, then the due instants of P1, P2, P3, P4: UTC, in 2026
MOMENTS = {
    # Monday 2 March 2026, 09:00 PST
    "monday morning": ("03-02T17:00", "03-02T19:00", "03-03T17:00", "03-04T17:00", "03-05T17:00"),
    # Friday 6 February, 18:00 PST: 6 h on Friday, 24 on Monday, 18 on Tuesday
    "friday evening": ("02-07T02:00", "02-07T04:00", "02-08T02:00", "02-11T02:00", "02-12T02:00"),
    # Saturday 7 February, 11:00 PST: the clock starts Monday; due at the end of Tuesday
    "saturday": ("02-07T19:00", "02-07T21:00", "02-08T19:00", "02-11T08:00", "02-12T08:00"),
    # Monday 19 January, Martin Luther King Jr. Day, 10:00 PST: the clock starts Tuesday
    "public holiday": ("01-19T18:00", "01-19T20:00", "01-20T18:00", "01-22T08:00", "01-23T08:00"),
    # Thursday 2 July, 10:00 PDT: Friday 3 July is Independence Day (observed), then the weekend
    "before a holiday weekend": ("07-02T17:00", "07-02T19:00", "07-03T17:00", "07-07T17:00", "07-08T17:00"),
    # Friday 6 March, 10:00 PST; clocks go forward on Sunday 8 March: due 10:00 PDT
    "spring forward": ("03-06T18:00", "03-06T20:00", "03-07T18:00", "03-10T17:00", "03-11T17:00"),
    # Friday 30 October, 10:00 PDT; clocks go back on Sunday 1 November: due 10:00 PST
    "fall back": ("10-30T17:00", "10-30T19:00", "10-31T17:00", "11-03T18:00", "11-04T18:00"),
}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("priority", ["P1", "P2", "P3", "P4"])
@pytest.mark.parametrize("moment", list(MOMENTS))
def test_due_instants(moment: str, priority: str) -> None:
    opened, *due = (utc(f"2026-{text}") for text in MOMENTS[moment])
    assert response_due(priority, opened) == due[int(priority[1]) - 1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("opened", "due"),
    [
        ("2026-03-07T20:00", "2026-03-08T20:00"),  # Sat 12:00 PST → Sun 13:00 PDT: 24 real hours
        ("2026-10-31T19:00", "2026-11-01T19:00"),  # Sat 12:00 PDT → Sun 11:00 PST
    ],
)
def test_a_24_hour_target_across_a_daylight_saving_change_is_24_real_hours(opened: str, due: str) -> None:
    assert response_due("P2", utc(opened)) == utc(due)


def test_a_business_day_is_a_whole_local_day_even_when_it_has_23_hours() -> None:
    # A centre that works every day: 48 business hours from Saturday noon is Monday noon,
    # 47 real hours, because Sunday 8 March 2026 has only 23.
    every_day = BusinessCalendar("America/Los_Angeles", working_weekdays=range(7))
    assert every_day.add_business_time(utc("2026-03-07T20:00"), timedelta(days=2)) == utc("2026-03-09T19:00")
    assert every_day.business_time_between(utc("2026-03-07T20:00"), utc("2026-03-09T19:00")) == timedelta(days=2)


def test_a_deadline_in_the_spring_forward_gap_reads_as_summer_time() -> None:
    every_day = BusinessCalendar("America/Los_Angeles", working_weekdays=range(7))
    # Saturday 01:30 PST + 25 h of wall clock = Sunday 02:30, which does not exist: 03:30 PDT.
    assert every_day.add_business_time(utc("2026-03-07T09:30"), timedelta(hours=25)) == utc("2026-03-08T10:30")


def test_business_time_between_counts_only_business_days() -> None:
    centre = BusinessCalendar("America/Los_Angeles", holidays_for=lambda year: [date(2026, 1, 19)])
    friday_evening, tuesday_evening = utc("2026-02-07T02:00"), utc("2026-02-11T02:00")
    assert centre.business_time_between(friday_evening, tuesday_evening) == timedelta(hours=48)
    assert centre.business_time_between(tuesday_evening, friday_evening) == -timedelta(hours=48)
    assert centre.business_time_between(utc("2026-01-19T17:00"), utc("2026-01-19T23:00")) == timedelta(0)


def test_bad_calendars_and_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        BusinessCalendar("America/Los_Angeles", working_weekdays=[7])
    centre = BusinessCalendar("UTC")
    with pytest.raises(ValueError):
        centre.add_business_time(datetime(2026, 1, 1, 12), timedelta(hours=1))  # naive
    with pytest.raises(ValueError):
        centre.add_business_time(utc("2026-01-01T12:00"), -timedelta(hours=1))
    with pytest.raises(ValueError):
        BusinessCalendar("UTC", working_weekdays=[]).add_business_time(utc("2026-01-01T12:00"), timedelta(hours=1))


@pytest.mark.django_db
def test_operator_closures_and_edited_targets_count_at_once() -> None:
    row = CalendarRow.objects.get(support_centre=True)
    Closure.objects.create(calendar=row, day=date(2026, 3, 3), reason="Office move")
    # Monday 09:00 + 2 business days, Tuesday closed: Thursday 09:00 PST.
    assert response_due("P3", utc("2026-03-02T17:00")) == utc("2026-03-05T17:00")
    ResponseTarget.objects.filter(priority="P1").update(minutes=60)
    ResponseTarget.objects.get(priority="P1").save()  # saving in the admin drops the snapshot
    assert response_due("P1", utc("2026-03-02T17:00")) == utc("2026-03-02T18:00")


@pytest.mark.django_db
def test_the_calendar_follows_its_rows() -> None:
    row = CalendarRow.objects.get(support_centre=True)
    assert support_calendar().zone.key == "America/Los_Angeles"  # empty zone: the settings'
    row.time_zone, row.country, row.working_days = "Europe/Berlin", "DE", [0, 1, 2, 3, 4, 5]
    row.save()
    berlin = calendar_of(row)
    assert berlin.is_business_day(date(2026, 3, 7))  # a Saturday, worked there
    assert not berlin.is_business_day(date(2026, 10, 3))  # German Unity Day
    assert support_calendar().zone.key == "Europe/Berlin"


@pytest.mark.django_db
def test_a_priority_without_a_target_has_no_due_time() -> None:
    ResponseTarget.objects.filter(priority="P4").delete()
    assert response_due("P4", utc("2026-03-02T17:00")) is None


def test_a_start_in_the_repeated_hour_is_never_due_before_it() -> None:
    # 01:10 PST on 1 November 2026 is the second 01:10 of the night (09:10 UTC).
    every_day = BusinessCalendar("America/Los_Angeles", working_weekdays=range(7))
    start = utc("2026-11-01T09:10")
    assert every_day.add_business_time(start, timedelta(minutes=30)) == utc("2026-11-01T09:40")


@pytest.mark.django_db
def test_calendars_without_working_days_or_with_unknown_subdivisions_are_refused() -> None:
    from django.core.exceptions import ValidationError

    row = CalendarRow(code="x", name="X", working_days=[])
    with pytest.raises(ValidationError):
        row.full_clean()
    row = CalendarRow(code="y", name="Y", working_days=[0, 1], country="US", subdivision="XX")
    with pytest.raises(ValidationError) as refused:
        row.full_clean()
    assert "subdivision" in refused.value.message_dict
    CalendarRow(code="z", name="Z", working_days=[0, 1], country="US", subdivision="CA").full_clean()

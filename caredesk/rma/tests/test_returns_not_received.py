"""D-5.5: for advance replacement the defective unit is due 10 business days (a setting)
after the replacement's delivery, or its shipping where no delivery is recorded, on the
business calendar of D-4.2; a sweep flags each overdue line once for a charge of the
product's full list price; a unit received in time is never flagged; staff list charges
and waive one with a reason."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from caredesk.accounts.models import User
from caredesk.cases.models import Case
from caredesk.core.audit import history
from caredesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caredesk.core.scheduler import registered
from caredesk.rma import events, services
from caredesk.rma.models import ChargeStatus, ReturnCharge
from caredesk.rma.queries import list_return_charges
from caredesk.rma.tests.conftest import approved, line_of
from tests.personas import World

LA = ZoneInfo("America/Los_Angeles")


def _shipped(tse: User, specialist: User, case: Case) -> Any:
    request = approved(tse, specialist, case, "KR1000001")
    services.advance_line(specialist, line_of(request).line_number, "ship_replacement", carrier="DHL",
                          tracking_number="JD1", replacement_serial="KR1900001")  # fmt: skip
    return request


def test_d55_due_ten_business_days_after_shipping_skipping_weekends_and_holidays(
    tse: User, specialist: User, case: Case
) -> None:
    # Shipped Monday 15 June 2026, 10:00 in the centre's zone. Friday 19 June (Juneteenth)
    # and the weekends do not count: the tenth business day ends Tuesday 30 June, 10:00.
    request = _shipped(tse, specialist, case)
    assert line_of(request).return_due_at == datetime(2026, 6, 30, 10, 0, tzinfo=LA)


def test_d55_a_delivery_moves_the_deadline_to_ten_business_days_after_it(
    tse: User, specialist: User, case: Case
) -> None:
    request = _shipped(tse, specialist, case)
    with time_machine.travel(datetime(2026, 6, 17, 9, 30, tzinfo=LA), tick=False):
        services.advance_line(specialist, line_of(request).line_number, "deliver")
    # Wednesday 17 June 09:30 + 10 business days (not Fri 19 June, nor weekends) → Thursday 2 July 09:30.
    assert line_of(request).return_due_at == datetime(2026, 7, 2, 9, 30, tzinfo=LA)


def test_d55_the_number_of_days_is_a_setting(tse: User, specialist: User, case: Case, settings: Any) -> None:
    settings.RMA_RETURN_DAYS = 1
    request = _shipped(tse, specialist, case)
    assert line_of(request).return_due_at == datetime(2026, 6, 16, 10, 0, tzinfo=LA)


def test_d55_repair_lines_have_no_deadline(tse: User, specialist: User, case: Case) -> None:
    request = approved(tse, specialist, case, "KR1000003")
    services.advance_line(specialist, line_of(request).line_number, "await_return")
    assert line_of(request).return_due_at is None


def test_d55_an_overdue_line_is_flagged_once_for_the_full_list_price(tse: User, specialist: User, case: Case) -> None:
    request = _shipped(tse, specialist, case)
    told: list[Any] = []

    def listener(sender: Any, batch: list[Any], **_: Any) -> None:
        told.extend(batch)

    events.rma_events.connect(listener, sender=events.ReturnChargeFlagged)
    try:
        with time_machine.travel(datetime(2026, 6, 30, 9, 59, tzinfo=LA), tick=False):
            assert services.sweep_returns_not_received() == 0  # a minute before the deadline
        with time_machine.travel(datetime(2026, 6, 30, 10, 0, tzinfo=LA), tick=False):
            assert services.sweep_returns_not_received() == 1
            assert services.sweep_returns_not_received() == 0  # once
    finally:
        events.rma_events.disconnect(listener, sender=events.ReturnChargeFlagged)
    charge = ReturnCharge.objects.get()
    assert (charge.amount, charge.currency, charge.status) == (Decimal("12500.00"), "USD", ChargeStatus.OPEN)
    assert charge.organisation_id == request.organisation_id and charge.due_at == line_of(request).return_due_at
    assert [e.charge for e in told] == [charge]
    assert "return_charge_flagged" in [e.action for e in history(line_of(request), include_internal=True)]


def test_d55_a_unit_received_before_the_deadline_is_never_flagged(tse: User, specialist: User, case: Case) -> None:
    request = _shipped(tse, specialist, case)
    with time_machine.travel(datetime(2026, 6, 29, 16, 0, tzinfo=LA), tick=False):
        services.receive_parcel(specialist, line_of(request).line_number)
    with time_machine.travel(datetime(2026, 8, 1, 12, 0, tzinfo=LA), tick=False):
        assert services.sweep_returns_not_received() == 0
    assert not ReturnCharge.objects.exists()


def test_d55_the_sweep_claims_batch_after_batch_until_none_is_due(tse: User, specialist: User, case: Case) -> None:
    request = approved(tse, specialist, case, "KR1000001", "KR1000002")  # both replaced ahead
    for n, serial in ((1, "KR1900001"), (2, "KR1900002")):
        services.advance_line(specialist, line_of(request, n).line_number, "ship_replacement", carrier="DHL",
                              tracking_number=f"JD{n}", replacement_serial=serial)  # fmt: skip
    with time_machine.travel(datetime(2026, 8, 1, 12, 0, tzinfo=LA), tick=False):
        assert services.sweep_returns_not_received(batch=1) == 2
    assert ReturnCharge.objects.count() == 2


def test_d55_the_sweep_is_registered_with_the_others() -> None:
    assert "caredesk.rma.tasks.sweep_returns_not_received" in [p.task.module_path for p in registered()]


def test_d55_staff_list_charges_and_waive_one_with_a_reason(
    world: World, tse: User, specialist: User, case: Case
) -> None:
    _shipped(tse, specialist, case)
    with time_machine.travel(datetime(2026, 7, 1, 12, 0, tzinfo=LA), tick=False):
        services.sweep_returns_not_received()
    [charge] = list_return_charges(specialist).items
    with pytest.raises(ValidationFailed):
        services.waive_charge(specialist, charge.pk, " ")
    for person in (world.alice, world.agent, tse):
        with pytest.raises(Forbidden):
            services.waive_charge(person, charge.pk, "Lost by the carrier.")
        with pytest.raises(Forbidden):
            list_return_charges(person)
    waived = services.waive_charge(specialist, charge.pk, "Lost by the carrier.")
    assert (waived.status, waived.waived_by, waived.waive_reason) == (
        ChargeStatus.WAIVED,
        specialist,
        "Lost by the carrier.",
    )
    with pytest.raises(Conflict):
        services.waive_charge(specialist, charge.pk, "Again.")
    assert [c.pk for c in list_return_charges(specialist, status="waived").items] == [charge.pk]
    assert not list_return_charges(specialist, status="open").items
    with pytest.raises(NotFound):
        services.waive_charge(specialist, 999_999, "No such.")


def test_d13_charges_of_a_government_customer_are_hidden_from_uncleared_staff(
    world: World, tse: User, specialist: User, case: Case
) -> None:
    _shipped(tse, specialist, case)
    with time_machine.travel(datetime(2026, 7, 1, 12, 0, tzinfo=LA), tick=False):
        services.sweep_returns_not_received()
    charge = ReturnCharge.objects.get()
    type(charge.organisation).objects.filter(pk=charge.organisation_id).update(government=True)
    assert not list_return_charges(specialist).items
    with pytest.raises(NotFound):
        services.waive_charge(specialist, charge.pk, "Lost by the carrier.")

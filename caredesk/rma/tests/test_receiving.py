"""D-5.4: the depot books a box by its line number, its RMA number, or, when it carries
none, by a serial that matches an open line; a box matching nothing is rejected, returned
to sender and recorded against no RMA; a serial that is not the line's is flagged."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from caredesk.accounts.models import User
from caredesk.cases.models import Case
from caredesk.core.audit import history
from caredesk.core.errors import Conflict, Forbidden, ValidationFailed
from caredesk.installbase import services as installbase
from caredesk.rma import services
from caredesk.rma.models import LineStatus, Parcel, ParcelOutcome
from caredesk.rma.tests.conftest import approved, line_of
from tests.personas import World


@pytest.fixture
def second(world: World, ib: Any) -> str:
    """Another unit of Acme's in hardware warranty (a repair line, like KR1000003)."""
    installbase.register_asset(
        installbase.NewAsset(serial="KR1000020", product=ib.router, owner=world.acme, ship_date=date(2026, 3, 1))
    )
    return "KR1000020"


def test_d54_a_box_is_booked_by_its_line_number(tse: User, specialist: User, case: Case, second: str) -> None:
    request = approved(tse, specialist, case, "KR1000003", second)
    booking = services.receive_parcel(specialist, f" {line_of(request, 2).line_number.lower()} ")
    assert booking.line is not None and booking.line.position == 2
    assert booking.parcel.outcome == ParcelOutcome.RECEIVED and booking.parcel.line_id == booking.line.pk
    assert line_of(request, 2).status == LineStatus.RECEIVED and line_of(request, 2).received_at is not None
    assert line_of(request, 1).status == LineStatus.APPROVED


def test_d54_a_box_with_the_rma_number_is_its_only_expected_line(tse: User, specialist: User, case: Case) -> None:
    request = approved(tse, specialist, case, "KR1000003")
    booking = services.receive_parcel(specialist, request.rma_number)
    assert booking.line is not None and booking.line.status == LineStatus.RECEIVED


def test_d54_with_several_lines_the_rma_number_needs_the_serial(
    tse: User, specialist: User, case: Case, second: str
) -> None:
    request = approved(tse, specialist, case, "KR1000003", second)
    with pytest.raises(ValidationFailed) as refused:
        services.receive_parcel(specialist, request.rma_number)
    assert "serial" in refused.value.fields
    booking = services.receive_parcel(specialist, request.rma_number, serial="kr1000020")
    assert booking.line is not None and booking.line.position == 2


def test_d54_a_box_without_a_number_is_matched_by_the_serial_of_an_open_line(
    tse: User, specialist: User, case: Case
) -> None:
    request = approved(tse, specialist, case, "KR1000003")
    booking = services.receive_parcel(specialist, "kr1000003")
    assert booking.line is not None and booking.line.pk == line_of(request).pk
    assert booking.parcel.outcome == ParcelOutcome.RECEIVED


def test_d54_a_box_matching_nothing_is_rejected_and_returned_to_sender(tse: User, specialist: User, case: Case) -> None:
    approved(tse, specialist, case, "KR1000003")
    for scanned in ("KR1000001", "R99999999", "R99999999-1", "NOT-A-UNIT"):  # not on an open line, no such RMA
        booking = services.receive_parcel(specialist, scanned)
        assert booking.line is None
        assert booking.parcel.outcome == ParcelOutcome.RETURN_TO_SENDER and booking.parcel.line is None
    parcels = Parcel.objects.filter(outcome=ParcelOutcome.RETURN_TO_SENDER)
    assert parcels.count() == 4
    assert [e.action for e in history(parcels.first(), include_internal=True)] == ["returned_to_sender"]


def test_d54_a_pending_request_s_unit_is_not_an_open_line(tse: User, specialist: User, case: Case) -> None:
    services.request_rma(tse, case.case_id, [services.NewLine("KR1000003", "hardware_fault", "Dead.")])
    assert services.receive_parcel(specialist, "KR1000003").parcel.outcome == ParcelOutcome.RETURN_TO_SENDER


def test_d54_a_serial_that_is_not_the_line_s_is_flagged_not_received(tse: User, specialist: User, case: Case) -> None:
    request = approved(tse, specialist, case, "KR1000003")
    number = line_of(request).line_number
    booking = services.receive_parcel(specialist, number, serial="KR7777777")
    assert booking.parcel.outcome == ParcelOutcome.SERIAL_MISMATCH and booking.parcel.line_id == line_of(request).pk
    held = line_of(request)
    assert (held.status, held.received_at, held.mismatched_serial) == (LineStatus.APPROVED, None, "KR7777777")
    assert "serial_mismatch" in [e.action for e in history(held, include_internal=True)]
    # the right unit afterwards is received, and the flag cleared
    services.receive_parcel(specialist, number, serial="KR1000003")
    assert (line_of(request).status, line_of(request).mismatched_serial) == (LineStatus.RECEIVED, "")


def test_d54_a_line_received_already_expects_nothing(tse: User, specialist: User, case: Case) -> None:
    request = approved(tse, specialist, case, "KR1000003")
    number = line_of(request).line_number
    services.receive_parcel(specialist, number)
    with pytest.raises(Conflict):
        services.receive_parcel(specialist, number)
    with pytest.raises(Conflict):
        services.receive_parcel(specialist, request.rma_number)  # the same box scanned twice
    assert Parcel.objects.count() == 1


def test_d54_only_depot_staff_receive(world: World, tse: User, specialist: User, case: Case) -> None:
    request = approved(tse, specialist, case, "KR1000003")
    for person in (world.alice, world.agent, tse):
        with pytest.raises(Forbidden):
            services.receive_parcel(person, line_of(request).line_number)
    assert not Parcel.objects.exists()


def test_d54_an_empty_scan_is_refused(specialist: User) -> None:
    with pytest.raises(ValidationFailed):
        services.receive_parcel(specialist, "  ")


def test_an_advance_replacements_unit_is_not_expected_before_the_replacement_ships(
    tse: User, specialist: User, case: Case, world: World
) -> None:
    """The defective unit of an advance replacement is due once the replacement has
    shipped: a box that comes before is held with a reason, not booked. The customer may
    print its label already."""
    request = approved(tse, specialist, case, "KR1000001")
    number = line_of(request).line_number
    with pytest.raises(Conflict) as held:
        services.receive_parcel(specialist, number)
    assert "has not shipped yet" in held.value.message
    assert services.return_label(world.alice, request.rma_number).pdf.startswith(b"%PDF")
    assert line_of(request).status == "approved" and not Parcel.objects.exists()

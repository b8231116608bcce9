"""The customer's RMA pages (D-5.1, D-5.2, D-5.4, D-5.5, D-3.6): My RMAs, found by number
and serial, and one request with its lines (their shipments, return deadline and any
charge), its questions, cancelling it and the quote; inside the customer's scope only
(D-1.3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from caredesk.accounts import services as accounts
from caredesk.accounts.models import User
from caredesk.cases.models import Case
from caredesk.rma import services
from caredesk.rma.models import QuoteStatus, RmaRequest, RmaStatus
from caredesk.rma.services import NewLine
from tests.personas import PASSWORD, TODAY, World, admin_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def tse(world: World) -> User:
    return accounts.create_user("tse@vendor.example", "Tara Tse", world.vendor, PASSWORD, roles=["tse"])


@pytest.fixture
def specialist(world: World) -> User:
    return accounts.create_user("rma@vendor.example", "Rita Returns", world.vendor, PASSWORD, roles=["rma_specialist"])


def technical(contact: User, serial: str) -> Case:
    return admin_case(contact, kind="technical", request_type="", request_subtype="", serial_number=serial)


def unit(serial: str) -> NewLine:
    return NewLine(serial, "hardware_fault", "Reboots every hour.")


@pytest.fixture
def pending(world: World, tse: User, ib: Any) -> RmaRequest:
    case = technical(world.alice, ib.covered.serial)
    return services.request_rma(tse, case.case_id, [unit(ib.covered.serial), unit(ib.in_warranty.serial)])


@pytest.fixture
def globex(world: World, tse: User, ib: Any) -> RmaRequest:
    case = technical(world.charlie, ib.globex_unit.serial)
    return services.request_rma(tse, case.case_id, [unit(ib.globex_unit.serial)])


def test_my_rmas_lists_the_customers_requests_with_number_case_and_units(
    client_for: Callable[[str], Client], pending: RmaRequest, globex: RmaRequest
) -> None:
    page = client_for("alice").get("/rmas/")
    assert page.status_code == 200
    text = page.content.decode()
    assert pending.validation_number in text and f"/cases/{pending.case.case_id}/" in text
    assert "Pending review" in text
    assert globex.validation_number not in text  # D-1.3


def test_my_rmas_finds_by_validation_number_rma_number_line_and_serial(
    client_for: Callable[[str], Client], pending: RmaRequest, specialist: User, ib: Any
) -> None:
    approved = services.approve(specialist, pending.validation_number)
    alice = client_for("alice")
    for q in (approved.validation_number, approved.rma_number, f"{approved.rma_number}-2", ib.in_warranty.serial):
        text = alice.get("/rmas/", {"q": q}).content.decode()
        assert approved.rma_number in text, q
    assert "No RMA request matches" in alice.get("/rmas/", {"q": "R9999999"}).content.decode()


def test_the_request_page_shows_each_line_with_its_type_reason_and_state(
    client_for: Callable[[str], Client], pending: RmaRequest, ib: Any
) -> None:
    page = client_for("alice").get(f"/rmas/{pending.validation_number}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert ib.covered.serial in text and ib.in_warranty.serial in text
    assert "Advance replacement" in text and "replaces hardware ahead" in text  # D-5.2: the type and why
    assert "Standard product warranty" in text and "In hardware warranty until" in text
    assert "Hardware fault" in text and "Reboots every hour." in text


def test_another_organisations_request_is_not_found(client_for: Callable[[str], Client], globex: RmaRequest) -> None:
    alice = client_for("alice")
    assert alice.get(f"/rmas/{globex.validation_number}/").status_code == 404
    assert alice.post(f"/rmas/{globex.validation_number}/cancel/", {"reason": ""}).status_code == 404


def test_the_customer_asks_a_question_and_cancels(client_for: Callable[[str], Client], pending: RmaRequest) -> None:
    alice = client_for("alice")
    number = pending.validation_number
    empty = alice.post(f"/rmas/{number}/questions/", {"body": ""})
    assert empty.status_code == 422 and "Please fill this in." in empty.content.decode()
    asked = alice.post(f"/rmas/{number}/questions/", {"body": "Does the power cord come back too?"}, follow=True)
    assert "Does the power cord come back too?" in asked.content.decode()
    cancelled = alice.post(f"/rmas/{number}/cancel/", {"reason": "Fixed after a firmware update."}, follow=True)
    assert "The RMA request is cancelled." in cancelled.content.decode()
    pending.refresh_from_db()
    assert pending.status == RmaStatus.CANCELLED
    assert "Ask a question" not in alice.get(f"/rmas/{number}/").content.decode()  # no longer open


def test_the_customer_accepts_a_time_and_material_quote(
    world: World, client_for: Callable[[str], Client], tse: User, ib: Any
) -> None:
    """D-5.2: a unit with no entitlement gets a quote the customer answers in the portal."""
    case = technical(world.alice, ib.covered.serial)
    quoted = services.request_rma(tse, case.case_id, [unit(ib.lapsed.serial)])
    alice = client_for("alice")
    page = alice.get(f"/rmas/{quoted.validation_number}/").content.decode()
    assert "A time-and-material quote is waiting for your answer" in page
    alice.post(f"/rmas/{quoted.validation_number}/quote/", {"answer": "accept"})
    quoted.refresh_from_db()
    assert quoted.quote_status == QuoteStatus.ACCEPTED


def test_the_case_page_lists_the_cases_rmas(client_for: Callable[[str], Client], pending: RmaRequest) -> None:
    text = client_for("alice").get(f"/cases/{pending.case.case_id}/").content.decode()
    assert "RMA requests" in text and f"/rmas/{pending.validation_number}/" in text


def test_the_portal_menu_offers_my_rmas(client_for: Callable[[str], Client]) -> None:
    assert 'href="/rmas/"' in client_for("alice").get("/").content.decode()


def test_d55_the_customer_sees_each_lines_state_tracking_number_and_exact_return_deadline(
    world: World, client_for: Callable[[str], Client], pending: RmaRequest, specialist: User
) -> None:
    """D-5.4, D-5.5: once the replacement ships, the customer reads where the line stands,
    the replacement's tracking number, and when the defective unit must be back, to the
    minute in their own zone with the zone named; never the staff's forms or flags."""
    with time_machine.travel(TODAY.isoformat() + " 17:00 +00:00", tick=False):
        number = services.approve(specialist, pending.validation_number).rma_number
        services.advance_line(specialist, f"{number}-1", "ship_replacement", carrier="DHL",
                              tracking_number="JD0001234", replacement_serial="KR1900001")  # fmt: skip
    services.receive_parcel(specialist, f"{number}-2", "KR7777777")  # the wrong unit in the box: held
    world.alice.time_zone = "Europe/Berlin"
    world.alice.save(update_fields=["time_zone"])
    text = client_for("alice").get(f"/rmas/{number}/").content.decode()
    assert "Replacement shipped" in text and "Approved" in text
    assert "Replacement KR1900001 sent with DHL, tracking number JD0001234" in text
    assert "The defective unit must be back by" in text
    assert "30 Jun 2026, 19:00 CEST" in text  # 10:00 at the support centre (Los Angeles), 19:00 in Berlin
    assert "/moves/" not in text and "Ship the replacement" not in text and "Record the delivery" not in text
    assert "KR7777777" not in text and "Serial mismatch" not in text  # the depot's flag is the vendor's own


def test_d55_the_customer_sees_the_charge_for_a_unit_not_returned_in_time(
    client_for: Callable[[str], Client], pending: RmaRequest, specialist: User
) -> None:
    with time_machine.travel(TODAY.isoformat() + " 17:00 +00:00", tick=False):
        number = services.approve(specialist, pending.validation_number).rma_number
        services.advance_line(specialist, f"{number}-1", "ship_replacement", carrier="DHL",
                              tracking_number="JD1", replacement_serial="KR1900001")  # fmt: skip
    with time_machine.travel(datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("America/Los_Angeles")), tick=False):
        services.sweep_returns_not_received()
    text = client_for("alice").get(f"/rmas/{number}/").content.decode()
    assert "Charged 12500.00 USD: the defective unit was not received in time" in text


def test_d54_the_page_tells_where_and_how_the_units_go_back_once_approved(
    client_for: Callable[[str], Client], pending: RmaRequest, specialist: User
) -> None:
    before = client_for("alice").get(f"/rmas/{pending.validation_number}/").content.decode()
    assert "Sending the units back" not in before and "Return label (PDF)" not in before  # nothing to send yet
    approved = services.approve(specialist, pending.validation_number)
    text = client_for("alice").get(f"/rmas/{approved.rma_number}/").content.decode()
    assert "Sending the units back" in text and "Return label (PDF)" in text
    assert "Cargo City Süd, Gebäude 570" in text  # the EMEA EU address: the units are at a site in Germany
    assert f"For {approved.rma_number}-1, {approved.rma_number}-2" in text

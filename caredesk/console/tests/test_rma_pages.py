"""The console's RMA pages (D-5.1 – D-5.5, D-3.6): the TSE's request form on a technical
case, the RMA specialist's review queue, the RMA page with its review, and support
logistics moving an approved line on from it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from caredesk.accounts import services as accounts
from caredesk.accounts.models import User
from caredesk.cases.models import Case
from caredesk.installbase.models import Asset
from caredesk.rma import services
from caredesk.rma.models import LineStatus, RmaLine, RmaMessageKind, RmaRequest, RmaStatus, RmaType
from caredesk.rma.services import NewLine
from caredesk.web import dates
from tests.personas import PASSWORD, TODAY, World, admin_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def tse(world: World) -> User:
    return accounts.create_user("tse@vendor.example", "Tara Tse", world.vendor, PASSWORD, roles=["tse"])


@pytest.fixture
def specialist(world: World) -> User:
    return accounts.create_user("rma@vendor.example", "Rita Returns", world.vendor, PASSWORD, roles=["rma_specialist"])


def client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def case(world: World, ib: Any) -> Case:
    return admin_case(
        world.alice, kind="technical", request_type="", request_subtype="", serial_number=ib.covered.serial
    )


@pytest.fixture
def pending(tse: User, case: Case, ib: Any) -> RmaRequest:
    return services.request_rma(tse, case.case_id, [NewLine(ib.covered.serial, "port_fault", "Port 3 dead.")])


def rows(page: Any, serials: list[str]) -> dict[str, str]:
    """The request form's fields for ``serials``, by the row each unit has on the form."""
    form = page.context["rma_form"] if "rma_form" in page.context else page.context["form"]
    data: dict[str, str] = {}
    for i, unit in enumerate(form.units):
        if unit.serial in serials:
            data |= {f"unit_{i}": "on", f"fault_{i}": "hardware_fault", f"description_{i}": f"{unit.serial} is dead."}
    return data


def test_d51_a_tse_requests_an_rma_from_the_technical_case_page(tse: User, case: Case, ib: Any) -> None:
    tara = client(tse)
    page = tara.get(f"/console/cases/{case.case_id}/")
    assert "Request an RMA" in page.content.decode()
    data = rows(page, [ib.covered.serial, ib.in_warranty.serial])
    made = tara.post(f"/console/cases/{case.case_id}/rma/", data)
    assert made.status_code == 303
    request = RmaRequest.objects.get(case=case)
    assert [(line.serial, line.rma_type) for line in request.lines.order_by("position")] == [
        (ib.covered.serial, RmaType.ADVANCE_REPLACEMENT),
        (ib.in_warranty.serial, RmaType.WARRANTY),
    ]
    assert made["Location"] == f"/console/rmas/{request.validation_number}/"
    assert request.validation_number in tara.get(f"/console/cases/{case.case_id}/").content.decode()


def test_the_request_form_puts_each_error_next_to_its_unit(tse: User, case: Case, ib: Any) -> None:
    tara = client(tse)
    form_page = tara.get(f"/console/cases/{case.case_id}/rma/")
    data = rows(form_page, [ib.covered.serial])
    row = next(k.split("_")[1] for k in data if k.startswith("unit_"))
    data[f"fault_{row}"] = ""
    answer = tara.post(f"/console/cases/{case.case_id}/rma/", data)
    assert answer.status_code == 422
    assert answer.context["form"].errors[f"fault_{row}"] == ["Choose what failed."]
    nothing = tara.post(f"/console/cases/{case.case_id}/rma/", {})
    assert nothing.status_code == 422 and "Name at least one unit." in nothing.content.decode()


def test_d53_fire_damage_is_refused_with_that_reason(tse: User, case: Case, ib: Any) -> None:
    tara = client(tse)
    data = rows(tara.get(f"/console/cases/{case.case_id}/rma/"), [ib.covered.serial])
    data = {k: ("fire" if k.startswith("fault_") else v) for k, v in data.items()}
    page = tara.post(f"/console/cases/{case.case_id}/rma/", data, follow=True)
    assert "Damage caused by fire, flood or other acts of nature is not covered by an RMA." in page.content.decode()
    assert RmaRequest.objects.get(case=case).rma_number is None


def test_only_staff_who_work_rmas_get_the_queue_and_the_menu_entry(
    world: World, specialist: User, tse: User, pending: RmaRequest
) -> None:
    assert client(world.agent).get("/console/rmas/").status_code == 404
    assert 'href="/console/rmas/"' not in client(world.agent).get("/console/").content.decode()
    for user in (specialist, tse):
        page = client(user).get("/console/rmas/")
        assert page.status_code == 200 and pending.validation_number in page.content.decode()
        assert 'href="/console/rmas/"' in client(user).get("/console/").content.decode()


def test_the_queue_finds_by_serial_and_filters_by_status(specialist: User, pending: RmaRequest, ib: Any) -> None:
    rita = client(specialist)
    assert pending.validation_number in rita.get("/console/rmas/", {"q": ib.covered.serial}).content.decode()
    assert pending.validation_number not in rita.get("/console/rmas/", {"q": "KR9999999"}).content.decode()
    assert pending.validation_number not in rita.get("/console/rmas/", {"status": "approved"}).content.decode()
    assert rita.get("/console/rmas/", {"status": "bogus"}).status_code == 422


def test_d51_the_specialist_approves_and_the_lines_are_numbered(specialist: User, pending: RmaRequest) -> None:
    rita = client(specialist)
    page = rita.post(f"/console/rmas/{pending.validation_number}/approve/", follow=True)
    pending.refresh_from_db()
    assert pending.status == RmaStatus.APPROVED and pending.rma_number
    text = page.content.decode()
    assert f"{pending.rma_number}-1" in text and "Approve</button>" not in text


def test_rejecting_needs_a_reason(specialist: User, pending: RmaRequest) -> None:
    rita = client(specialist)
    empty = rita.post(f"/console/rmas/{pending.validation_number}/reject/", {"reason": ""})
    assert empty.status_code == 422 and empty.context["reject_form"].errors["reason"] == ["Please fill this in."]
    rita.post(f"/console/rmas/{pending.validation_number}/reject/", {"reason": "The fault is in the software."})
    pending.refresh_from_db()
    assert pending.status == RmaStatus.REJECTED and pending.decision_reason == "The fault is in the software."


def test_the_specialist_asks_the_tse_who_answers(specialist: User, tse: User, pending: RmaRequest) -> None:
    number = pending.validation_number
    client(specialist).post(f"/console/rmas/{number}/engineer-questions/", {"body": "Which port exactly?"})
    pending.refresh_from_db()
    assert pending.status == RmaStatus.AWAITING_TSE
    tara = client(tse)
    assert "Answer the RMA specialist" in tara.get(f"/console/rmas/{number}/").content.decode()
    tara.post(f"/console/rmas/{number}/engineer-answers/", {"body": "Port 3, the uplink."})
    pending.refresh_from_db()
    assert pending.status == RmaStatus.PENDING


def test_the_specialist_answers_the_customers_question(world: World, specialist: User, pending: RmaRequest) -> None:
    number = pending.validation_number
    services.ask_question(world.alice, number, "Does the cord come back too?")
    rita = client(specialist)
    assert "Answer the customer" in rita.get(f"/console/rmas/{number}/").content.decode()
    rita.post(f"/console/rmas/{number}/answers/", {"body": "No, keep the cord."})
    assert pending.messages.filter(kind=RmaMessageKind.ANSWER, body="No, keep the cord.").exists()


def test_staff_amend_a_line_and_its_type_is_worked_out_again(specialist: User, pending: RmaRequest, ib: Any) -> None:
    rita = client(specialist)
    number = pending.validation_number
    changed = rita.post(
        f"/console/rmas/{number}/lines/1/",
        {"line1-serial": ib.in_warranty.serial, "line1-fault_category": "no_power",
         "line1-failure_description": "No power at all."},
    )  # fmt: skip
    assert changed.status_code == 303
    line = pending.lines.get()
    assert (line.serial, line.fault_category, line.rma_type) == (ib.in_warranty.serial, "no_power", RmaType.WARRANTY)
    wrong = rita.post(
        f"/console/rmas/{number}/lines/1/",
        {"line1-serial": "KR2000001", "line1-fault_category": "no_power", "line1-failure_description": "x"},
    )
    assert wrong.status_code == 422
    assert "is registered to this organisation" in wrong.content.decode()


def test_a_customer_never_reaches_the_console_pages(world: World, pending: RmaRequest) -> None:
    alice = client(world.alice)
    assert alice.get("/console/rmas/").status_code == 404
    assert alice.get(f"/console/rmas/{pending.validation_number}/").status_code == 404


# --- line logistics on the RMA page (D-5.4, D-5.5) ---------------------------------------------


@pytest.fixture
def on_the_day() -> Any:
    with time_machine.travel(TODAY.isoformat() + " 17:00 +00:00", tick=False):  # 10:00 at the support centre
        yield


@pytest.fixture
def approved(tse: User, specialist: User, case: Case, ib: Any, on_the_day: Any) -> RmaRequest:
    """Line 1 an advance replacement, line 2 a warranty repair."""
    units = [
        NewLine(ib.covered.serial, "port_fault", "Port 3 dead."),
        NewLine(ib.in_warranty.serial, "no_power", "Off."),
    ]
    request = services.request_rma(tse, case.case_id, units)
    return services.approve(specialist, request.validation_number)


def test_d54_an_approved_line_shows_its_own_state_and_the_moves_it_allows(
    specialist: User, approved: RmaRequest
) -> None:
    number = approved.rma_number
    services.advance_line(specialist, f"{number}-2", "await_return")
    page = client(specialist).get(f"/console/rmas/{number}/")
    text = page.content.decode()
    rows = {row.number: row.state for row in page.context["lines"]}
    assert rows == {f"{number}-1": "Approved", f"{number}-2": "Awaiting the unit"}
    forms = {(m.row.number, f.action) for m in page.context["line_moves"] for f in m.forms}
    assert forms == {(f"{number}-1", "ship_replacement")}  # receiving is the depot's
    assert [m.receivable for m in page.context["line_moves"]] == [False, True]
    assert "Ship the replacement" in text and 'href="/console/depot/"' in text
    assert f'action="/console/rma-lines/{number}-1/moves/"' in text


def test_d54_shipping_the_replacement_on_the_page_moves_the_line_and_registers_the_replacement(
    specialist: User, approved: RmaRequest, ib: Any, on_the_day: Any
) -> None:
    number = approved.rma_number
    rita = client(specialist)
    data = {"action": "ship_replacement", "carrier": "DHL", "tracking_number": "JD0001234",
            "replacement_serial": "KR1900001"}  # fmt: skip
    moved = rita.post(f"/console/rma-lines/{number}-1/moves/", data)
    assert moved.status_code == 303 and moved["Location"] == f"/console/rmas/{number}/"
    line = RmaLine.objects.select_related("replacement").get(line_number=f"{number}-1")
    assert (line.status, line.carrier, line.tracking_number) == (LineStatus.REPLACEMENT_SHIPPED, "DHL", "JD0001234")
    assert line.replacement is not None and line.replacement.serial == "KR1900001"
    assert Asset.objects.get(pk=ib.covered.pk).replaced_by_id == line.replacement.pk
    page = rita.get(f"/console/rmas/{number}/")
    text = page.content.decode()
    assert "replacement KR1900001 shipped" in text  # the success message
    assert "Replacement shipped" in text and "JD0001234" in text and "KR1900001" in text
    assert line.return_due_at == datetime(2026, 6, 30, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert "The defective unit must be back by" in text and dates.when(line.return_due_at) in text
    assert {f.action for m in page.context["line_moves"] for f in m.forms if m.row.number == f"{number}-1"} == {
        "deliver"
    }


def test_d54_a_move_missing_its_tracking_number_shows_the_error_and_changes_nothing(
    specialist: User, approved: RmaRequest
) -> None:
    number = approved.rma_number
    data = {"action": "ship_replacement", "carrier": "DHL", "tracking_number": "", "replacement_serial": "KR1900001"}
    answer = client(specialist).post(f"/console/rma-lines/{number}-1/moves/", data)
    assert answer.status_code == 422
    bound = next(f for m in answer.context["line_moves"] for f in m.forms if f.action == "ship_replacement")
    assert bound.errors["tracking_number"] == ["Enter the tracking number."]
    assert 'value="DHL"' in answer.content.decode()  # what was typed stays
    line = RmaLine.objects.get(line_number=f"{number}-1")
    assert (line.status, line.tracking_number, line.replacement_id) == (LineStatus.APPROVED, "", None)
    assert not Asset.objects.filter(serial="KR1900001").exists()


def test_d54_a_move_the_line_does_not_allow_now_is_refused_on_the_page(specialist: User, approved: RmaRequest) -> None:
    answer = client(specialist).post(f"/console/rma-lines/{approved.rma_number}-1/moves/", {"action": "close"})
    assert answer.status_code == 409 and "that cannot be done now" in answer.content.decode()
    assert RmaLine.objects.get(line_number=f"{approved.rma_number}-1").status == LineStatus.APPROVED


def test_d54_staff_without_the_capability_see_no_forms_and_cannot_move_a_line(
    world: World, tse: User, approved: RmaRequest
) -> None:
    number = approved.rma_number
    for user in (tse, world.agent):
        person = client(user)
        page = person.get(f"/console/rmas/{number}/")
        assert page.status_code == 200 and page.context["line_moves"] == []
        assert "/moves/" not in page.content.decode()
        answer = person.post(f"/console/rma-lines/{number}-2/moves/", {"action": "await_return"})
        assert answer.status_code == 404
    assert RmaLine.objects.get(line_number=f"{number}-2").status == LineStatus.APPROVED


def test_d54_moving_a_line_needs_the_csrf_token(specialist: User, approved: RmaRequest) -> None:
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(specialist)
    answer = guarded.post(f"/console/rma-lines/{approved.rma_number}-2/moves/", {"action": "await_return"})
    assert answer.status_code == 403
    assert RmaLine.objects.get(line_number=f"{approved.rma_number}-2").status == LineStatus.APPROVED


def test_d54_the_repair_flow_runs_on_the_page_and_shows_the_tracking_number_going_back(
    specialist: User, approved: RmaRequest
) -> None:
    number, rita = approved.rma_number, client(specialist)
    url = f"/console/rma-lines/{number}-2/moves/"
    assert rita.post(url, {"action": "await_return"}).status_code == 303
    services.receive_parcel(specialist, f"{number}-2")
    assert rita.post(url, {"action": "repair"}).status_code == 303
    assert rita.post(url, {"action": "ship_back", "carrier": "UPS", "tracking_number": "1Z999"}).status_code == 303
    text = rita.get(f"/console/rmas/{number}/").content.decode()
    assert "Shipped back" in text and "Sent back with UPS, tracking number 1Z999" in text
    assert rita.post(url, {"action": "close"}).status_code == 303
    assert RmaLine.objects.get(line_number=f"{number}-2").status == LineStatus.CLOSED


def test_d55_staff_see_a_charge_and_a_serial_that_did_not_match(specialist: User, approved: RmaRequest) -> None:
    number = approved.rma_number
    services.advance_line(specialist, f"{number}-1", "ship_replacement", carrier="DHL", tracking_number="JD1",
                          replacement_serial="KR1900001")  # fmt: skip
    services.receive_parcel(specialist, f"{number}-1", "KR7777777")  # the wrong unit in the box: held
    with time_machine.travel(datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("America/Los_Angeles")), tick=False):
        services.sweep_returns_not_received()
    text = client(specialist).get(f"/console/rmas/{number}/").content.decode()
    assert "Serial mismatch: the box held KR7777777" in text
    assert "Charged 12500.00 USD: the defective unit was not received in time" in text

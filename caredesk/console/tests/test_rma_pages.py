"""The console's RMA pages (D-5.1 – D-5.3, D-3.6): the TSE's request form on a technical
case, the RMA specialist's review queue, and the RMA page with its review."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from caredesk.accounts import services as accounts
from caredesk.accounts.models import User
from caredesk.cases.models import Case
from caredesk.rma import services
from caredesk.rma.models import RmaMessageKind, RmaRequest, RmaStatus, RmaType
from caredesk.rma.services import NewLine
from tests.personas import PASSWORD, World, admin_case

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

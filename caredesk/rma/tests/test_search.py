"""Finding RMA requests (D-3.6): by validation number, by RMA number whole or with a line
suffix, and by serial, from the API's list; always inside the caller's scope (D-1.3)."""

from __future__ import annotations

from typing import Any

import pytest

from caredesk.accounts.models import User
from caredesk.cases.models import Case
from caredesk.rma import queries, services
from caredesk.rma.models import RmaRequest
from caredesk.rma.tests.conftest import line
from tests.personas import World, admin_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(tse: User, specialist: User, case: Case, ib: Any) -> RmaRequest:
    made = services.request_rma(tse, case.case_id, [line(ib.covered.serial), line(ib.in_warranty.serial)])
    return services.approve(specialist, made.validation_number)


@pytest.fixture
def globex_request(world: World, tse: User, ib: Any) -> RmaRequest:
    technical = admin_case(
        world.charlie, kind="technical", request_type="", request_subtype="", serial_number=ib.globex_unit.serial
    )
    return services.request_rma(tse, technical.case_id, [line(ib.globex_unit.serial)])


def found(user: User, text: str) -> list[str]:
    return [r.validation_number for r in queries.search_rma_requests(queries.visible_rma_requests(user), text)]


def test_a_request_is_found_by_its_validation_number_typed_loosely(
    world: World, approved: RmaRequest, globex_request: RmaRequest
) -> None:
    number = approved.validation_number
    assert found(world.alice, number) == [number]
    assert found(world.alice, f"  {number.lower()} ") == [number]


def test_by_rma_number_whole_or_with_a_line_suffix(world: World, approved: RmaRequest) -> None:
    assert approved.rma_number
    assert found(world.alice, approved.rma_number) == [approved.validation_number]
    assert found(world.alice, f"{approved.rma_number}-2") == [approved.validation_number]
    assert found(world.alice, f"{approved.rma_number}-3") == []  # no third line


def test_by_the_serial_of_one_of_its_units(world: World, approved: RmaRequest, ib: Any) -> None:
    assert found(world.alice, ib.in_warranty.serial.lower()) == [approved.validation_number]
    assert found(world.alice, "NO-SUCH-SERIAL") == []


def test_search_keeps_the_callers_scope(
    world: World, approved: RmaRequest, globex_request: RmaRequest, ib: Any
) -> None:
    """D-1.3: Acme's people never find Globex's request, by number or by serial."""
    assert found(world.alice, globex_request.validation_number) == []
    assert found(world.alice, ib.globex_unit.serial) == []
    assert found(world.charlie, ib.globex_unit.serial) == [globex_request.validation_number]


def test_the_api_list_finds_by_number_and_serial(
    world: World, api: Any, approved: RmaRequest, globex_request: RmaRequest, ib: Any
) -> None:
    alice = api(world.alice)
    for q in (approved.validation_number, approved.rma_number, f"{approved.rma_number}-1", ib.covered.serial):
        response = alice.get("/rmas", q=q)
        assert response.status_code == 200, response.content
        assert [i["validation_number"] for i in response.json()["items"]] == [approved.validation_number]
    assert alice.get("/rmas", q=globex_request.validation_number).json()["items"] == []


def test_the_review_queue_puts_pending_first_then_waiting_for_the_engineer(
    world: World, tse: User, specialist: User, approved: RmaRequest, globex_request: RmaRequest, ib: Any
) -> None:
    technical = admin_case(
        world.alice, kind="technical", request_type="", request_subtype="", serial_number=ib.par_covered.serial
    )
    waiting = services.request_rma(tse, technical.case_id, [line(ib.par_covered.serial)])
    services.ask_tse(specialist, waiting.validation_number, "Which port?")
    queue = [r.validation_number for r in queries.review_queue(specialist)]
    assert queue == [globex_request.validation_number, waiting.validation_number]  # the approved one is done
    everything = [r.validation_number for r in queries.review_queue(specialist, status="")]
    assert everything[-1] == approved.validation_number
    assert [r.validation_number for r in queries.review_queue(specialist, q=ib.par_covered.serial)] == [
        waiting.validation_number
    ]


def _ship(specialist: User, line_number: str, tracking: str = "1Z999AA10123456784") -> None:
    services.advance_line(specialist, line_number, "ship_replacement", carrier="UPS", tracking_number=tracking,
                          replacement_serial="KR1900001")  # fmt: skip


def test_by_the_tracking_number_of_what_shipped(
    world: World, specialist: User, approved: RmaRequest, globex_request: RmaRequest
) -> None:
    _ship(specialist, f"{approved.rma_number}-1")
    assert found(world.alice, "1Z999AA10123456784") == [approved.validation_number]
    assert found(world.charlie, "1Z999AA10123456784") == []  # not Globex's


def cases_found(user: User, text: str) -> list[str]:
    from caredesk.cases.queries import CaseFilter, list_cases

    return [c.case_id for c in list_cases(user, CaseFilter(query=text)).items]


def test_d36_the_case_search_finds_a_case_by_its_rma_numbers(
    world: World, approved: RmaRequest, globex_request: RmaRequest, case: Case
) -> None:
    for text in (approved.rma_number, f"{approved.rma_number}-2", approved.validation_number.lower()):
        assert cases_found(world.alice, text or "") == [case.case_id], text
        assert cases_found(world.agent, text or "") == [case.case_id], text
    assert cases_found(world.alice, f"{approved.rma_number}-3") == []  # no such line
    assert cases_found(world.alice, globex_request.validation_number) == []  # D-1.3: another owner's
    assert cases_found(world.charlie, globex_request.validation_number) == [globex_request.case.case_id]


def test_d36_the_case_search_finds_a_case_by_a_shipments_tracking_number(
    world: World, specialist: User, approved: RmaRequest, case: Case
) -> None:
    _ship(specialist, f"{approved.rma_number}-1")
    assert cases_found(world.alice, "1Z999AA10123456784") == [case.case_id]
    assert cases_found(world.charlie, "1Z999AA10123456784") == []
    assert cases_found(world.alice, "1Z999AA10123456785") == []


def test_case_lists_show_the_cases_rmas(
    world: World, api: Any, client: Any, approved: RmaRequest, case: Case, globex_request: RmaRequest
) -> None:
    from tests.personas import PASSWORD

    rows = api(world.alice).get("/cases", q=case.case_id).json()["items"]
    assert rows[0]["rma_numbers"] == [approved.rma_number]
    client.login(username=world.alice.email, password=PASSWORD)
    page = client.get("/", {"q": approved.rma_number})
    assert page.status_code == 200 and f"RMA {approved.rma_number}" in page.content.decode()
    client.login(username=world.agent.email, password=PASSWORD)
    queue = client.get("/console/", {"q": approved.rma_number, "status": ""}).content.decode()
    assert case.case_id in queue and f"RMA {approved.rma_number}" in queue
    assert globex_request.validation_number not in queue


def test_the_case_keeps_its_requests_numbers_in_order(
    tse: User, specialist: User, case: Case, approved: RmaRequest, ib: Any
) -> None:
    later = services.request_rma(tse, case.case_id, [line(ib.par_covered.serial)])
    case.refresh_from_db()
    assert case.rma_numbers == [approved.rma_number, later.validation_number]
    approved_later = services.approve(specialist, later.validation_number)
    case.refresh_from_db()
    assert case.rma_numbers == [approved.rma_number, approved_later.rma_number]

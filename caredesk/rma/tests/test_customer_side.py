"""D-5.1 and D-1.3: the customer sees a pending request with its validation number, may
ask a question (an RMA specialist answers) or cancel it; outside the owner's scope an RMA
is "not found"."""

from __future__ import annotations

import pytest

from caredesk.accounts.models import User
from caredesk.cases.models import Case
from caredesk.core.audit import history
from caredesk.core.errors import Conflict, Forbidden, NotFound
from caredesk.rma import services
from caredesk.rma.models import RmaMessageKind, RmaStatus
from caredesk.rma.queries import get_rma_request, list_rma_requests, rma_messages, visible_rma_requests
from caredesk.rma.tests.conftest import line
from tests.personas import World


@pytest.mark.parametrize("name", ["alice", "bob", "carol", "paul", "agent", "manager"])
def test_d13_the_owner_organisations_people_and_staff_see_the_request(
    world: World, tse: User, case: Case, name: str
) -> None:
    request = services.request_rma(tse, case.case_id, [line("KR1000001")])
    person = world.person(name)
    assert get_rma_request(person, request.validation_number) == request
    assert [r.pk for r in list_rma_requests(person).items] == [request.pk]


@pytest.mark.parametrize("name", ["charlie", "gina"])
def test_d13_anyone_else_gets_not_found(world: World, tse: User, case: Case, name: str) -> None:
    request = services.request_rma(tse, case.case_id, [line("KR1000001")])
    person = world.person(name)
    with pytest.raises(NotFound):
        get_rma_request(person, request.validation_number)
    with pytest.raises(NotFound):
        services.cancel(person, request.validation_number)
    assert list_rma_requests(person).items == []


def test_d13_government_requests_are_for_cleared_staff_only(world: World, tse: User, ib: object) -> None:
    from tests.personas import admin_case

    gov_case = admin_case(world.gina, kind="technical", request_type="", request_subtype="", serial_number="KR3000001")
    tse.gov_cleared = True
    tse.save()
    request = services.request_rma(tse, gov_case.case_id, [line("KR3000001")])
    assert not visible_rma_requests(world.agent).filter(pk=request.pk).exists()
    assert visible_rma_requests(world.cleared).filter(pk=request.pk).exists()
    assert visible_rma_requests(world.gina).filter(pk=request.pk).exists()


def test_d51_the_customer_asks_and_a_specialist_answers(world: World, tse: User, specialist: User, case: Case) -> None:
    request = services.request_rma(tse, case.case_id, [line("KR1000001")])
    with pytest.raises(Conflict):
        services.answer_question(specialist, request.validation_number, "Nothing was asked.")
    services.ask_question(world.alice, request.validation_number, "Do we send the power cord too?")
    with pytest.raises(Forbidden):
        services.ask_question(specialist, request.validation_number, "Staff do not ask here.")
    with pytest.raises(Forbidden):
        services.answer_question(world.alice, request.validation_number, "Customers do not answer.")
    services.answer_question(specialist, request.validation_number, "No, only the unit.")
    assert [m.kind for m in rma_messages(world.bob, request)] == [RmaMessageKind.QUESTION, RmaMessageKind.ANSWER]
    actions = [e.action for e in history(request, include_internal=False)]
    assert actions == ["requested", "question_asked", "question_answered"]


def test_d51_the_customer_cancels_a_pending_request(world: World, tse: User, specialist: User, case: Case) -> None:
    request = services.request_rma(tse, case.case_id, [line("KR1000001")])
    with pytest.raises(Forbidden):
        services.cancel(tse, request.validation_number)
    cancelled = services.cancel(world.bob, request.validation_number, "Fixed by a reboot after all.")
    assert (cancelled.status, cancelled.decision_reason) == (RmaStatus.CANCELLED, "Fixed by a reboot after all.")
    with pytest.raises(Conflict):
        services.approve(specialist, request.validation_number)
    with pytest.raises(Conflict):
        services.ask_question(world.alice, request.validation_number, "And now?")


def test_d51_an_approved_request_cannot_be_cancelled(world: World, tse: User, specialist: User, case: Case) -> None:
    request = services.request_rma(tse, case.case_id, [line("KR1000001")])
    services.approve(specialist, request.validation_number)
    with pytest.raises(Conflict):
        services.cancel(world.alice, request.validation_number)

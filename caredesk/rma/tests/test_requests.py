"""D-5.1: a TSE raises an RMA request from a technical case; while pending it has a
validation number; an RMA specialist approves (RMA number, one line per unit in request
order), rejects with a reason or asks the TSE; every change is in the history."""

from __future__ import annotations

import re
from typing import Any

import pytest

from caredesk.accounts.models import User
from caredesk.cases.models import Case
from caredesk.core.audit import history
from caredesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caredesk.rma import services
from caredesk.rma.models import RmaLine, RmaMessageKind, RmaRequest, RmaStatus
from caredesk.rma.queries import get_rma_request, rma_lines, rma_messages
from caredesk.rma.tests.conftest import line
from tests.personas import World, admin_case


def test_d51_a_tse_raises_a_request_with_a_validation_number(tse: User, case: Case) -> None:
    request = services.request_rma(tse, case.case_id, [line("KR1000001"), line("kr1000002")])
    assert request.status == RmaStatus.PENDING
    assert re.fullmatch(r"V20260615-0001", request.validation_number)
    assert request.rma_number is None
    assert request.organisation_id == case.organisation_id
    assert [(li.position, li.serial) for li in rma_lines(request)] == [(1, "KR1000001"), (2, "KR1000002")]
    assert [e.action for e in history(request, include_internal=True)] == ["requested"]
    assert "rma_requested" in [e.action for e in history(case, include_internal=False)]


def test_d51_validation_numbers_count_per_day(tse: User, case: Case, ib: Any) -> None:
    first = services.request_rma(tse, case.case_id, [line("KR1000001")])
    second = services.request_rma(tse, case.case_id, [line("KR1000003")])
    assert (first.validation_number, second.validation_number) == ("V20260615-0001", "V20260615-0002")


def test_d51_only_a_tse_raises_requests(world: World, specialist: User, case: Case) -> None:
    for person in (world.alice, world.agent, specialist):
        with pytest.raises(Forbidden):
            services.request_rma(person, case.case_id, [line("KR1000001")])
    assert not RmaRequest.objects.exists()


def test_d51_requests_come_from_technical_cases(world: World, tse: User, ib: Any) -> None:
    admin = admin_case(world.alice)
    with pytest.raises(ValidationFailed) as refused:
        services.request_rma(tse, admin.case_id, [line("KR1000001")])
    assert "case_id" in refused.value.fields


def test_d51_lines_must_be_units_of_the_cases_organisation(tse: User, case: Case) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.request_rma(
            tse, case.case_id,
            [line("KR2000001"), line("KR1000001", category="nonsense"), line("KR1000002", text=" "), line("NOPE")],
        )  # fmt: skip
    assert set(refused.value.fields) == {
        "lines.0.serial", "lines.1.fault_category", "lines.2.failure_description", "lines.3.serial",
    }  # fmt: skip
    assert "KR2000001" in refused.value.fields["lines.0.serial"]
    assert not RmaRequest.objects.exists() and not RmaLine.objects.exists()


def test_d51_a_unit_is_on_one_pending_request_only(tse: User, case: Case) -> None:
    services.request_rma(tse, case.case_id, [line("KR1000001")])
    with pytest.raises(ValidationFailed) as refused:
        services.request_rma(tse, case.case_id, [line("KR1000002"), line("KR1000001")])
    assert list(refused.value.fields) == ["lines.1.serial"]
    with pytest.raises(ValidationFailed):
        services.request_rma(tse, case.case_id, [line("KR1000002"), line("kr1000002")])


def test_d51_approval_numbers_the_rma_and_one_line_per_unit_in_request_order(
    tse: User, specialist: User, case: Case, settings: Any
) -> None:
    settings.RMA_NUMBER_START = 7_000_000
    request = services.request_rma(tse, case.case_id, [line("KR1000002"), line("KR1000001"), line("KR1000003")])
    approved = services.approve(specialist, request.validation_number)
    assert approved.status == RmaStatus.APPROVED and approved.rma_number == "R7000000"
    assert [(li.serial, li.line_number) for li in rma_lines(approved)] == [
        ("KR1000002", "R7000000-1"), ("KR1000001", "R7000000-2"), ("KR1000003", "R7000000-3"),
    ]  # fmt: skip
    assert approved.validation_number == request.validation_number  # still found by it
    assert get_rma_request(specialist, "R7000000-2") == approved
    assert get_rma_request(specialist, "r7000000") == approved
    again = services.request_rma(tse, case.case_id, [line("KR1000002")])
    assert services.approve(specialist, again.validation_number).rma_number == "R7000001"
    actions = [e.action for e in history(approved, include_internal=True)]
    assert actions == ["requested", "approved"]
    assert "rma_approved" in [e.action for e in history(case, include_internal=False)]


def test_d51_the_sequence_moves_on_to_a_raised_start_and_never_back(
    tse: User, specialist: User, case: Case, settings: Any
) -> None:
    settings.RMA_NUMBER_START = 100
    first = services.approve(specialist, services.request_rma(tse, case.case_id, [line("KR1000001")]).validation_number)
    settings.RMA_NUMBER_START = 5000
    second = services.approve(
        specialist, services.request_rma(tse, case.case_id, [line("KR1000001")]).validation_number
    )
    settings.RMA_NUMBER_START = 1
    third = services.approve(specialist, services.request_rma(tse, case.case_id, [line("KR1000001")]).validation_number)
    assert [first.rma_number, second.rma_number, third.rma_number] == ["R100", "R5000", "R5001"]


def test_d51_only_a_specialist_decides_and_only_once(tse: User, specialist: User, case: Case, world: World) -> None:
    request = services.request_rma(tse, case.case_id, [line("KR1000001")])
    for person in (tse, world.agent, world.alice):
        with pytest.raises(Forbidden):
            services.approve(person, request.validation_number)
    services.approve(specialist, request.validation_number)
    with pytest.raises(Conflict):
        services.approve(specialist, request.validation_number)
    with pytest.raises(Conflict):
        services.reject(specialist, request.validation_number, "Too late.")


def test_d51_a_rejection_says_why_and_gives_no_rma_number(tse: User, specialist: User, case: Case) -> None:
    request = services.request_rma(tse, case.case_id, [line("KR1000001")])
    with pytest.raises(ValidationFailed):
        services.reject(specialist, request.validation_number, "  ")
    rejected = services.reject(specialist, request.validation_number, "Diagnosis points at the software.")
    assert (rejected.status, rejected.decision_reason) == (RmaStatus.REJECTED, "Diagnosis points at the software.")
    assert rejected.rma_number is None
    assert not RmaLine.objects.exclude(line_number=None).exists()


def test_d51_the_specialist_asks_the_tse_and_the_answer_brings_it_back(
    tse: User, specialist: User, case: Case, world: World
) -> None:
    request = services.request_rma(tse, case.case_id, [line("KR1000001")])
    services.ask_tse(specialist, request.validation_number, "Did you swap the power supply first?")
    assert RmaRequest.objects.get(pk=request.pk).status == RmaStatus.AWAITING_TSE
    services.answer_specialist(tse, request.validation_number, "Yes, same fault with a spare one.")
    assert RmaRequest.objects.get(pk=request.pk).status == RmaStatus.PENDING
    kinds = [m.kind for m in rma_messages(specialist, request)]
    assert kinds == [RmaMessageKind.TO_TSE, RmaMessageKind.FROM_TSE]
    assert rma_messages(world.alice, request) == []  # between the vendor's people


def test_d51_staff_amend_the_lines_of_a_pending_request(tse: User, specialist: User, case: Case, world: World) -> None:
    request = services.request_rma(tse, case.case_id, [line("KR1000001")])
    services.amend_lines(specialist, request.validation_number, [line("KR1000003"), line("KR1000001", "port_fault")])
    assert [(li.serial, li.fault_category) for li in rma_lines(request)] == [
        ("KR1000003", "hardware_fault"), ("KR1000001", "port_fault"),
    ]  # fmt: skip
    assert "lines_amended" in [e.action for e in history(request, include_internal=True)]
    for person in (world.alice, world.agent):
        with pytest.raises((Forbidden, NotFound)):
            services.amend_lines(person, request.validation_number, [line("KR1000001")])
    services.approve(specialist, request.validation_number)
    with pytest.raises(Conflict):
        services.amend_lines(tse, request.validation_number, [line("KR1000001")])

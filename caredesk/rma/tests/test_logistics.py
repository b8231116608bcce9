"""D-5.4: each line moves through its own states, along one transition table, every move
through one service function, recorded with who and when."""

from __future__ import annotations

from typing import Any

import pytest

from caredesk.accounts.models import User
from caredesk.cases.models import Case
from caredesk.core.audit import history
from caredesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caredesk.rma import services
from caredesk.rma.models import LineStatus, RmaType
from caredesk.rma.services import TRANSITIONS, LineAction, next_actions
from caredesk.rma.tests.conftest import approved, line_of
from tests.personas import World


def test_d54_approval_starts_every_line_at_approved(tse: User, specialist: User, case: Case) -> None:
    request = approved(tse, specialist, case, "KR1000001", "KR1000003")
    assert [line_of(request, n).status for n in (1, 2)] == [LineStatus.APPROVED, LineStatus.APPROVED]


def test_d54_advance_replacement_goes_shipped_delivered_received_closed(
    tse: User, specialist: User, case: Case
) -> None:
    request = approved(tse, specialist, case, "KR1000001")
    number = line_of(request).line_number
    assert line_of(request).rma_type == RmaType.ADVANCE_REPLACEMENT
    assert next_actions(line_of(request)) == [LineAction.SHIP_REPLACEMENT]
    services.advance_line(specialist, number, "ship_replacement", carrier="DHL", tracking_number="JD0001",
                          replacement_serial="KR1900001")  # fmt: skip
    services.advance_line(specialist, number, "deliver")
    services.receive_parcel(specialist, number)
    services.advance_line(specialist, number, "close")
    done = line_of(request)
    assert (done.status, done.carrier, done.tracking_number) == (LineStatus.CLOSED, "DHL", "JD0001")
    moves = [e for e in history(done, include_internal=True)]
    assert [e.action for e in moves] == ["line_ship_replacement", "line_deliver", "line_receive", "line_close"]
    assert all(e.actor_id == specialist.pk and e.at is not None for e in moves)
    assert moves[0].changes["status"] == ["approved", "replacement_shipped"]
    assert "rma_line_ship_replacement" in [e.action for e in history(case, include_internal=True)]


def test_d54_a_repair_goes_awaiting_return_received_repaired_shipped_back_closed(
    tse: User, specialist: User, case: Case
) -> None:
    request = approved(tse, specialist, case, "KR1000003")  # in warranty: repaired
    number = line_of(request).line_number
    assert next_actions(line_of(request)) == [LineAction.AWAIT_RETURN, LineAction.RECEIVE]
    services.advance_line(specialist, number, "await_return")
    services.receive_parcel(specialist, number)
    services.advance_line(specialist, number, "repair")
    with pytest.raises(ValidationFailed) as refused:
        services.advance_line(specialist, number, "ship_back")
    assert set(refused.value.fields) == {"carrier", "tracking_number"}
    services.advance_line(specialist, number, "ship_back", carrier="UPS", tracking_number="1Z999")
    services.advance_line(specialist, number, "close")
    assert line_of(request).status == LineStatus.CLOSED


def test_d54_a_move_the_table_does_not_hold_is_refused_and_writes_nothing(
    tse: User, specialist: User, case: Case
) -> None:
    request = approved(tse, specialist, case, "KR1000001", "KR1000003")
    advance, repair = line_of(request, 1).line_number, line_of(request, 2).line_number
    for number, action in ((advance, "deliver"), (advance, "close"), (advance, "repair"), (repair, "ship_replacement"),
                           (repair, "close"), (advance, "no_such_action")):  # fmt: skip
        with pytest.raises(Conflict):
            services.advance_line(specialist, number, action, carrier="X", tracking_number="Y",
                                  replacement_serial="KR1900009")  # fmt: skip
    assert [line_of(request, n).status for n in (1, 2)] == [LineStatus.APPROVED, LineStatus.APPROVED]
    assert not [e for e in history(line_of(request, 1), include_internal=True)]


def test_d54_the_table_is_data_for_both_flows() -> None:
    flows = {flow for (_action, flow) in TRANSITIONS}
    assert flows == {"advance", "repair"}
    targets = {t.target for t in TRANSITIONS.values()}
    assert targets == set(LineStatus) - {LineStatus.APPROVED}


def test_d54_pending_lines_have_no_logistics(tse: User, specialist: User, case: Case) -> None:
    request = services.request_rma(tse, case.case_id, [services.NewLine("KR1000001", "hardware_fault", "Dead.")])
    assert line_of(request).status == ""
    with pytest.raises(NotFound):
        services.advance_line(specialist, "R1-1", "deliver")


def test_d54_only_support_logistics_move_lines(world: World, tse: User, specialist: User, case: Case) -> None:
    request = approved(tse, specialist, case, "KR1000003")
    for person in (world.alice, world.agent, tse):
        with pytest.raises(Forbidden):
            services.advance_line(person, line_of(request).line_number, "await_return")
    assert line_of(request).status == LineStatus.APPROVED


def test_d13_a_line_out_of_scope_is_not_found(world: World, tse: User, specialist: User, case: Case, ib: Any) -> None:
    request = approved(tse, specialist, case, "KR1000003")
    with pytest.raises(NotFound):
        services.return_label(world.charlie, line_of(request).line_number)

"""D-4.5 customer escalation and D-4.6 weekend and holiday handling: the customer (or an
agent for them) escalates with a kind and a reason; the escalation team has it, on call
outside business days; a reassignment gives the case a new owner. Outside business days
a non-P1 case waits for the next business day and a P1 case goes to the on-call queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from caredesk.accounts import services as accounts
from caredesk.cases import queries, services
from caredesk.cases.models import Case, Escalation
from caredesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.personas import PASSWORD, World, admin_case

MONDAY_9_PST = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
SATURDAY_11_PST = datetime(2026, 3, 7, 19, 0, tzinfo=UTC)
MONDAY_MIDNIGHT = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)  # next business day: summer time since Sunday
MLK_DAY_10_PST = datetime(2026, 1, 19, 18, 0, tzinfo=UTC)


def at(moment: datetime) -> Any:
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def team(world: World) -> tuple[Any, Any]:
    """Two members of the escalation team; Erin already owns a case."""
    erin = accounts.create_user("erin@vendor.example", "Erin Esc", world.vendor, PASSWORD, roles=["escalation"])
    ed = accounts.create_user("ed@vendor.example", "Ed Esc", world.vendor, PASSWORD, roles=["escalation"])
    busy = admin_case(world.bob)
    services.assign(world.agent, busy.case_id, erin.email)
    return erin, ed


def worked(world: World, priority: str = "P3", moment: datetime = MONDAY_9_PST) -> Case:
    with at(moment):
        case = admin_case(world.alice, priority=priority)
        services.assign(world.agent, case.case_id)
    return case


def test_faster_progress_goes_to_the_escalation_team_and_keeps_the_owner(world: World, team: Any) -> None:
    case = worked(world)
    with at(MONDAY_9_PST + timedelta(hours=1)):
        escalation = services.escalate(world.alice, case.case_id, "faster_progress", "  Our go-live is tomorrow. ")
    case.refresh_from_db()
    assert case.owner == world.agent
    assert (escalation.kind, escalation.reason, escalation.on_call) == (
        "faster_progress",
        "Our go-live is tomorrow.",
        False,
    )
    assert queries.escalation_queue(world.agent) == [escalation]
    entry = queries.case_history(world.alice, case).get(action="escalated")
    assert entry.changes["kind"] == "faster_progress"


def test_a_reassignment_gives_the_case_a_new_owner_from_the_escalation_team(world: World, team: Any) -> None:
    erin, ed = team
    case = worked(world)
    with at(MONDAY_9_PST + timedelta(hours=1)):
        escalation = services.escalate(world.alice, case.case_id, "reassignment", "No progress for a week.")
    case.refresh_from_db()
    assert case.owner == ed  # Erin owns a case already; Ed owns none
    assert (escalation.previous_owner, escalation.new_owner) == (world.agent, ed)


def test_an_agent_escalates_for_the_customer(world: World, team: Any) -> None:
    case = worked(world)
    escalation = services.escalate(world.agent, case.case_id, "faster_progress", "Customer called: urgent.")
    assert escalation.requested_by == world.agent


@pytest.mark.parametrize(
    ("person", "error"),
    [("paul", Forbidden), ("charlie", NotFound), ("tse", Forbidden), ("gina", NotFound)],
)
def test_only_the_customer_or_care_staff_escalate(world: World, team: Any, person: str, error: type) -> None:
    accounts.create_user("tse@vendor.example", "Tom Tse", world.vendor, PASSWORD, roles=["tse"])
    case = worked(world)
    who = world.person(person) if person != "tse" else accounts.User.objects.get(email="tse@vendor.example")
    with pytest.raises(error):
        services.escalate(who, case.case_id, "faster_progress", "Please hurry.")
    assert not Escalation.objects.exists()


@pytest.mark.parametrize(
    ("kind", "reason", "field"),
    [("sooner", "Please hurry.", "kind"), ("faster_progress", "   ", "reason"), ("reassignment", "x" * 2001, "reason")],
)
def test_an_escalation_needs_a_kind_and_a_reason(world: World, team: Any, kind: str, reason: str, field: str) -> None:
    case = worked(world)
    with pytest.raises(ValidationFailed) as refused:
        services.escalate(world.alice, case.case_id, kind, reason)
    assert field in refused.value.fields
    case.refresh_from_db()
    assert case.owner == world.agent and not Escalation.objects.exists()


def test_one_escalation_at_a_time_and_closed_cases_none(world: World, team: Any) -> None:
    erin, _ = team
    case = worked(world)
    first = services.escalate(world.alice, case.case_id, "faster_progress", "Please hurry.")
    with pytest.raises(Conflict):
        services.escalate(world.bob, case.case_id, "reassignment", "Still nothing.")
    with pytest.raises(Forbidden):
        services.handle_escalation(world.agent, first.pk, "Called them.")  # a care agent does not handle it
    services.handle_escalation(erin, first.pk, "Called the customer; engineer on site tomorrow.")
    assert queries.escalation_queue(erin) == []
    with pytest.raises(Conflict):
        services.handle_escalation(erin, first.pk)
    services.escalate(world.bob, case.case_id, "reassignment", "Still nothing.")
    closed = worked(world)
    services.propose_resolution(world.agent, closed.case_id, "Done.")
    services.accept_resolution(world.alice, closed.case_id)
    with pytest.raises(Conflict):
        services.escalate(world.alice, closed.case_id, "faster_progress", "Please hurry.")


def test_an_escalation_outside_business_days_goes_to_the_on_call_team(world: World, team: Any) -> None:
    case = worked(world)
    with at(SATURDAY_11_PST):
        escalation = services.escalate(world.alice, case.case_id, "faster_progress", "Network down all weekend.")
    assert escalation.on_call
    assert queries.escalation_queue(world.agent, on_call=True) == [escalation]
    assert queries.escalation_queue(world.agent, on_call=False) == []


@pytest.mark.parametrize(("opened", "waits_until"), [(SATURDAY_11_PST, MONDAY_MIDNIGHT),
                                                      (MLK_DAY_10_PST, datetime(2026, 1, 20, 8, 0, tzinfo=UTC)),
                                                      (MONDAY_9_PST, None)])  # fmt: skip
def test_a_case_opened_outside_business_days_waits_for_the_next_one(
    world: World, opened: datetime, waits_until: datetime | None
) -> None:
    with at(opened):
        case = admin_case(world.alice, priority="P3")
    assert case.waits_until == waits_until
    assert case.opened_off_hours is (waits_until is not None)
    assert queries.on_call_cases(world.agent) == []


def test_a_p1_case_outside_business_days_is_handled_at_once(world: World) -> None:
    with at(SATURDAY_11_PST):
        case = admin_case(world.alice, priority="P1")
    assert case.waits_until is None and case.opened_off_hours
    assert queries.on_call_cases(world.agent) == [case]
    with pytest.raises(Forbidden):
        queries.on_call_cases(world.alice)  # a staff queue
    with at(SATURDAY_11_PST + timedelta(minutes=20)):
        services.reply(world.agent, case.case_id, "On-call engineer here; calling you now.")
    assert queries.on_call_cases(world.agent) == []


def test_government_escalations_reach_cleared_staff_only(world: World, team: Any) -> None:
    with at(MONDAY_9_PST):
        case = admin_case(world.gina, priority="P2")
    services.escalate(world.gina, case.case_id, "reassignment", "Nobody answers.")
    case.refresh_from_db()
    assert case.owner is None  # no cleared member of the escalation team: the queue has it
    assert queries.escalation_queue(world.agent) == []
    assert [e.case for e in queries.escalation_queue(world.cleared)] == [case]


def test_escalation_through_the_api(api, world: World, team: Any) -> None:  # type: ignore[no-untyped-def]
    erin, ed = team
    case = worked(world)
    bad = api("alice").post(f"/cases/{case.case_id}/escalations", {"kind": "sooner", "reason": "Hurry"})
    assert bad.status_code == 422
    assert (
        api("charlie").post(f"/cases/{case.case_id}/escalations", {"kind": "reassignment", "reason": "x"}).status_code
        == 404
    )
    with at(SATURDAY_11_PST):
        made = api("alice").post(f"/cases/{case.case_id}/escalations", {"kind": "reassignment", "reason": "Stuck."})
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["kind"], body["on_call"], body["new_owner"]) == (
        "reassignment",
        True,
        {"name": "Ed Esc", "email": None},
    )
    again = api("bob").post(f"/cases/{case.case_id}/escalations", {"kind": "faster_progress", "reason": "Still."})
    assert again.status_code == 409
    assert api("alice").get("/escalations").status_code == 403
    assert [e["id"] for e in api("agent").get("/escalations", on_call="true").json()] == [body["id"]]
    assert api("agent").get("/on-call").json()["escalations"][0]["case_id"] == case.case_id
    assert api("alice").get(f"/cases/{case.case_id}/escalations").json()[0]["reason"] == "Stuck."
    handled = api(erin).post(f"/escalations/{body['id']}/handled", {"outcome": "Called back."})
    assert handled.status_code == 200 and handled.json()["handled_at"]
    assert api("agent").get("/escalations").json() == []


def test_a_reassignment_with_nobody_to_take_it_keeps_the_owner_and_tells_the_managers(world: World) -> None:
    from caredesk.cases import events

    told: list[list[str]] = []

    def listen(sender: type[events.CaseEvent], batch: list[events.CaseEvent], **_: Any) -> None:
        told.extend(sorted(u.email for u in e.recipients) for e in batch if isinstance(e, events.CaseEscalated))

    events.case_events.connect(listen, weak=False, dispatch_uid="test-nobody")
    try:
        case = worked(world)  # no escalation team at all
        services.escalate(world.alice, case.case_id, "reassignment", "Nobody answers.")
    finally:
        events.case_events.disconnect(dispatch_uid="test-nobody")
    case.refresh_from_db()
    assert case.owner == world.agent
    assert told == [["manager@vendor.example"]]


def test_raising_an_off_hours_case_to_p1_takes_it_out_of_the_wait(world: World) -> None:
    with at(SATURDAY_11_PST):
        case = admin_case(world.alice, priority="P3")
        assert case.waits_until == MONDAY_MIDNIGHT
        services.change_priority(world.agent, case.case_id, "P1")
    case.refresh_from_db()
    assert case.waits_until is None and queries.on_call_cases(world.agent) == [case]


def test_customers_do_not_read_the_teams_outcome(api, world: World, team: Any) -> None:  # type: ignore[no-untyped-def]
    erin, _ = team
    case = worked(world)
    escalation = services.escalate(world.alice, case.case_id, "faster_progress", "Please hurry.")
    services.handle_escalation(erin, escalation.pk, "Called them; they were rude.")
    assert api("alice").get(f"/cases/{case.case_id}/escalations").json()[0]["outcome"] == ""
    assert api("agent").get(f"/cases/{case.case_id}/escalations").json()[0]["outcome"].startswith("Called")

"""D-4.1 due times on cases, D-4.3 breaches and D-4.4 management escalation: set when the
case opens, recomputed with its priority, met by the first staff reply the customer sees;
the sweeps tell each party once, even when two run at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection, connections

from caredesk.accounts import services as accounts
from caredesk.cases import events, services
from caredesk.cases.models import Case
from caredesk.core.models import AuditEntry
from tests.personas import PASSWORD, World, admin_case

MONDAY_9_PST = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


@pytest.fixture
def heard() -> Iterator[list[tuple[str, str, list[str], Any]]]:
    """Every breach and management-escalation event: (event, case id, recipients, level)."""
    got: list[tuple[str, str, list[str], Any]] = []

    def listen(sender: type[events.CaseEvent], batch: list[events.CaseEvent], **_: Any) -> None:
        for event in batch:
            match event:
                case events.CaseResponseBreached(case=case, recipients=recipients):
                    got.append((event.name, case.case_id, sorted(u.email for u in recipients), None))
                case events.CaseManagementEscalation(case=case, recipients=recipients, level=level):
                    got.append((event.name, case.case_id, sorted(u.email for u in recipients), level))

    events.case_events.connect(listen, weak=False, dispatch_uid="test-heard")
    yield got
    events.case_events.disconnect(dispatch_uid="test-heard")


@pytest.fixture
def lead(world: World):  # type: ignore[no-untyped-def]
    """Lee leads the team of Ann Agent; a director sits above the care manager."""
    lee = accounts.create_user("lee@vendor.example", "Lee Lead", world.vendor, PASSWORD, roles=["team_lead"])
    world.agent.manager = lee
    world.agent.save()
    accounts.create_user("dee@vendor.example", "Dee Director", world.vendor, PASSWORD, roles=["director"])
    return lee


def opened(world: World, priority: str, at: datetime = MONDAY_9_PST, **extra: Any) -> Case:
    with time_machine.travel(at, tick=False):
        return admin_case(world.alice, priority=priority, **extra)


def at(moment: datetime) -> Any:
    return time_machine.travel(moment, tick=False)


@pytest.mark.parametrize(
    ("priority", "due"),
    [
        ("P1", MONDAY_9_PST + timedelta(hours=2)),
        ("P2", MONDAY_9_PST + timedelta(hours=24)),
        ("P3", datetime(2026, 3, 4, 17, 0, tzinfo=UTC)),  # Wednesday 09:00 PST
        ("P4", datetime(2026, 3, 5, 17, 0, tzinfo=UTC)),
    ],
)
def test_a_case_knows_when_its_response_is_due(world: World, priority: str, due: datetime) -> None:
    case = opened(world, priority)
    assert case.response_due_at == due
    assert Case.objects.get(pk=case.pk).response_due_at == due


def test_a_priority_change_recomputes_the_due_time_from_the_opening(world: World) -> None:
    case = opened(world, "P3")
    with at(MONDAY_9_PST + timedelta(hours=1)):
        services.change_priority(world.agent, case.case_id, "P1")
    case.refresh_from_db()
    assert case.response_due_at == MONDAY_9_PST + timedelta(hours=2)
    assert case.escalation_due_at == MONDAY_9_PST + timedelta(hours=4)  # P1's team-lead threshold


def test_the_first_staff_reply_the_customer_sees_meets_the_target(world: World) -> None:
    case = opened(world, "P3")
    with at(MONDAY_9_PST + timedelta(hours=1)):
        services.add_note(world.agent, case.case_id, "Looking at the account first.")  # internal
        services.reply(world.alice, case.case_id, "Any news?")  # the customer's own
    case.refresh_from_db()
    assert case.first_response_at is None
    with at(MONDAY_9_PST + timedelta(hours=2)):
        services.reply(world.agent, case.case_id, "We have reset the password.")
    with at(MONDAY_9_PST + timedelta(hours=3)):
        services.reply(world.agent, case.case_id, "Please try again.")
    case.refresh_from_db()
    assert case.first_response_at == MONDAY_9_PST + timedelta(hours=2)


def test_a_proposed_resolution_is_a_response(world: World) -> None:
    case = opened(world, "P1")
    services.assign(world.agent, case.case_id)
    with at(MONDAY_9_PST + timedelta(minutes=30)):
        services.propose_resolution(world.agent, case.case_id, "Done: the account is unlocked.")
    case.refresh_from_db()
    assert case.first_response_at == MONDAY_9_PST + timedelta(minutes=30)


def test_a_late_case_is_told_to_its_owner_and_their_manager_once(world: World, lead: Any, heard: list) -> None:  # type: ignore[type-arg]
    late = opened(world, "P1")
    answered = opened(world, "P1")
    closed = opened(world, "P1")
    for case in (late, answered, closed):
        services.assign(world.agent, case.case_id)
    with at(MONDAY_9_PST + timedelta(minutes=90)):
        services.reply(world.agent, answered.case_id, "On it.")
        services.propose_resolution(world.agent, closed.case_id, "Fixed.")
        services.accept_resolution(world.alice, closed.case_id)
        assert services.sweep_breaches() == 0  # nothing is due yet
    with at(MONDAY_9_PST + timedelta(hours=2, seconds=1)):
        assert services.sweep_breaches() == 1
        assert services.sweep_breaches() == 0
    assert heard == [
        (events.CaseResponseBreached.name, late.case_id, ["agent@vendor.example", "lee@vendor.example"], None)
    ]
    late.refresh_from_db()
    assert late.response_breached_at == MONDAY_9_PST + timedelta(hours=2, seconds=1)
    assert AuditEntry.objects.filter(action="response_breached").count() == 1


def test_a_late_case_without_an_owner_reaches_the_team_leads(world: World, lead: Any, heard: list) -> None:  # type: ignore[type-arg]
    case = opened(world, "P2")
    with at(MONDAY_9_PST + timedelta(hours=25)):
        services.sweep_breaches()
    assert heard == [(events.CaseResponseBreached.name, case.case_id, ["lee@vendor.example"], None)]


def test_lowering_the_priority_of_a_late_case_ends_the_breach_and_a_new_one_is_told_again(
    world: World,
    lead: Any,
    heard: list,  # type: ignore[type-arg]
) -> None:
    case = opened(world, "P1")
    services.assign(world.agent, case.case_id)
    with at(MONDAY_9_PST + timedelta(hours=3)):
        services.sweep_breaches()
        services.change_priority(world.agent, case.case_id, "P3")  # due Wednesday 09:00 PST
    case.refresh_from_db()
    assert case.response_breached_at is None
    with at(datetime(2026, 3, 4, 17, 1, tzinfo=UTC)):
        services.sweep_breaches()
    assert [h[0] for h in heard] == [events.CaseResponseBreached.name] * 2


def test_the_escalation_matrix_tells_each_level_once_round_the_clock(world: World, lead: Any, heard: list) -> None:  # type: ignore[type-arg]
    case = opened(world, "P1")
    services.assign(world.agent, case.case_id)
    levels = []
    for hours in (3, 4, 5, 8, 9, 24, 48):
        with at(MONDAY_9_PST + timedelta(hours=hours)):
            services.sweep_escalations()
        levels.append(Case.objects.get(pk=case.pk).escalation_level)
    assert levels == [0, 1, 1, 2, 2, 3, 3]
    assert [(h[2], h[3]) for h in heard] == [
        (["lee@vendor.example"], 1),
        (["manager@vendor.example"], 2),
        (["dee@vendor.example"], 3),
    ]


def test_a_sweep_after_a_pause_tells_every_level_passed(world: World, lead: Any, heard: list) -> None:  # type: ignore[type-arg]
    case = opened(world, "P1")
    with at(MONDAY_9_PST + timedelta(hours=30)):
        services.sweep_escalations()
    assert [h[3] for h in heard if h[1] == case.case_id] == [1, 2, 3]


def test_resolved_cases_are_not_escalated(world: World, lead: Any, heard: list) -> None:  # type: ignore[type-arg]
    case = opened(world, "P1")
    services.assign(world.agent, case.case_id)
    with at(MONDAY_9_PST + timedelta(hours=1)):
        services.propose_resolution(world.agent, case.case_id, "Fixed.")
    with at(MONDAY_9_PST + timedelta(hours=30)):
        services.sweep_escalations()
        services.sweep_breaches()
    assert heard == []


def test_government_cases_are_told_to_cleared_staff_only(world: World, lead: Any, heard: list) -> None:  # type: ignore[type-arg]
    with at(MONDAY_9_PST):
        case = admin_case(world.gina, priority="P1")
    services.assign(world.cleared, case.case_id)
    with at(MONDAY_9_PST + timedelta(hours=30)):
        services.sweep_breaches()
        services.sweep_escalations()
    everyone = {email for h in heard for email in h[2]}
    assert everyone <= {"cleared@vendor.example"}  # Lee, Max and Dee are not cleared
    assert ("cleared@vendor.example" in everyone) and heard


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_tell_each_case_once(seeded: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run `make test-postgres` (DATABASE_URL) to exercise real concurrency")
    from tests.personas import build_world

    world = build_world()
    with at(MONDAY_9_PST):
        for _ in range(60):
            admin_case(world.alice, priority="P1")
    told: list[tuple[str, str, Any]] = []
    lock = threading.Lock()

    def listen(sender: type[events.CaseEvent], batch: list[events.CaseEvent], **_: Any) -> None:
        with lock:
            told.extend((event.name, event.case.case_id, getattr(event, "level", None)) for event in batch)

    events.case_events.connect(listen, weak=False, dispatch_uid="test-race")
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def sweep() -> None:
        try:
            barrier.wait()
            services.sweep_breaches(batch=7)  # small batches: the two interleave
            services.sweep_escalations(batch=7)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    try:
        with at(MONDAY_9_PST + timedelta(hours=30)):
            pool = [threading.Thread(target=sweep) for _ in range(2)]
            for t in pool:
                t.start()
            for t in pool:
                t.join()
    finally:
        events.case_events.disconnect(dispatch_uid="test-race")
    assert not errors, errors
    breaches = [t for t in told if t[0] == events.CaseResponseBreached.name]
    escalations = [t for t in told if t[0] == events.CaseManagementEscalation.name]
    assert len(breaches) == len({t[1] for t in breaches}) == 60
    assert len(escalations) == len(set(escalations)) == 180  # three levels each, once


def test_the_api_and_pages_show_time_left_or_overdue(api, client, world: World) -> None:  # type: ignore[no-untyped-def]
    case = opened(world, "P1")
    with at(MONDAY_9_PST + timedelta(minutes=30)):
        body = api("alice").get(f"/cases/{case.case_id}").json()
        listed = api("alice").get("/cases").json()["items"][0]
    assert body["response"] == {
        "state": "due",
        "target": "2 hours, round the clock",
        "due_at": "2026-03-02T19:00:00Z",
        "responded_at": None,
        "seconds_left": 5400,
    }
    assert (listed["response_state"], listed["response_due_at"]) == ("due", "2026-03-02T19:00:00Z")
    with at(MONDAY_9_PST + timedelta(hours=3)):
        assert api("agent").get(f"/cases/{case.case_id}").json()["response"]["seconds_left"] == -3600
        client.force_login(world.alice)
        page = client.get(f"/cases/{case.case_id}/").content.decode()
        assert "Response overdue by 1 h" in page
        queue = client.get("/").content.decode()
        assert "Response overdue by 1 h" in queue

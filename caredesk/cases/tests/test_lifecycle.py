"""D-3.5: the case lifecycle, its owner, and the history of who changed what and when."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from caredesk.cases import services
from caredesk.cases.models import CaseStatus
from caredesk.cases.queries import case_history, case_messages
from caredesk.core.errors import Conflict, Forbidden, ValidationFailed
from tests.personas import World, admin_case


def test_a_new_case_starts_new_without_owner(world: World) -> None:
    case = admin_case(world.alice)
    assert case.status == CaseStatus.NEW
    assert case.owner is None
    assert case.contact == world.alice
    assert case.organisation == world.acme


def test_assigning_opens_the_case_and_records_who(world: World) -> None:
    case = admin_case(world.alice)
    services.assign(world.agent, case.case_id)
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert case.owner == world.agent
    entry = case_history(world.agent, case).get(action="assigned")
    assert entry.actor == world.agent
    assert entry.changes["status"] == [CaseStatus.NEW, CaseStatus.OPEN]
    assert entry.changes["owner"] == [None, world.agent.pk]


def test_a_staff_reply_to_a_new_case_takes_ownership(world: World) -> None:
    case = admin_case(world.alice)
    services.reply(world.agent, case.case_id, "We are looking into it.")
    case.refresh_from_db()
    assert (case.status, case.owner) == (CaseStatus.OPEN, world.agent)


def test_the_customer_answering_brings_an_awaiting_case_back_to_open(world: World) -> None:
    case = admin_case(world.alice)
    services.assign(world.agent, case.case_id)
    services.set_status(world.agent, case.case_id, CaseStatus.AWAITING_CUSTOMER)
    services.reply(world.bob, case.case_id, "Here is the serial number you asked for.")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_the_case_closes_when_the_customer_accepts_the_resolution(world: World) -> None:
    case = admin_case(world.alice)
    services.assign(world.agent, case.case_id)
    services.propose_resolution(world.agent, case.case_id, "Your password was reset.")
    services.accept_resolution(world.alice, case.case_id)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.closed_reason == "accepted"
    actions = list(case_history(world.alice, case).values_list("action", flat=True))
    assert actions == ["opened", "assigned", "resolution_proposed", "resolution_accepted"]


def test_staff_cannot_close_a_case_for_the_customer(world: World) -> None:
    case = admin_case(world.alice)
    services.assign(world.agent, case.case_id)
    services.propose_resolution(world.agent, case.case_id, "Done.")
    with pytest.raises(Forbidden):
        services.accept_resolution(world.agent, case.case_id)
    with pytest.raises(Conflict):
        services.set_status(world.agent, case.case_id, CaseStatus.CLOSED)


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_a_colleague_or_an_associated_consultant_may_accept_for_the_customer(world: World, who: str) -> None:
    case = admin_case(world.alice)
    services.assign(world.agent, case.case_id)
    services.propose_resolution(world.agent, case.case_id, "Done.")
    services.accept_resolution(world.person(who), case.case_id)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_the_customers_partner_sees_the_case_but_does_not_close_it(world: World) -> None:
    case = admin_case(world.alice)
    services.assign(world.agent, case.case_id)
    services.propose_resolution(world.agent, case.case_id, "Done.")
    with pytest.raises(Forbidden):
        services.accept_resolution(world.paul, case.case_id)
    with pytest.raises(Forbidden):
        services.reject_resolution(world.paul, case.case_id, "not yet")
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLUTION_PROPOSED


def test_a_partner_who_opened_the_case_answers_for_it(world: World) -> None:
    case = admin_case(world.paul, organisation_id=world.acme.pk)
    services.assign(world.agent, case.case_id)
    services.propose_resolution(world.agent, case.case_id, "Done.")
    services.accept_resolution(world.paul, case.case_id)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_a_resolution_is_proposed_from_open_only(world: World) -> None:
    case = admin_case(world.alice)
    with pytest.raises(Conflict):  # New: nobody has taken it yet
        services.propose_resolution(world.agent, case.case_id, "Done.")
    services.assign(world.agent, case.case_id)
    services.set_status(world.agent, case.case_id, CaseStatus.AWAITING_CUSTOMER)
    with pytest.raises(Conflict):  # Awaiting customer ⇄ Open → Resolution proposed
        services.propose_resolution(world.agent, case.case_id, "Done.")
    services.set_status(world.agent, case.case_id, CaseStatus.OPEN)
    services.propose_resolution(world.agent, case.case_id, "Done.")
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLUTION_PROPOSED


def test_accepting_needs_a_proposed_resolution(world: World) -> None:
    case = admin_case(world.alice)
    with pytest.raises(Conflict):
        services.accept_resolution(world.alice, case.case_id)


def test_rejecting_the_resolution_reopens_with_the_reason(world: World) -> None:
    case = admin_case(world.alice)
    services.assign(world.agent, case.case_id)
    services.propose_resolution(world.agent, case.case_id, "Done.")
    services.reject_resolution(world.alice, case.case_id, "Still cannot log in.")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert case.resolution_proposed_at is None
    assert case_messages(world.alice, case).last().body == "Still cannot log in."  # type: ignore[union-attr]


def test_customers_cannot_do_staff_actions(world: World) -> None:
    case = admin_case(world.alice)
    for action in (
        lambda: services.assign(world.alice, case.case_id),
        lambda: services.add_note(world.alice, case.case_id, "psst"),
        lambda: services.set_status(world.alice, case.case_id, CaseStatus.AWAITING_CUSTOMER),
        lambda: services.propose_resolution(world.alice, case.case_id, "fixed"),
        lambda: services.change_priority(world.alice, case.case_id, "P1"),
    ):
        with pytest.raises(Forbidden):
            action()


def test_internal_notes_are_hidden_from_customers(world: World) -> None:
    case = admin_case(world.alice)
    services.add_note(world.agent, case.case_id, "Customer is on the renewal list.")
    services.reply(world.agent, case.case_id, "Working on it.")
    assert [m.body for m in case_messages(world.alice, case)] == ["Working on it."]
    assert len(case_messages(world.agent, case)) == 2
    assert not case_history(world.alice, case).filter(action="note_added").exists()


def test_a_closed_case_takes_no_more_replies(world: World) -> None:
    case = admin_case(world.alice)
    services.assign(world.agent, case.case_id)
    services.propose_resolution(world.agent, case.case_id, "Done.")
    services.accept_resolution(world.alice, case.case_id)
    with pytest.raises(Conflict):
        services.reply(world.alice, case.case_id, "one more thing")


def test_only_cleared_staff_can_own_government_cases(world: World) -> None:
    case = admin_case(world.gina)
    with pytest.raises(ValidationFailed):
        services.assign(world.cleared, case.case_id, owner_email=world.agent.email)
    services.assign(world.cleared, case.case_id, owner_email=world.cleared.email)


class TestAutoClose:
    """A proposed resolution with no answer within 7 days (setting) closes the case."""

    def _proposed(self, world: World):  # type: ignore[no-untyped-def]
        case = admin_case(world.alice)
        services.assign(world.agent, case.case_id)
        services.propose_resolution(world.agent, case.case_id, "Done.")
        case.refresh_from_db()
        return case

    def test_it_closes_after_seven_days_of_silence(self, world: World) -> None:
        case = self._proposed(world)
        with time_machine.travel(case.resolution_proposed_at + timedelta(days=7, seconds=1), tick=False):
            assert services.close_silent_cases() == 1
        case.refresh_from_db()
        assert (case.status, case.closed_reason) == (CaseStatus.CLOSED, "no_answer")
        assert case_history(world.alice, case).filter(action="closed_without_answer", actor=None).exists()

    def test_it_waits_until_the_seven_days_are_over(self, world: World) -> None:
        case = self._proposed(world)
        with time_machine.travel(case.resolution_proposed_at + timedelta(days=6, hours=23), tick=False):
            assert services.close_silent_cases() == 0
        case.refresh_from_db()
        assert case.status == CaseStatus.RESOLUTION_PROPOSED

    def test_an_answer_stops_the_clock(self, world: World) -> None:
        case = self._proposed(world)
        with time_machine.travel(case.resolution_proposed_at + timedelta(days=3), tick=False):
            services.reply(world.alice, case.case_id, "Let me check first.")
        with time_machine.travel(case.resolution_proposed_at + timedelta(days=30), tick=False):
            assert services.close_silent_cases() == 0

    def test_a_second_sweep_closes_nothing_twice(self, world: World) -> None:
        case = self._proposed(world)
        with time_machine.travel(timezone.now() + timedelta(days=8), tick=False):
            assert services.close_silent_cases() == 1
            assert services.close_silent_cases() == 0
        assert case_history(world.agent, case).filter(action="closed_without_answer").count() == 1

    def test_the_silence_period_is_a_setting(self, world: World, settings) -> None:  # type: ignore[no-untyped-def]
        settings.CASE_AUTO_CLOSE_DAYS = 2
        case = self._proposed(world)
        with time_machine.travel(case.resolution_proposed_at + timedelta(days=2, seconds=1), tick=False):
            assert services.close_silent_cases() == 1

    def test_the_background_task_runs_the_sweep(self, world: World) -> None:
        from caredesk.cases.tasks import close_silent_cases

        case = self._proposed(world)
        with time_machine.travel(case.resolution_proposed_at + timedelta(days=8), tick=False):
            result = close_silent_cases.enqueue()
        assert result.return_value == 1


def test_internal_work_does_not_move_last_modified(world: World) -> None:
    case = admin_case(world.alice)
    before = case.updated_at
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        services.add_note(world.agent, case.case_id, "Checking the contract database.")
    case.refresh_from_db()
    assert case.updated_at == before

"""Staff close a case with a reason, told to the customer (not for spam); a closed case is
reopened within CASE_REOPEN_DAYS by staff or by the customer (D-3.5 keeps the customer's
accept/reject path beside it)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import override_settings

from caredesk.cases import services
from caredesk.cases.models import CaseMessage, CaseStatus
from caredesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caredesk.core.models import AuditEntry
from caredesk.notifications.models import Message
from tests.personas import World, admin_case

MONDAY = "2026-06-15 10:00 -07:00"


def _closed_notices(case_id: str) -> list[Message]:
    return list(Message.objects.filter(event="case.closed", case_ref=case_id))


@time_machine.travel(MONDAY, tick=False)
def test_staff_close_a_case_resolved_by_phone_and_the_customer_is_told_why_with_the_note(world: World) -> None:
    case = admin_case(world.alice)
    services.assign(world.agent, case.case_id)
    services.close_case(world.agent, case.case_id, "resolved_by_phone", note="As agreed on the call, the reset works.")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_reason == "resolved_by_phone" and case.closed_at
    entry = AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk), action="closed").get()
    assert entry.changes["reason"] == "resolved_by_phone" and entry.changes["status"][1] == "closed"
    assert not entry.internal  # the customer reads in the history why it closed
    (notice,) = _closed_notices(case.case_id)
    assert notice.recipient == world.alice
    assert "we resolved it with you by phone" in notice.text_body
    assert "As agreed on the call, the reset works." in notice.text_body
    assert "reopen it from its page within 14 days" in notice.text_body


@time_machine.travel(MONDAY, tick=False)
def test_a_german_customer_is_told_in_german(world: World) -> None:
    world.alice.language = "de"
    world.alice.save(update_fields=["language"])
    case = admin_case(world.alice)
    services.close_case(world.agent, case.case_id, "no_response")
    (notice,) = _closed_notices(case.case_id)
    assert "Wir haben keine Antwort von Ihnen erhalten" in notice.text_body


@time_machine.travel(MONDAY, tick=False)
def test_a_duplicate_names_the_other_case_which_the_customer_is_told(world: World) -> None:
    first = admin_case(world.alice)
    second = admin_case(world.bob)
    services.close_case(world.agent, second.case_id, "duplicate", duplicate_of=first.case_id.replace("-", ""))
    entry = AuditEntry.objects.filter(object_type="cases.case", object_id=str(second.pk), action="closed").get()
    assert entry.changes["duplicate_of"] == first.case_id
    (notice,) = _closed_notices(second.case_id)
    assert f"same request as case {first.case_id}" in notice.text_body


@time_machine.travel(MONDAY, tick=False)
def test_a_duplicate_must_name_a_case_both_the_agent_and_the_customer_can_see(world: World) -> None:
    acme = admin_case(world.alice)
    globex = admin_case(world.charlie, callback_phone="+1 408 555 0100")
    gov = admin_case(world.gina, callback_phone="+1 202 555 0143")
    for other in ("", acme.case_id, globex.case_id, gov.case_id, "2020-0101-00001"):
        with pytest.raises(ValidationFailed) as refused:
            services.close_case(world.agent, acme.case_id, "duplicate", duplicate_of=other)
        assert "duplicate_of" in refused.value.fields, other
    with pytest.raises(ValidationFailed) as refused:
        services.close_case(world.agent, acme.case_id, "spam", duplicate_of=globex.case_id)
    assert "duplicate_of" in refused.value.fields
    acme.refresh_from_db()
    assert acme.status == CaseStatus.NEW  # nothing written


@time_machine.travel(MONDAY, tick=False)
def test_a_case_closed_as_spam_tells_nobody(world: World) -> None:
    case = admin_case(world.alice)
    mail.outbox.clear()
    services.close_case(world.agent, case.case_id, "spam")
    assert _closed_notices(case.case_id) == [] and mail.outbox == []


@time_machine.travel(MONDAY, tick=False)
def test_closing_needs_a_known_reason_staff_and_a_case_that_is_not_closed(world: World) -> None:
    case = admin_case(world.alice)
    with pytest.raises(ValidationFailed) as refused:
        services.close_case(world.agent, case.case_id, "bored")
    assert "reason" in refused.value.fields
    with pytest.raises(Forbidden):
        services.close_case(world.alice, case.case_id, "spam")
    gov = admin_case(world.gina, callback_phone="+1 202 555 0143")
    with pytest.raises(NotFound):
        services.close_case(world.agent, gov.case_id, "spam")  # D-1.3: not cleared, not found
    services.close_case(world.agent, case.case_id, "spam")
    with pytest.raises(Conflict):
        services.close_case(world.agent, case.case_id, "spam")


def test_staff_and_the_customer_reopen_within_the_window_and_not_after_it(world: World) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = admin_case(world.alice)
        services.assign(world.agent, case.case_id)
        services.close_case(world.agent, case.case_id, "resolved_by_phone")
    with time_machine.travel("2026-06-29 09:59 -07:00", tick=False):  # 14 days less a minute
        services.reopen_case(world.alice, case.case_id, "It broke again this morning.")
        case.refresh_from_db()
        assert case.status == CaseStatus.OPEN and case.closed_at is None and case.closed_reason == ""
        said = CaseMessage.objects.get(case=case, body="It broke again this morning.")
        assert said.kind == CaseMessage.Kind.REPLY
        notice = Message.objects.get(event="case.customer_reopened")
        assert notice.recipient == world.agent and "It broke again this morning." in notice.text_body
        services.close_case(world.agent, case.case_id, "no_response")
    with time_machine.travel("2026-07-13 09:59 -07:00", tick=False):
        services.reopen_case(world.agent, case.case_id, "Customer called back.")
        assert CaseMessage.objects.get(case=case, body="Customer called back.").kind == CaseMessage.Kind.NOTE
        assert Message.objects.filter(event="case.reopened", recipient=world.alice).exists()
        services.close_case(world.agent, case.case_id, "no_response")
    with time_machine.travel("2026-07-27 10:01 -07:00", tick=False):  # 14 days and a minute
        case.refresh_from_db()
        assert not services.may_reopen(world.alice, case) and not services.may_reopen(world.agent, case)
        with pytest.raises(Conflict) as late:
            services.reopen_case(world.alice, case.case_id)
        assert "open a new case" in late.value.message


@time_machine.travel(MONDAY, tick=False)
def test_a_case_without_an_owner_reopens_as_new_and_only_the_customer_side_of_the_case_reopens_it(
    world: World,
) -> None:
    case = admin_case(world.alice)
    services.close_case(world.agent, case.case_id, "no_response")
    with pytest.raises(Forbidden):
        services.reopen_case(world.paul, case.case_id)  # the partner sees it but does not decide
    with pytest.raises(NotFound):
        services.reopen_case(world.charlie, case.case_id)
    services.reopen_case(world.carol, case.case_id)  # associated with Acme
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    with pytest.raises(Conflict):
        services.reopen_case(world.alice, case.case_id)  # not closed


@time_machine.travel(MONDAY, tick=False)
def test_a_case_closed_as_spam_is_reopened_by_staff_only(world: World) -> None:
    case = admin_case(world.alice)
    services.close_case(world.agent, case.case_id, "spam")
    with pytest.raises(Forbidden):
        services.reopen_case(world.alice, case.case_id)
    services.reopen_case(world.agent, case.case_id)


@time_machine.travel(MONDAY, tick=False)
@override_settings(CASE_REOPEN_DAYS=0)
def test_with_no_window_nothing_reopens_and_the_notice_says_to_open_a_new_case(world: World) -> None:
    case = admin_case(world.alice)
    services.close_case(world.agent, case.case_id, "resolved_by_phone")
    (notice,) = _closed_notices(case.case_id)
    assert "open a new case and mention" in notice.text_body
    with time_machine.travel(timedelta(seconds=1)), pytest.raises(Conflict):
        services.reopen_case(world.agent, case.case_id)


@time_machine.travel(MONDAY, tick=False)
def test_the_customer_accept_path_still_closes_with_its_own_reason(world: World) -> None:
    """D-3.5 as it was: staff propose, the customer agrees."""
    case = admin_case(world.alice)
    services.assign(world.agent, case.case_id)
    services.propose_resolution(world.agent, case.case_id, "Use the new link.")
    services.accept_resolution(world.alice, case.case_id)
    case.refresh_from_db()
    assert case.closed_reason == "accepted"
    assert "you agreed that it is resolved" in _closed_notices(case.case_id)[0].text_body

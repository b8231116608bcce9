"""D-5.6, D-7.4: every status change of an RMA request or of one of its lines e-mails the
customer in their language through the outbox, once per change, and is copied into the
technical case's history; RMA events are webhook events too."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from caredesk.accounts.models import User
from caredesk.cases.models import Case
from caredesk.core.errors import Conflict, NotFound, ValidationFailed
from caredesk.notifications import listeners
from caredesk.notifications.models import Message, Webhook, WebhookDelivery
from caredesk.notifications.services import notices_for, set_preferences
from caredesk.rma import events, services
from caredesk.rma.models import RmaRequest
from caredesk.rma.tests.conftest import approved, line, line_of
from tests.personas import PASSWORD, World

LA = ZoneInfo("America/Los_Angeles")
# The RMA tests' people, their technical case and their day (caredesk/rma/tests/conftest.py).
pytestmark = pytest.mark.usefixtures("rma_day")


def _to(user: User, event: str | None = None) -> list[Message]:
    rows = Message.objects.filter(recipient=user, event__startswith="rma.").order_by("id")
    return list(rows.filter(event=event) if event else rows)


def _ship(specialist: User, number: str) -> None:
    services.advance_line(specialist, number, "ship_replacement", carrier="DHL", tracking_number="JD014600",
                          replacement_serial="KR1900001")  # fmt: skip


def test_a_new_request_tells_the_customer_its_validation_number(tse: User, case: Case, world: World) -> None:
    request = services.request_rma(tse, case.case_id, [line("KR1000001")])
    [message] = _to(world.alice, "rma.request_status_changed")
    assert request.validation_number in message.subject and request.validation_number in message.text_body
    assert message.link.endswith(f"/rmas/{request.validation_number}/") and message.case_ref == case.case_id
    assert _to(tse) == []  # the engineer who asked is staff: the customer is told


def test_the_customer_is_told_in_their_language(tse: User, specialist: User, case: Case, world: World) -> None:
    world.alice.language = "de"
    world.alice.save(update_fields=["language"])
    request = approved(tse, specialist, case, "KR1000001", "KR1000002")
    approval = _to(world.alice, "rma.request_status_changed")[-1]
    assert approval.language == "de"
    assert approval.subject == f"RMA {request.rma_number} ist genehmigt"
    # one notice for the approval, naming every line and what happens to it
    assert f"{request.rma_number}-1: KR1000001, Vorabaustausch." in approval.text_body
    assert f"{request.rma_number}-2" in approval.text_body


def test_every_status_change_sends_one_notice(tse: User, specialist: User, case: Case, world: World) -> None:
    request = approved(tse, specialist, case, "KR1000001")
    number = line_of(request).line_number
    _ship(specialist, number)
    services.advance_line(specialist, number, "deliver")
    services.receive_parcel(specialist, number)
    services.advance_line(specialist, number, "close")
    subjects = [m.subject for m in _to(world.alice)]
    assert subjects == [
        f"RMA request {request.validation_number} received",
        f"RMA {request.rma_number} is approved",
        f"RMA {number}: Replacement shipped",
        f"RMA {number}: Replacement delivered",
        f"RMA {number}: Defective unit received",
        f"RMA {number}: Closed",
    ]
    shipped = _to(world.alice, "rma.line_status_changed")[0]
    assert "DHL" in shipped.text_body and "JD014600" in shipped.text_body
    assert "30 June 2026" in shipped.text_body  # the deadline for the defective unit (D-5.5)


def test_an_event_sent_twice_is_one_notice_with_one_message_id(
    tse: User, specialist: User, case: Case, world: World
) -> None:
    request = approved(tse, specialist, case, "KR1000001")
    number = line_of(request).line_number
    _ship(specialist, number)
    [first] = _to(world.alice, "rma.line_status_changed")
    again = events.LineStatusChanged(request, specialist, line_of(request), before="approved",
                                     after="replacement_shipped")  # fmt: skip
    listeners.on_rma_events(sender=events.LineStatusChanged, batch=[again])
    [still] = _to(world.alice, "rma.line_status_changed")
    assert (still.pk, still.message_id) == (first.pk, first.message_id)


def test_the_refusal_rejection_and_cancellation_say_why(tse: User, specialist: User, case: Case, world: World) -> None:
    fire = services.request_rma(tse, case.case_id, [line("KR1000001", "fire", "Burnt in a fire.")])
    refused = _to(world.alice, "rma.request_status_changed")[-1]
    assert refused.subject == f"RMA request {fire.validation_number}: Not covered"
    assert "acts of nature is not covered" in refused.text_body
    rejected = services.request_rma(tse, case.case_id, [line("KR1000002")])
    services.reject(specialist, rejected.validation_number, "The logs show a configuration fault.")
    assert "The logs show a configuration fault." in _to(world.alice)[-1].text_body
    cancelled = services.request_rma(tse, case.case_id, [line("KR1000002")])
    services.cancel(world.alice, cancelled.validation_number, "Fixed by a reboot.")
    assert _to(world.alice)[-1].subject == f"RMA request {cancelled.validation_number}: Cancelled"


def test_the_answer_to_a_customers_question_reaches_them(tse: User, specialist: User, case: Case, world: World) -> None:
    request = services.request_rma(tse, case.case_id, [line("KR1000001")])
    services.ask_question(world.alice, request.validation_number, "Do I keep the rack ears?")
    services.answer_question(specialist, request.validation_number, "Yes, keep them.")
    [answer] = _to(world.alice, "rma.question_answered")
    assert "Yes, keep them." in answer.text_body


def test_rma_status_notices_and_charges_cannot_be_turned_off(
    tse: User, specialist: User, case: Case, world: World
) -> None:
    """D-5.6: every status change is told; the customer's preferences offer only the answer."""
    offered = {n.event for n in notices_for(world.alice)}
    assert "rma.question_answered" in offered
    assert not offered & {"rma.request_status_changed", "rma.line_status_changed", "rma.return_charge"}
    with pytest.raises(ValidationFailed):
        set_preferences(world.alice, {"rma.line_status_changed"})
    world.alice.muted_notices = ["rma.line_status_changed"]  # however it got there, it is not offered
    world.alice.save(update_fields=["muted_notices"])
    request = approved(tse, specialist, case, "KR1000001")
    with time_machine.travel(datetime(2026, 6, 15, 10, 0, tzinfo=LA), tick=False):
        _ship(specialist, line_of(request).line_number)
    with time_machine.travel(datetime(2026, 6, 30, 10, 0, tzinfo=LA), tick=False):
        assert services.sweep_returns_not_received() == 1
    [charge] = _to(world.alice, "rma.return_charge")
    assert "12500.00 USD" in charge.text_body and "not returned" in charge.subject
    services.waive_charge(specialist, line_of(request).charge.pk, "The carrier lost it.")
    waived = _to(world.alice, "rma.return_charge")[-1]
    assert "waived" in waived.subject and "The carrier lost it." in waived.text_body


def test_amending_a_line_to_damage_no_rma_covers_tells_the_refusal(
    tse: User, specialist: User, case: Case, world: World
) -> None:
    request = services.request_rma(tse, case.case_id, [line("KR1000001")])
    services.amend_lines(specialist, request.validation_number, [line("KR1000001", "flood", "Water in the rack.")])
    refused = _to(world.alice, "rma.request_status_changed")[-1]
    assert refused.subject == f"RMA request {request.validation_number}: Not covered"


def test_the_case_history_shows_the_rma_in_words(
    tse: User, specialist: User, case: Case, world: World, client: Any
) -> None:
    request = approved(tse, specialist, case, "KR1000001")
    _ship(specialist, line_of(request).line_number)
    other = services.request_rma(tse, case.case_id, [line("KR1000002")])
    services.ask_tse(specialist, other.validation_number, "Did you try another power supply?")
    client.login(username=world.alice.email, password=PASSWORD)
    page = client.get(f"/cases/{case.case_id}/").content.decode()
    history = page[page.index('id="history-title"') :]
    for said in (
        "requested an RMA",
        f"RMA {request.validation_number}",
        "Status: — → Pending review",
        "approved the RMA request",
        f"RMA {request.rma_number}",
        "Status: Pending review → Approved",
        "shipped the replacement",
        f"Line {request.rma_number}-1",
        "Tracking number: JD014600",
        "Status: Approved → Replacement shipped",
    ):
        assert said in history, said
    # the specialist's question to the engineer is between staff: not in the case's history
    assert "Waiting for the engineer" not in history
    client.login(username=world.alice.email, password=PASSWORD)
    world.alice.language = "ja"
    world.alice.save(update_fields=["language"])
    page = client.get(f"/cases/{case.case_id}/").content.decode()
    assert "交換品を出荷しました" in page and "追跡番号：JD014600" in page


def test_rma_events_are_webhook_events(tse: User, specialist: User, case: Case) -> None:
    Webhook.objects.create(name="erp", url="https://erp.example/hook", secret="s3cret",
                           events=["rma.request_status_changed", "rma.unit_replaced"])  # fmt: skip
    request = approved(tse, specialist, case, "KR1000001")
    _ship(specialist, line_of(request).line_number)
    deliveries = list(WebhookDelivery.objects.order_by("id"))
    assert [d.event for d in deliveries] == [
        "rma.request_status_changed",
        "rma.request_status_changed",
        "rma.unit_replaced",
    ]
    assert deliveries[1].payload["change"] == {"from": "pending", "to": "approved"}
    assert deliveries[1].payload["rma_number"] == request.rma_number
    assert deliveries[2].payload["replacement_serial"] == "KR1900001"
    assert deliveries[2].payload["line"]["tracking_number"] == "JD014600"


def test_a_webhook_may_ask_for_rma_events_by_name() -> None:
    hook = Webhook(name="erp", url="https://erp.example/hook", secret="s", events=["rma.line_status_changed"])
    hook.full_clean()
    hook.events = ["rma.no_such_event"]
    with pytest.raises(ValidationError):
        hook.full_clean()


def test_a_failed_change_sends_nothing(tse: User, specialist: User, case: Case, world: World) -> None:
    request = approved(tse, specialist, case, "KR1000001")
    before = len(_to(world.alice))
    with pytest.raises(NotFound):
        _ship(specialist, line_of(request).line_number + "9")
    with pytest.raises(Conflict):
        services.advance_line(specialist, line_of(request).line_number, "close")
    assert len(_to(world.alice)) == before
    assert RmaRequest.objects.get(pk=request.pk).status == "approved"

"""D-7.4 and D-4.3/D-4.4 notices: case events become outbox messages in the recipient's
language, text and HTML, written with the change and never twice; delivery is at least
once with a fixed Message-ID, retried with back-off; people turn notices off."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail

from caredesk.cases import services as cases
from caredesk.core.errors import ValidationFailed
from caredesk.notifications import services
from caredesk.notifications.models import Message
from tests.personas import World, admin_case

MONDAY_9_PST = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def sent_to(email: str) -> list[Any]:
    return [m for m in mail.outbox if email in m.to]


def test_opening_a_case_confirms_it_to_the_contact_in_text_and_html(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        case = admin_case(world.alice, summary="Portal <b>refuses</b> my password")
    message = Message.objects.get(event="case.opened")
    assert (message.to_email, message.language, message.case_ref) == ("alice@acme.example", "en", case.case_id)
    assert message.subject == f"Case {case.case_id} is open: Portal <b>refuses</b> my password"
    html = services.html_of(message)
    assert "&lt;b&gt;refuses&lt;/b&gt;" in html and "<b>refuses" not in html
    (email,) = sent_to("alice@acme.example")
    assert email.extra_headers["Message-ID"] == message.message_id
    assert email.alternatives[0] == (html, "text/html")
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 1


def test_notices_are_in_the_recipients_language(world: World) -> None:
    world.bob.language = "de"
    world.bob.save()
    with time_machine.travel(MONDAY_9_PST, tick=False):
        case = admin_case(world.bob, summary="Kein Zugang")
    message = Message.objects.get(event="case.opened", recipient=world.bob)
    assert message.subject == f"Fall {case.case_id} ist eröffnet: Kein Zugang"
    assert "Unsere erste Antwort erhalten Sie bis 4. März 2026, 09:00 PST." in message.text_body
    assert 'lang="de"' in services.html_of(message) and "Fall öffnen" in services.html_of(message)


def test_each_event_tells_each_person_once(world: World) -> None:
    case = admin_case(world.alice)
    services.notify("case.opened", "case_opened", [world.alice, world.alice], {"case": case, "link": "x"},
                    key=f"opened:{case.case_id}")  # fmt: skip
    assert Message.objects.filter(event="case.opened").count() == 1


def test_staff_replies_reach_the_customer_and_customer_replies_the_owner(world: World) -> None:
    case = admin_case(world.alice)
    cases.assign(world.agent, case.case_id)
    cases.reply(world.agent, case.case_id, "Try again now, please.")
    cases.reply(world.alice, case.case_id, "It works, thank you.")
    replied = Message.objects.get(event="case.replied")
    assert replied.to_email == "alice@acme.example" and "Try again now, please." in replied.text_body
    assert Message.objects.get(event="case.customer_replied").to_email == "agent@vendor.example"


def test_people_turn_notices_off(world: World) -> None:
    services.set_preferences(world.alice, {"case.opened", "case.closed"})
    case = admin_case(world.alice)
    cases.assign(world.agent, case.case_id)
    cases.reply(world.agent, case.case_id, "Done.")
    assert not Message.objects.filter(event="case.replied").exists()
    assert Message.objects.filter(event="case.opened").exists()
    with pytest.raises(ValidationFailed):
        services.set_preferences(world.alice, {"case.assigned"})  # a staff notice


def test_late_cases_and_the_matrix_send_mail(world: World) -> None:
    with time_machine.travel(MONDAY_9_PST, tick=False):
        case = admin_case(world.alice, priority="P1")
        cases.assign(world.agent, case.case_id, world.manager.email)
    with time_machine.travel(MONDAY_9_PST + timedelta(hours=9), tick=False):
        cases.sweep_breaches()
        cases.sweep_escalations()
    breach = Message.objects.get(event="case.response_breached")
    assert breach.to_email == "manager@vendor.example" and case.case_id in breach.subject
    assert Message.objects.filter(event="case.management_escalation", to_email="manager@vendor.example").exists()


def test_a_failed_delivery_is_retried_later_and_given_up_at_last(world: World, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    settings.NOTIFY_MAX_ATTEMPTS = 2
    with time_machine.travel(MONDAY_9_PST, tick=False):
        admin_case(world.alice)
    message = Message.objects.get(event="case.opened")

    def refuse(self: Any, *args: Any, **kwargs: Any) -> int:
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr("django.core.mail.message.EmailMessage.send", refuse)
    with time_machine.travel(MONDAY_9_PST, tick=False):
        assert services.deliver_message(message.pk) is False
        message.refresh_from_db()
        assert (message.status, message.attempts, message.lease_until) == ("pending", 1, None)
        assert message.next_attempt_at == MONDAY_9_PST + timedelta(minutes=1)
        assert "connection lost" in message.last_error
        assert services.deliver_due() == 0  # not due yet
    with time_machine.travel(MONDAY_9_PST + timedelta(minutes=2), tick=False):
        services.deliver_due()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 2)


def test_a_message_being_sent_is_not_sent_again_until_its_lease_runs_out(world: World) -> None:
    with time_machine.travel(MONDAY_9_PST, tick=False):
        admin_case(world.alice)
    message = Message.objects.get(event="case.opened")
    with time_machine.travel(MONDAY_9_PST, tick=False):
        assert services._claim(Message, message.pk)  # a worker took it, then died
        assert services.deliver_due() == 0
    with time_machine.travel(MONDAY_9_PST + services.lease() + timedelta(seconds=1), tick=False):
        assert services.deliver_due() == 1
    (email,) = sent_to("alice@acme.example")
    assert email.extra_headers["Message-ID"] == message.message_id
    message.refresh_from_db()
    assert message.attempts == 2 and message.status == "sent"


def test_choosing_notices_in_the_portal_and_the_api(api, client, world: World) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.alice)
    page = client.get("/notices/").content.decode()
    assert 'value="case.replied"' in page and 'value="case.assigned"' not in page  # customers' notices only
    assert client.post("/notices/", {"on": ["case.closed"]}).status_code == 302
    world.alice.refresh_from_db()
    assert "case.replied" in services.muted_events(world.alice) and "case.closed" not in services.muted_events(
        world.alice
    )
    listed = {n["event"]: n["on"] for n in api("alice").get("/me/notices").json()}
    assert listed["case.closed"] is True and listed["case.opened"] is False
    assert api("alice").put("/me/notices", {"on": ["case.assigned"]}).status_code == 422
    assert api("agent").put("/me/notices", {"on": ["case.assigned"]}).json()[0]["event"]


def test_a_p1_case_outside_business_days_reaches_the_on_call_team_at_once(world: World) -> None:
    from caredesk.accounts import services as accounts

    accounts.create_user("erin@vendor.example", "Erin Esc", world.vendor, "A-long-pass-phrase-1", roles=["escalation"])
    with time_machine.travel(datetime(2026, 3, 7, 19, 0, tzinfo=UTC), tick=False):  # a Saturday
        urgent = admin_case(world.alice, priority="P1")
        admin_case(world.alice, priority="P3")  # waits for Monday: nobody is called out
    (notice,) = Message.objects.filter(event="case.on_call")
    assert notice.to_email == "erin@vendor.example" and urgent.case_id in notice.subject


def test_any_failure_to_send_is_recorded_for_a_retry(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(MONDAY_9_PST, tick=False):
        admin_case(world.alice)
    message = Message.objects.get(event="case.opened")

    def broken(self: Any, *args: Any, **kwargs: Any) -> int:
        raise ValueError("bad address header")

    monkeypatch.setattr("django.core.mail.message.EmailMessage.send", broken)
    with time_machine.travel(MONDAY_9_PST, tick=False):
        assert services.deliver_message(message.pk) is False
    message.refresh_from_db()
    assert (message.status, message.lease_until) == ("pending", None) and "bad address header" in message.last_error


def test_a_summary_is_one_line_so_it_cannot_spill_into_a_notice(world: World) -> None:
    case = admin_case(world.alice, summary="Portal down\nDear customer, send us your password")
    assert case.summary == "Portal down Dear customer, send us your password"
    assert Message.objects.get(event="case.opened").text_body.startswith("Hello Alice Archer")


def test_a_delivery_job_that_cannot_be_queued_loses_neither_the_change_nor_the_notice(
    world: World, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # On the database engine the job is queued inside the change's transaction: a failure
    # there must not undo the change; the delivery sweep sends the message later.
    from django.db import connection

    from caredesk.notifications import tasks

    class Broken:
        def enqueue(self, *args: Any) -> None:  # a failing insert, which on PostgreSQL aborts a transaction
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO no_such_queue VALUES (1)")

    monkeypatch.setattr(services, "queued_in_database", lambda: True)
    monkeypatch.setattr(tasks, "deliver", Broken())
    case = admin_case(world.alice)
    assert Message.objects.get(event="case.opened").case_ref == case.case_id
    cases.reply(world.alice, case.case_id, "Still here after the failed queueing.")  # the transaction is usable

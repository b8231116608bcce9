"""Delivery over real sockets: e-mail to a local SMTP server (aiosmtpd) and signed
webhooks to a local HTTP server, with their retries."""

from __future__ import annotations

import email
import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from caredesk.notifications import services
from caredesk.notifications.models import Message, Webhook, WebhookDelivery
from tests.personas import World, admin_case


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(settings) -> Iterator[Inbox]:  # type: ignore[no-untyped-def]
    aiosmtpd = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is a test need: make test installs it")
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (the controller checks its server by connecting to it)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield inbox
    finally:
        controller.stop()


def test_a_notice_goes_through_a_real_smtp_server(world: World, smtp: Inbox) -> None:
    case = admin_case(world.alice, summary="Licence key missing")
    message = Message.objects.get(event="case.opened")
    assert services.deliver_message(message.pk)
    (received,) = smtp.messages
    assert received["Message-ID"] == message.message_id and received["To"] == "alice@acme.example"
    assert received["Subject"] == f"Case {case.case_id} is open: Licence key missing"
    parts = {part.get_content_type() for part in received.walk()}
    assert {"text/plain", "text/html"} <= parts


def test_a_mail_server_that_is_down_leaves_the_message_for_a_retry(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    admin_case(world.alice)
    message = Message.objects.get(event="case.opened")
    assert not services.deliver_message(message.pk)
    message.refresh_from_db()
    assert message.status == "pending" and message.attempts == 1 and message.last_error


class Receiver(BaseHTTPRequestHandler):
    answers: list[int] = []
    got: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.got.append((dict(self.headers), body))
        self.send_response(Receiver.answers.pop(0) if Receiver.answers else 204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.answers, Receiver.got = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()


def test_webhooks_are_signed_and_retried(world: World, receiver: str) -> None:
    Webhook.objects.create(name="ticketing", url=receiver, secret="s3cret", events=["case.opened"])
    Webhook.objects.create(name="other", url=receiver, secret="x", events=["case.closed"])
    case = admin_case(world.alice)
    (delivery,) = WebhookDelivery.objects.all()
    Receiver.answers = [500]
    assert not services.deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_status, delivery.attempts) == ("pending", 500, 1)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)  # its time comes
    assert services.deliver_due() == 2  # the contact's confirmation e-mail, and the webhook
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_status) == ("sent", 204)
    headers, body = Receiver.got[-1]
    expected = hmac.new(b"s3cret", headers["X-Caredesk-Timestamp"].encode() + b"." + body, hashlib.sha256)
    assert headers["X-Caredesk-Signature"] == "sha256=" + expected.hexdigest()
    assert headers["X-Caredesk-Event"] == "case.opened" and headers["X-Caredesk-Delivery"] == delivery.delivery_id
    payload = json.loads(body)
    assert payload["data"]["case_id"] == case.case_id and payload["id"] == delivery.delivery_id
    assert [h["X-Caredesk-Delivery"] for h, _ in Receiver.got] == [delivery.delivery_id] * 2  # the same delivery id


@pytest.mark.django_db
def test_a_webhook_names_known_events_only() -> None:
    from django.core.exceptions import ValidationError

    hook = Webhook(name="x", url="https://example.com/hook", secret="s", events=["case.openned"])
    with pytest.raises(ValidationError) as refused:
        hook.full_clean()
    assert "case.openned" in str(refused.value)
    Webhook(name="y", url="https://example.com/hook", secret="s", events=["case.opened"]).full_clean()

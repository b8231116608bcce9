"""Set-up a newcomer can follow: links in e-mails follow the address the server is reached
on unless CAREDESK_BASE_URL is set (the last known address serves outside a request), and
an installation that sends no e-mail says where the mail went and keeps a readable log."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client

from caredesk.core import addresses
from caredesk.notifications.models import Message
from tests.personas import World, admin_case


def test_the_verification_link_opens_where_the_visitor_registered(world: World, mails) -> None:  # type: ignore[no-untyped-def]
    with mails(execute=True):
        Client(HTTP_HOST="localhost:8123").post("/register/", {"full_name": "Nina New", "email": "nina@new.example"})
    assert re.search(r"http://localhost:8123/register/verify/[^/\s]+/", mail.outbox[-1].body)


def test_the_configured_base_url_wins(world: World, mails, settings) -> None:  # type: ignore[no-untyped-def]
    settings.BASE_URL = "https://care.example.com"
    with mails(execute=True):
        Client(HTTP_HOST="localhost:8123").post("/password/reset/", {"email": world.alice.email})
    assert "https://care.example.com/reset/" in mail.outbox[-1].body


def test_outside_a_request_the_last_known_address_serves(world: World, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # This process remembers what it wrote to the cache, which each test empties.
    monkeypatch.setattr(addresses, "_remembered", {"address": "", "until": 0.0})
    assert addresses.base_url() == settings.SERVED_URL  # before any request: where `caredesk run` listens
    Client(HTTP_HOST="localhost:8123").get("/login/")
    case = admin_case(world.alice)  # as a sweep or a job would: no request around it
    assert Message.objects.get(event="case.opened").link == f"http://localhost:8123/cases/{case.case_id}/"


def test_a_host_django_refuses_leaves_no_trace(world: World) -> None:
    assert Client(HTTP_HOST="evil.example").get("/login/").status_code == 400
    assert "evil" not in addresses.base_url()


@pytest.fixture
def mail_log(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "caredesk.core.maillog.ConsoleAndLogBackend"
    settings.MAIL_LOG = tmp_path / "mail.log"
    return settings.MAIL_LOG  # type: ignore[no-any-return]


def test_without_e_mail_the_page_after_step_one_says_where_the_mail_went(
    world: World, mails, mail_log: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    with mails(execute=True):
        page = Client().post("/register/", {"full_name": "Nina New", "email": "nina@new.example"})
    assert str(mail_log) in page.content.decode()
    log = mail_log.read_text()
    assert "To:      nina@new.example" in log and "Subject: " in log
    assert re.search(r"http://testserver/register/verify/[^/\s]+/", log)
    assert "nina@new.example" in capsys.readouterr().out  # and on the server's output


def test_with_e_mail_the_page_after_step_one_says_nothing_of_a_log(world: World, mails) -> None:  # type: ignore[no-untyped-def]
    with mails(execute=True):
        page = Client().post("/register/", {"full_name": "Nina New", "email": "nina@new.example"})
    assert "mail log" not in page.content.decode()

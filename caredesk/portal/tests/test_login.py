"""Logging in under the password policy (D-1.5), logging out, changing the password."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.conf import settings
from django.test import Client

from caredesk.core.clock import now
from tests.personas import PASSWORD, World


def _log_in(client: Client, email: str, password: str = PASSWORD, **extra: str):
    return client.post("/login/", {"email": email, "password": password, **extra})


def test_a_customer_logs_in_and_lands_on_my_cases(world: World) -> None:
    client = Client()
    response = _log_in(client, "Alice@Acme.example ")
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200 and b"My cases" in page.content


def test_staff_land_on_the_console_queue(world: World) -> None:
    client = Client()
    _log_in(client, world.agent.email)
    assert client.get("/")["Location"] == "/console/"


def test_a_wrong_password_shows_one_message_that_does_not_say_which_part_was_wrong(world: World) -> None:
    response = _log_in(Client(), world.alice.email, "not the password")
    assert response.status_code == 401
    assert b"The e-mail address or password is not right." in response.content
    unknown = _log_in(Client(), "nobody@nowhere.example", "whatever password")
    assert b"The e-mail address or password is not right." in unknown.content


def test_repeated_failures_lock_the_address_out_with_a_friendly_message(world: World) -> None:
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        _log_in(client, world.alice.email, "wrong password")
    response = _log_in(client, world.alice.email)  # even the right password waits now
    assert response.status_code == 429
    assert b"Too many failed attempts" in response.content and b"try again in" in response.content
    assert "_auth_user_id" not in client.session


def test_only_a_local_next_address_is_followed(world: World) -> None:
    assert _log_in(Client(), world.alice.email, next="/tokens/")["Location"] == "/tokens/"
    assert _log_in(Client(), world.alice.email, next="https://evil.example/")["Location"] == "/"


def test_an_expired_password_leads_only_to_the_change_password_step(world: World) -> None:
    client = Client()
    with time_machine.travel(now() + timedelta(days=200), tick=False):
        response = _log_in(client, world.alice.email)
        assert response["Location"] == "/password/change/"
        # Every other page sends the session back to the change step (D-1.5).
        assert client.get("/")["Location"] == "/password/change/"
        assert client.get("/tokens/")["Location"] == "/password/change/"
        page = client.get("/password/change/")
        assert b"Your password has expired" in page.content
        weak = client.post(
            "/password/change/",
            {"old_password": PASSWORD, "new_password": "short", "confirm_password": "short"},
        )
        assert weak.status_code == 422 and b"This password is too short." in weak.content
        done = client.post(
            "/password/change/",
            {
                "old_password": PASSWORD,
                "new_password": "a fresh long passphrase",
                "confirm_password": "a fresh long passphrase",
            },
        )
        assert done["Location"] == "/"
        assert client.get("/").status_code == 200


def test_a_locked_account_is_told_to_use_the_reset_link(world: World) -> None:
    with time_machine.travel(now() + timedelta(days=250), tick=False):
        response = _log_in(Client(), world.alice.email)
    assert response.status_code == 403
    assert b"This account is locked" in response.content
    assert b'href="/password/reset/"' in response.content


def test_changing_the_password_checks_the_current_one_and_keeps_the_session(world: World, client_for) -> None:
    client = client_for("alice")
    wrong = client.post(
        "/password/change/",
        {"old_password": "nope", "new_password": "new passphrase 1", "confirm_password": "new passphrase 1"},
    )
    assert wrong.status_code == 422 and b"This is not your current password." in wrong.content
    mismatch = client.post(
        "/password/change/", {"old_password": PASSWORD, "new_password": "new passphrase 1", "confirm_password": "other"}
    )
    assert b"The two passwords are not the same." in mismatch.content
    ok = client.post(
        "/password/change/",
        {"old_password": PASSWORD, "new_password": "new passphrase 1", "confirm_password": "new passphrase 1"},
    )
    assert ok.status_code == 302
    assert client.get("/").status_code == 200


def test_logging_out_takes_a_post(world: World, client_for) -> None:
    client = client_for("alice")
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/")["Location"] == "/login/"
    assert client.get("/")["Location"].startswith("/login/")


def test_a_session_open_when_the_password_expires_may_only_change_it(world: World) -> None:
    from caredesk.accounts.policy import expires_at

    client = Client()
    with time_machine.travel(expires_at(world.alice) - timedelta(days=1), tick=False):
        _log_in(client, world.alice.email)
        assert client.get("/").status_code == 200
    with time_machine.travel(expires_at(world.alice) + timedelta(days=1), tick=False):
        page = client.get("/")
        assert page.status_code == 302 and page["Location"] == "/password/change/"
        api = client.get("/api/v1/cases")
        assert api.status_code == 403 and api.json()["error"]["code"] == "password_expired"


def test_a_session_open_when_the_grace_period_ends_is_closed_and_the_account_locked(world: World) -> None:
    from caredesk.accounts.policy import locks_at
    from caredesk.cases.models import CaseMessage
    from tests.personas import admin_case

    case = admin_case(world.alice)
    client = Client()
    with time_machine.travel(locks_at(world.alice) - timedelta(days=1), tick=False):
        _log_in(client, world.alice.email)  # logs in to change it, then does not
    with time_machine.travel(locks_at(world.alice) + timedelta(days=1), tick=False):
        reply = client.post(f"/cases/{case.case_id}/reply/", {"body": "still here?"})
        assert reply.status_code == 302 and reply["Location"] == "/login/"
        assert not CaseMessage.objects.exists()
        world.alice.refresh_from_db()
        assert world.alice.locked_at is not None
        assert client.get("/").status_code == 302  # the session is gone
        assert client.get("/api/v1/cases").status_code == 401

"""D-1.5 throttles that an attacker cannot turn against the owner: wrong passwords are
counted per address and client, per client over every address, and per address over
every client; an address attacked from many clients signs in by e-mailed one-time link
instead of being locked, and its owner is told."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.test import Client

from caredesk.accounts import services
from caredesk.core.errors import NotFound, Throttled, Unauthenticated
from tests.personas import PASSWORD, World

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


def _fail(email: str, client_ip: str, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(Unauthenticated):
            services.log_in(email, "guess", client_ip=client_ip)


def test_an_attacker_elsewhere_cannot_lock_the_owner_out(world: World, settings: Any) -> None:
    _fail(world.alice.email, ATTACKER, settings.LOGIN_FAILURE_LIMIT)
    with pytest.raises(Throttled):
        services.log_in(world.alice.email, PASSWORD, client_ip=ATTACKER)
    assert services.log_in(world.alice.email, PASSWORD, client_ip=OWNER).user == world.alice


def test_a_client_guessing_across_many_addresses_is_stopped(world: World, settings: Any) -> None:
    settings.LOGIN_CLIENT_FAILURE_LIMIT = 4
    for n in range(4):
        _fail(f"someone{n}@acme.example", ATTACKER)
    with pytest.raises(Throttled):
        services.log_in(world.bob.email, PASSWORD, client_ip=ATTACKER)
    assert services.log_in(world.bob.email, PASSWORD, client_ip=OWNER).user == world.bob


def test_the_owner_is_told_once_that_someone_is_trying_their_password(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _fail(world.alice.email, ATTACKER, settings.LOGIN_FAILURE_LIMIT)
        _fail(world.alice.email, "203.0.113.67", settings.LOGIN_FAILURE_LIMIT)  # another lockout, same window
    warnings = [m for m in mail.outbox if "someone is trying your password" in m.subject]
    assert len(warnings) == 1 and warnings[0].to == [world.alice.email]
    assert "you can still sign in" in warnings[0].body


def _attack_from_many_clients(email: str, settings: Any) -> None:
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        _fail(email, f"203.0.113.{n % 50 + 1}")


def _link(message: Any) -> str:
    found = re.search(r"https?://\S+/login/link/\S+/", message.body)
    assert found, message.body
    return urlsplit(found.group(0)).path


@pytest.fixture
def attack(settings: Any) -> Any:
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    return settings


def test_an_address_attacked_from_many_clients_signs_in_by_an_e_mailed_link(
    world: World, attack: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _attack_from_many_clients(world.alice.email, attack)
    (message,) = [m for m in mail.outbox if "sign-in link" in m.subject]
    assert message.to == [world.alice.email] and "different places" in message.body
    # No password signs in meanwhile, from anywhere, and right and wrong get one answer.
    with pytest.raises(Throttled) as right:
        services.log_in(world.alice.email, PASSWORD, client_ip=OWNER)
    with pytest.raises(Throttled) as wrong:
        services.log_in(world.alice.email, "guess", client_ip="192.0.2.1")
    assert right.value.message == wrong.value.message
    # The link signs the owner in, once.
    client = Client()
    link = _link(message)
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302 and client.session["_auth_user_id"] == str(world.alice.pk)
    assert Client().post(link).status_code == 404
    # Others are not affected.
    assert services.log_in(world.bob.email, PASSWORD, client_ip=ATTACKER).user == world.bob


def test_the_owners_right_password_during_the_pause_sends_a_new_link(
    world: World, attack: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _attack_from_many_clients(world.alice.email, attack)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(Throttled):
            services.log_in(world.alice.email, PASSWORD, client_ip=OWNER)
        with pytest.raises(Throttled):
            services.log_in(world.alice.email, "guess", client_ip=OWNER)  # a wrong one sends nothing
    (message,) = mail.outbox
    assert "sign-in link" in message.subject and "paused" in message.body


def test_sign_in_links_expire(world: World, attack: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _attack_from_many_clients(world.alice.email, attack)
    uid, token = _link(mail.outbox[-1]).strip("/").split("/")[-2:]
    assert services.user_for_sign_in_link(uid, token) == world.alice
    with time_machine.travel(timedelta(seconds=attack.LOGIN_LINK_SECONDS + 5)), pytest.raises(NotFound):
        services.user_for_sign_in_link(uid, token)
    with pytest.raises(NotFound):
        services.user_for_sign_in_link(uid, token.replace(token[-1], "x" if token[-1] != "x" else "y"))


def test_the_pause_ends_after_the_lockout_time(world: World, attack: Any) -> None:
    _attack_from_many_clients(world.alice.email, attack)
    with time_machine.travel(timedelta(seconds=attack.LOGIN_LOCKOUT_SECONDS + 1)):
        assert services.log_in(world.alice.email, PASSWORD, client_ip=OWNER).user == world.alice


def test_unknown_addresses_get_the_same_answers_and_no_mail(
    db: None, attack: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _attack_from_many_clients("nobody@nowhere.example", attack)
        with pytest.raises(Throttled) as paused:
            services.log_in("nobody@nowhere.example", "guess", client_ip=OWNER)
    assert "e-mailed" in paused.value.message
    assert mail.outbox == []


def test_a_reset_password_forgets_the_guesses_at_the_old_one(world: World, settings: Any) -> None:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    _fail(world.alice.email, OWNER, settings.LOGIN_FAILURE_LIMIT)  # the owner fumbled
    uid = urlsafe_base64_encode(force_bytes(world.alice.pk))
    services.complete_password_reset(uid, default_token_generator.make_token(world.alice), "a new pass phrase 77")
    assert services.log_in(world.alice.email, "a new pass phrase 77", client_ip=OWNER).user == world.alice


def test_the_token_endpoint_is_throttled_the_same_way(api: Any, world: World, settings: Any) -> None:
    def ask(password: str, ip: str) -> int:
        body = {"email": world.alice.email, "password": password, "name": "ci"}
        return int(api(None).client.post("/api/v1/auth/tokens", body, content_type="application/json",
                                          REMOTE_ADDR=ip).status_code)  # fmt: skip

    assert [ask("guess", ATTACKER) for _ in range(settings.LOGIN_FAILURE_LIMIT)] == [401] * settings.LOGIN_FAILURE_LIMIT
    assert ask(PASSWORD, ATTACKER) == 429
    assert ask(PASSWORD, OWNER) == 201

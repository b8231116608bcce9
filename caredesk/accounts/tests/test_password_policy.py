"""D-1.5: password expiry, the forced change, the lock after the grace period, reset links
and throttled logins."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from caredesk.accounts import services
from caredesk.accounts.policy import PasswordState, expires_at, password_state
from caredesk.core.errors import Forbidden, NotFound, Throttled, Unauthenticated, ValidationFailed
from tests.personas import PASSWORD, World

SET_AT = datetime(2026, 1, 15, 17, 0, tzinfo=UTC)  # 09:00 in Los Angeles
NEW_PASSWORD = "a much better passphrase 42"


@pytest.fixture
def alice(world: World):  # type: ignore[no-untyped-def]
    world.alice.password_changed_at = SET_AT
    world.alice.save()
    return world.alice


def test_the_password_expires_six_calendar_months_after_it_was_set(alice) -> None:  # type: ignore[no-untyped-def]
    assert expires_at(alice) == datetime(2026, 7, 15, 16, 0, tzinfo=UTC)  # 09:00 PDT: wall clock kept
    assert password_state(alice, datetime(2026, 7, 15, 15, 59, tzinfo=UTC)) is PasswordState.VALID
    assert password_state(alice, datetime(2026, 7, 15, 16, 0, tzinfo=UTC)) is PasswordState.EXPIRED


def test_month_ends_are_clamped(alice) -> None:  # type: ignore[no-untyped-def]
    alice.password_changed_at = datetime(2026, 8, 31, 19, 0, tzinfo=UTC)
    assert expires_at(alice).date().isoformat() == "2027-02-28"


def test_the_account_locks_thirty_days_after_expiry(alice) -> None:  # type: ignore[no-untyped-def]
    expiry = expires_at(alice)
    assert password_state(alice, expiry + timedelta(days=30) - timedelta(seconds=1)) is PasswordState.EXPIRED
    assert password_state(alice, expiry + timedelta(days=30)) is PasswordState.LOCKED


def test_an_expired_password_logs_in_only_to_change_it(alice) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(expires_at(alice) + timedelta(days=1), tick=False):
        result = services.log_in(alice.email, PASSWORD, client_ip="10.0.0.1")
        assert result.must_change_password
        services.change_password(alice, PASSWORD, NEW_PASSWORD)
        assert not services.log_in(alice.email, NEW_PASSWORD, client_ip="10.0.0.1").must_change_password


def test_a_locked_account_is_refused_and_only_the_reset_link_opens_it(
    alice, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(expires_at(alice) + timedelta(days=31), tick=False):
        with pytest.raises(Forbidden) as err:
            services.log_in(alice.email, PASSWORD, client_ip="10.0.0.1")
        assert err.value.code == "account_locked"
        alice.refresh_from_db()
        assert alice.locked_at is not None
        with django_capture_on_commit_callbacks(execute=True):
            services.request_password_reset(alice.email, client_ip="10.0.0.1")
        link = re.search(r"/reset/([^/]+)/([^/]+)/", mail.outbox[-1].body)
        assert link
        services.complete_password_reset(link.group(1), link.group(2), NEW_PASSWORD)
        assert not services.log_in(alice.email, NEW_PASSWORD, client_ip="10.0.0.1").must_change_password


def test_reset_links_are_single_use(alice, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        services.request_password_reset(alice.email, client_ip="10.0.0.1")
    uid, token = re.search(r"/reset/([^/]+)/([^/]+)/", mail.outbox[-1].body).groups()  # type: ignore[union-attr]
    services.complete_password_reset(uid, token, NEW_PASSWORD)
    with pytest.raises(NotFound):
        services.complete_password_reset(uid, token, "yet another passphrase 7")


def test_reset_links_expire(alice, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        services.request_password_reset(alice.email, client_ip="10.0.0.1")
    uid, token = re.search(r"/reset/([^/]+)/([^/]+)/", mail.outbox[-1].body).groups()  # type: ignore[union-attr]
    with time_machine.travel(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 5)), pytest.raises(NotFound):
        services.user_for_reset(uid, token)


def test_asking_for_a_reset_of_an_unknown_address_reveals_nothing(db: None, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        services.request_password_reset("nobody@example.com", client_ip="10.0.0.1")
    assert mail.outbox == []


def test_repeated_failures_lock_out_the_address_for_that_client_for_a_while(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    alice = world.alice
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        with pytest.raises(Unauthenticated):
            services.log_in(alice.email, "wrong", client_ip="10.0.0.1")
    with pytest.raises(Throttled):  # even the right password now waits, from that client
        services.log_in(alice.email, PASSWORD, client_ip="10.0.0.1")
    with time_machine.travel(timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS + 1)):
        assert services.log_in(alice.email, PASSWORD, client_ip="10.0.0.1").user == alice


def test_one_client_cannot_try_endless_addresses(db: None, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LOGIN_RATE_PER_IP = 3
    for n in range(3):
        with pytest.raises(Unauthenticated):
            services.log_in(f"user{n}@example.com", "x", client_ip="10.9.9.9")
    with pytest.raises(Throttled):
        services.log_in("user9@example.com", "x", client_ip="10.9.9.9")


def test_new_passwords_must_be_strong_and_new(world: World) -> None:
    alice = world.alice
    with pytest.raises(ValidationFailed):
        services.change_password(alice, PASSWORD, "short")
    with pytest.raises(ValidationFailed):
        services.change_password(alice, PASSWORD, PASSWORD)
    with pytest.raises(ValidationFailed):
        services.change_password(alice, "not the password", NEW_PASSWORD)


def test_the_product_hashes_passwords_with_argon2() -> None:
    # Tests swap in a fast hasher; the product's own setting must lead with Argon2.
    assert settings.PRODUCT_PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    from django.contrib.auth.hashers import Argon2PasswordHasher

    assert Argon2PasswordHasher().encode("x", Argon2PasswordHasher().salt()).startswith("argon2$")

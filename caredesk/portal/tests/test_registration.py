"""Registration in four steps (D-1.4), as a visitor goes through the pages."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from caredesk.accounts import services
from caredesk.accounts.models import Registration, RegistrationStatus, User
from tests.personas import World

NEW_PASSWORD = "a long registration passphrase"


def _verification_path() -> str:
    match = re.search(r"(/register/verify/[^/\s]+/)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def _steps_1_and_2(client: Client, mails, email: str = "nina@newco.example") -> None:
    with mails(execute=True):
        sent = client.post("/register/", {"full_name": "Nina New", "email": email})
    assert sent.status_code == 200 and b"Check your e-mail" in sent.content
    link = _verification_path()
    assert b"Confirm your e-mail address" in client.get(link).content
    assert client.post(link)["Location"] == "/register/organisation/"
    # The e-mailed link is used up: the session holds a fresh secret instead.
    assert Client().post(link).status_code == 404
    assert Client().get(link).status_code == 404


def test_a_new_customer_account_waits_for_approval(world: World, mails) -> None:
    client = Client()
    _steps_1_and_2(client, mails)
    missing = client.post("/register/organisation/", {"how": "new", "new_organisation_name": "NewCo", "country": ""})
    assert missing.status_code == 422 and b"Choose the country your company is in." in missing.content
    step3 = client.post("/register/organisation/", {"how": "new", "new_organisation_name": "NewCo", "country": "NL"})
    assert step3["Location"] == "/register/password/"
    no_terms = client.post("/register/password/", {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert no_terms.status_code == 422 and b"Please accept the terms of use to continue." in no_terms.content
    done = client.post(
        "/register/password/", {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD, "accept_terms": "on"}
    )
    assert done["Location"] == "/register/done/"
    end = client.get("/register/done/")
    assert b"waiting for approval" in end.content
    registration = Registration.objects.get(email="nina@newco.example")
    assert registration.status == RegistrationStatus.AWAITING_APPROVAL
    assert not User.objects.filter(email="nina@newco.example").exists()


def test_a_serial_number_that_proves_the_organisation_makes_the_account_at_once(
    world: World, mails, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "_proof_resolvers", [lambda proof: world.acme if proof == "SN-ACME-1" else None])
    client = Client()
    _steps_1_and_2(client, mails, "new.colleague@acme.example")
    wrong = client.post("/register/organisation/", {"how": "proof", "proof": "SN-UNKNOWN"})
    assert wrong.status_code == 422 and b"We found no unit or contract with this number." in wrong.content
    assert client.post("/register/organisation/", {"how": "proof", "proof": "SN-ACME-1"}).status_code == 302
    client.post(
        "/register/password/", {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD, "accept_terms": "on"}
    )
    end = client.get("/register/done/")
    assert b"Your account is ready" in end.content and b'href="/login/"' in end.content
    user = User.objects.get(email="new.colleague@acme.example")
    assert user.organisation == world.acme
    assert Client().post("/login/", {"email": user.email, "password": NEW_PASSWORD}).status_code == 302


def test_the_later_steps_need_a_verified_session(world: World) -> None:
    client = Client()
    assert client.get("/register/organisation/")["Location"] == "/register/"
    assert client.get("/register/password/")["Location"] == "/register/"
    assert client.get("/register/done/")["Location"] == "/register/"


def test_step_one_checks_its_fields(world: World) -> None:
    response = Client().post("/register/", {"full_name": "", "email": "not an address"})
    assert response.status_code == 422
    assert b"Please fill this in." in response.content


def test_registering_a_known_address_looks_the_same_as_a_new_one(world: World, mails) -> None:
    with mails(execute=True):
        response = Client().post("/register/", {"full_name": "Alice Again", "email": world.alice.email})
    assert b"Check your e-mail" in response.content
    assert "already have an account" in mail.outbox[-1].body


def test_a_made_up_verification_link_is_not_found(world: World) -> None:
    assert Client().get("/register/verify/made-up-secret/").status_code == 404
    assert Client().post("/register/verify/made-up-secret/").status_code == 404

"""D-1.4: registration in four steps, with e-mail verification and agent approval."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from caredesk.accounts import services
from caredesk.accounts.models import Organisation, Registration, RegistrationStatus, User
from caredesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.personas import World

PASSWORD = "sturdy registration passphrase 9"


@pytest.fixture
def started(db: None, django_capture_on_commit_callbacks) -> str:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        services.start_registration("Dora Diaz", "Dora@Example.com", client_ip="10.0.0.5")
    match = re.search(r"/register/verify/([^/]+)/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_step_one_sends_a_verification_link(started: str) -> None:
    registration = Registration.objects.get()
    assert registration.email == "dora@example.com"
    assert registration.status == RegistrationStatus.STARTED
    assert mail.outbox[-1].to == ["dora@example.com"]


def test_the_e_mailed_link_verifies_once(started: str) -> None:
    _registration, fresh = services.verify_registration(started)
    with pytest.raises(NotFound):
        services.verify_registration(started)
    with pytest.raises(NotFound):  # the fresh secret continues the registration; it verifies nothing again
        services.verify_registration(fresh)
    assert services.registration_for(fresh).status == RegistrationStatus.VERIFIED


def test_a_new_customer_account_waits_for_an_agent(world: World, started: str) -> None:
    registration, secret = services.verify_registration(started)
    services.choose_registration_organisation(secret, new_organisation_name="Dora Networks", country="es")
    registration = services.finish_registration(secret, password=PASSWORD, accept_terms=True)
    assert registration.status == RegistrationStatus.AWAITING_APPROVAL
    assert not User.objects.filter(email="dora@example.com").exists()

    services.decide_registration(registration.pk, world.agent, approve=True)
    user = User.objects.get(email="dora@example.com")
    assert user.organisation.name == "Dora Networks"
    assert user.organisation.kind == "customer"
    assert user.check_password(PASSWORD)
    with pytest.raises(Conflict):
        services.decide_registration(registration.pk, world.agent, approve=False)


def test_a_rejected_request_creates_nothing(world: World, started: str) -> None:
    registration, secret = services.verify_registration(started)
    services.choose_registration_organisation(secret, new_organisation_name="Shady Ltd", country="GB")
    services.finish_registration(secret, password=PASSWORD, accept_terms=True)
    services.decide_registration(
        registration.pk, world.agent, approve=False, note="Please register through your reseller."
    )
    assert not User.objects.filter(email="dora@example.com").exists()
    assert not Organisation.objects.filter(name="Shady Ltd").exists()


def test_only_staff_decide(world: World, started: str) -> None:
    registration, _secret = services.verify_registration(started)
    with pytest.raises(Forbidden):  # whichever registration is named: the refusal tells none exists
        services.decide_registration(registration.pk, world.alice, approve=True)


def test_a_proof_joins_the_proved_organisation_at_once(world: World, started: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(services, "_proof_resolvers", [])  # leave the real resolvers as they were
    services.register_organisation_proof(lambda proof: world.acme if proof == "SN-ACME-1" else None)
    registration, secret = services.verify_registration(started)
    with pytest.raises(ValidationFailed):
        services.choose_registration_organisation(secret, proof="SN-UNKNOWN")
    services.choose_registration_organisation(secret, proof="SN-ACME-1")
    registration = services.finish_registration(secret, password=PASSWORD, accept_terms=True)
    assert registration.status == RegistrationStatus.COMPLETED
    assert User.objects.get(email="dora@example.com").organisation == world.acme


def test_terms_and_a_strong_password_are_required(started: str) -> None:
    registration, secret = services.verify_registration(started)
    services.choose_registration_organisation(secret, new_organisation_name="Dora Networks", country="ES")
    with pytest.raises(ValidationFailed):
        services.finish_registration(secret, password=PASSWORD, accept_terms=False)
    with pytest.raises(ValidationFailed):
        services.finish_registration(secret, password="dora", accept_terms=True)


def test_steps_cannot_be_skipped(started: str) -> None:
    with pytest.raises(Conflict):
        services.finish_registration(started, password=PASSWORD, accept_terms=True)
    with pytest.raises(Conflict):
        services.choose_registration_organisation(started, new_organisation_name="X", country="ES")


def test_registering_a_known_address_reveals_nothing(world: World, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        services.start_registration("Alice Again", "alice@acme.example", client_ip="10.0.0.5")
    assert not Registration.objects.exists()
    assert "already have an account" in mail.outbox[-1].subject


def test_only_care_agents_and_managers_approve(world: World, started: str) -> None:
    from caredesk.accounts.services import create_user
    from caredesk.core.errors import Forbidden

    tse = create_user("tse@vendor.example", "Tess Engineer", world.vendor, None, roles=["tse"])
    registration, secret = services.verify_registration(started)
    services.choose_registration_organisation(secret, new_organisation_name="Dora Networks", country="ES")
    services.finish_registration(secret, password=PASSWORD, accept_terms=True)
    with pytest.raises(Forbidden):
        services.decide_registration(registration.pk, tse, approve=True)
    services.decide_registration(registration.pk, world.manager, approve=True)


@pytest.mark.parametrize("proof", [" kr1000001 ", "C-ACME-100", "SSRN-7001"])
def test_a_serial_or_contract_id_of_the_installed_base_proves_the_organisation(
    world: World,
    ib,
    started: str,
    proof: str,  # type: ignore[no-untyped-def]
) -> None:
    registration, secret = services.verify_registration(started)
    services.choose_registration_organisation(secret, proof=proof)
    registration = services.finish_registration(secret, password=PASSWORD, accept_terms=True)
    assert registration.status == RegistrationStatus.COMPLETED
    assert User.objects.get(email="dora@example.com").organisation == world.acme


@pytest.mark.parametrize("proof", ["KR3000001", "C-GOV-1", "KR-NOPE"])
def test_a_government_customer_or_an_unknown_number_proves_nothing(world: World, ib, started: str, proof: str) -> None:  # type: ignore[no-untyped-def]
    _registration, secret = services.verify_registration(started)
    with pytest.raises(ValidationFailed):
        services.choose_registration_organisation(secret, proof=proof)

"""Approving or rejecting requests for a new customer account (D-1.4)."""

from __future__ import annotations

from django.core import mail

from caredesk.accounts.models import Registration, RegistrationStatus, User
from tests.personas import World


def _waiting(email: str = "nina@newco.example") -> Registration:
    return Registration.objects.create(
        email=email,
        full_name="Nina New",
        token_hash=email,
        status=RegistrationStatus.AWAITING_APPROVAL,
        new_organisation_name="NewCo <B.V.>",
        new_organisation_country="NL",
        password_hash="!",
    )


def test_the_page_lists_waiting_requests(world: World, client_for) -> None:
    _waiting()
    page = client_for("agent").get("/console/registrations/").content.decode()
    assert "NewCo &lt;B.V.&gt;" in page and "nina@newco.example" in page


def test_approving_creates_the_account_and_tells_the_applicant(
    world: World, client_for, django_capture_on_commit_callbacks
) -> None:
    registration = _waiting()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("agent").post(
            f"/console/registrations/{registration.pk}/decision/", {"decision": "approve"}
        )
    assert response["Location"] == "/console/registrations/"
    assert User.objects.get(email="nina@newco.example").organisation.name == "NewCo <B.V.>"
    assert "approved" in mail.outbox[-1].body
    again = client_for("agent").post(
        f"/console/registrations/{registration.pk}/decision/", {"decision": "approve"}, follow=True
    )
    assert b"This registration is not waiting for a decision." in again.content


def test_rejecting_with_a_note(world: World, client_for) -> None:
    registration = _waiting()
    client_for("agent").post(
        f"/console/registrations/{registration.pk}/decision/", {"decision": "reject", "note": "Please use a serial."}
    )
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REJECTED and registration.decision_note == "Please use a serial."


def test_an_unknown_registration_is_not_found(world: World, client_for) -> None:
    assert (
        client_for("agent").post("/console/registrations/999999/decision/", {"decision": "approve"}).status_code == 404
    )

"""D-1.4: an organisation's administrators are told of every member who joined by proof
(English and German, through the outbox), with a signed link that removes them, and of
everyone who waits for their approval."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from caredesk.accounts import services
from caredesk.accounts.models import Registration, Role, User
from caredesk.core.errors import NotFound
from caredesk.notifications.models import Message
from caredesk.notifications.services import html_of
from tests.personas import PASSWORD, World

NEW_PASSWORD = "sturdy registration passphrase 9"


@pytest.fixture
def mails(django_capture_on_commit_callbacks: Any) -> Any:
    return django_capture_on_commit_callbacks


@pytest.fixture
def proofs(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    table = {"SN-ACME-1": world.acme}
    monkeypatch.setattr(services, "_proof_resolvers", [table.get])


@pytest.fixture
def ada(world: World) -> User:
    return services.create_user("ada@acme.example", "Ada Admin", world.acme, PASSWORD, roles=[Role.ORG_ADMIN])


def join(email: str, proof: str, mails) -> Registration:  # type: ignore[no-untyped-def]
    with mails(execute=True):
        services.start_registration("Dora Diaz", email, client_ip="10.0.0.5")
    secret = re.search(r"/register/verify/([^/]+)/", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    _registration, secret = services.verify_registration(secret)
    services.choose_registration_organisation(secret, proof=proof, new_account=False)
    with mails(execute=True):
        return services.finish_registration(secret, password=NEW_PASSWORD, accept_terms=True)


def test_administrators_are_told_of_everyone_who_waits_for_their_approval(
    world: World, proofs, ada: User, mails
) -> None:  # type: ignore[no-untyped-def]
    join("dora@acme.example", "SN-ACME-1", mails)
    notice = Message.objects.get(event="member.requested")
    assert notice.recipient == ada and notice.subject == "Dora Diaz asks to join Acme Telecom"
    assert notice.link.endswith("/members/") and "SN-ACME-1" in notice.text_body
    assert "Approve or refuse" in html_of(notice)


def test_administrators_are_told_of_every_member_who_joined_by_proof_with_a_removal_link(
    world: World, proofs, ada: User, mails
) -> None:  # type: ignore[no-untyped-def]
    services.set_member_approval(ada, world.acme.pk, False)
    join("dora@acme.example", "SN-ACME-1", mails)
    notice = Message.objects.get(event="member.joined")
    assert notice.recipient == ada and "SN-ACME-1" in notice.text_body and "dora@acme.example" in notice.text_body
    assert re.search(r"/members/remove/[^/\s]+/", notice.text_body)
    assert [m.to for m in mail.outbox if m.subject == notice.subject] == [["ada@acme.example"]]


def test_german_administrators_are_told_in_german(world: World, proofs, ada: User, mails) -> None:  # type: ignore[no-untyped-def]
    ada.language = "de"
    ada.save(update_fields=["language"])
    services.set_member_approval(ada, world.acme.pk, False)
    join("dora@acme.example", "SN-ACME-1", mails)
    notice = Message.objects.get(event="member.joined")
    assert notice.subject == "Dora Diaz gehört jetzt zu Acme Telecom"
    assert "Neues Mitglied prüfen oder entfernen" in html_of(notice)


def test_the_removal_link_names_the_member_for_their_administrator_only(world: World, proofs, ada: User, mails) -> None:  # type: ignore[no-untyped-def]
    services.set_member_approval(ada, world.acme.pk, False)
    join("dora@acme.example", "SN-ACME-1", mails)
    token = re.search(r"/members/remove/([^/\s]+)/", Message.objects.get(event="member.joined").text_body).group(1)  # type: ignore[union-attr]
    dora = services.member_for_removal(ada, token)
    assert dora.email == "dora@acme.example"
    globex_admin = services.create_user("gus@globex.example", "Gus", world.globex, PASSWORD, roles=[Role.ORG_ADMIN])
    with pytest.raises(NotFound):
        services.member_for_removal(globex_admin, token)
    with pytest.raises(NotFound):
        services.member_for_removal(ada, token[:-2] + "xx")  # tampered

"""The members pages of an organisation's administrator (D-1.4, D-1.2), as they use them:
approving people who proved the organisation, the setting, removal from the list and from
the link in the notice, ending an association."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from caredesk.accounts import services
from caredesk.accounts.models import Registration, Role, User
from caredesk.notifications.models import Message
from tests.personas import PASSWORD, World

NEW_PASSWORD = "a long registration passphrase"


@pytest.fixture
def ada(world: World) -> User:
    return services.create_user("ada@acme.example", "Ada Admin", world.acme, PASSWORD, roles=[Role.ORG_ADMIN])


@pytest.fixture
def as_ada(ada: User) -> Client:
    client = Client()
    client.force_login(ada)
    return client


def _register_by_proof(
    world: World, mails, monkeypatch: pytest.MonkeyPatch, email: str = "dora@acme.example"
) -> Client:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(services, "_proof_resolvers", [lambda proof: world.acme if proof == "SN-ACME-1" else None])
    client = Client()
    with mails(execute=True):
        client.post("/register/", {"full_name": "Dora Diaz", "email": email})
    link = re.search(r"(/register/verify/[^/\s]+/)", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    client.post(link)
    return client


def test_an_empty_serial_says_the_serial_is_missing(world: World, mails, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    client = _register_by_proof(world, mails, monkeypatch)
    response = client.post("/register/organisation/", {"how": "proof", "proof": ""})
    assert response.status_code == 422
    form = response.context["form"]
    assert form.errors["proof"] == ["Enter the serial number of one of your units, or your contract id."]
    assert "organisation name" not in response.content.decode().lower()
    assert not form.non_field_errors()  # once, next to its field
    new = client.post("/register/organisation/", {"how": "new", "new_organisation_name": "", "country": ""})
    assert set(new.context["form"].errors) == {"new_organisation_name", "country"}


def test_a_member_who_proved_the_organisation_waits_for_the_administrator(
    world: World, ada: User, as_ada: Client, mails, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    client = _register_by_proof(world, mails, monkeypatch)
    assert client.post("/register/organisation/", {"how": "proof", "proof": "SN-ACME-1"}).status_code == 302
    with mails(execute=True):
        client.post("/register/password/", {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
                                             "accept_terms": "on"})  # fmt: skip
    assert b"administrator confirms new members" in client.get("/register/done/").content
    assert not User.objects.filter(email="dora@acme.example").exists()
    assert [m.to for m in mail.outbox if "asks to join" in m.subject] == [["ada@acme.example"]]

    page = as_ada.get("/members/")
    assert page.status_code == 200 and b"Dora Diaz" in page.content and b"SN-ACME-1" in page.content
    registration = Registration.objects.get(email="dora@acme.example")
    with mails(execute=True):
        decided = as_ada.post(f"/members/requests/{registration.pk}/decision/", {"decision": "approve"})
    assert decided["Location"] == "/members/"
    assert Client().post("/login/", {"email": "dora@acme.example", "password": NEW_PASSWORD}).status_code == 302


def test_the_administrator_turns_approval_off(world: World, as_ada: Client) -> None:
    assert b'name="members_need_approval" checked' in as_ada.get("/members/").content
    assert as_ada.post("/members/approval/", {})["Location"] == "/members/"
    world.acme.refresh_from_db()
    assert world.acme.members_need_approval is False
    assert b'name="members_need_approval" checked' not in as_ada.get("/members/").content


def test_the_link_in_the_notice_lands_on_a_confirmation_and_removes_the_member(
    world: World, ada: User, as_ada: Client, mails, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    services.set_member_approval(ada, world.acme.pk, False)
    client = _register_by_proof(world, mails, monkeypatch)
    client.post("/register/organisation/", {"how": "proof", "proof": "SN-ACME-1"})
    with mails(execute=True):
        client.post("/register/password/", {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
                                             "accept_terms": "on"})  # fmt: skip
    notice = Message.objects.get(event="member.joined")
    path = re.search(r"https?://[^/]+(/members/remove/[^/\s]+/)", notice.text_body).group(1)  # type: ignore[union-attr]
    assert Client().get(path)["Location"].startswith("/login/?next=/members/remove/")  # the link alone removes nobody
    page = as_ada.get(path)
    assert page.status_code == 200 and b"Remove Dora Diaz?" in page.content
    assert User.objects.get(email="dora@acme.example").is_active  # a GET changes nothing
    assert as_ada.post(path)["Location"] == "/members/"
    assert not User.objects.get(email="dora@acme.example").is_active
    assert as_ada.get(path[:-3] + "xx/").status_code == 404


def test_removing_from_the_members_page_asks_first(world: World, as_ada: Client) -> None:
    assert b"Remove Bob Baker?" in as_ada.get(f"/members/{world.bob.pk}/remove/").content
    as_ada.post(f"/members/{world.bob.pk}/remove/")
    assert not User.objects.get(pk=world.bob.pk).is_active
    assert as_ada.get(f"/members/{world.charlie.pk}/remove/").status_code == 404


def test_the_administrator_ends_a_consultants_association(world: World, as_ada: Client) -> None:
    assert b"Carol Clark" in as_ada.get("/members/").content
    assert as_ada.post(f"/members/associates/{world.carol.pk}/remove/")["Location"] == "/members/"
    assert not world.carol.associations.exists()


@pytest.mark.parametrize("who", ["alice", "charlie", "agent", "manager"])
def test_the_members_pages_do_not_exist_for_anyone_else(world: World, client_for, who: str) -> None:  # type: ignore[no-untyped-def]
    client = client_for(who)
    assert client.get("/members/").status_code == 404
    assert client.post(f"/members/{world.bob.pk}/remove/").status_code == 404
    assert User.objects.get(pk=world.bob.pk).is_active


def test_only_administrators_see_the_members_menu(world: World, as_ada: Client, client_for) -> None:  # type: ignore[no-untyped-def]
    assert b'href="/members/"' in as_ada.get("/").content
    assert b'href="/members/"' not in client_for("alice").get("/").content


def test_the_notices_page_lists_my_own_e_mails(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    from tests.personas import admin_case

    admin_case(world.alice, summary="Alice's printer")
    admin_case(world.bob, summary="Bob's router")
    page = client_for("alice").get("/notices/").content.decode()
    assert "E-mails we sent you" in page and "Alice&#x27;s printer" in page and "Bob&#x27;s router" not in page

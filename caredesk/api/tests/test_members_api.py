"""The API of an organisation's members (D-1.2, D-1.4), of one's own e-mails (D-7.4) and of
changing one's password (D-1.5)."""

from __future__ import annotations

from typing import Any

import pytest

from caredesk.accounts import services
from caredesk.accounts.models import Registration, RegistrationStatus, Role, User
from caredesk.cases import services as cases
from caredesk.notifications.models import Message
from tests.personas import PASSWORD, World, admin_case


@pytest.fixture
def ada(world: World) -> User:
    return services.create_user("ada@acme.example", "Ada Admin", world.acme, PASSWORD, roles=[Role.ORG_ADMIN])


def waiting(world: World, email: str = "dora@acme.example") -> Registration:
    """Someone who proved Acme and waits for its administrator."""
    return Registration.objects.create(
        email=email, full_name="Dora Diaz", token_hash=email, status=RegistrationStatus.AWAITING_ORG_ADMIN,
        organisation=world.acme, proof="SN-ACME-1", password_hash="!",
    )  # fmt: skip


def test_an_administrator_lists_their_organisations_people(world: World, ada: User, api: Any) -> None:
    response = api(ada).get(f"/organisations/{world.acme.pk}/members")
    assert response.status_code == 200
    body = response.json()
    assert body["members_need_approval"] is True
    assert {m["email"] for m in body["members"]} == {"alice@acme.example", "bob@acme.example", "ada@acme.example"}
    assert [m["email"] for m in body["members"] if m["administrator"]] == ["ada@acme.example"]
    assert [a["email"] for a in body["associates"]] == ["carol@consultix.example"]


@pytest.mark.parametrize(
    ("who", "status"), [("alice", 403), ("agent", 403), ("charlie", 403), ("manager", 200), ("cleared", 403)]
)
def test_only_administrators_and_staff_who_manage_users_see_members(
    world: World, api: Any, who: str, status: int
) -> None:
    assert api(who).get(f"/organisations/{world.acme.pk}/members").status_code == status


def test_another_organisation_is_not_found(world: World, ada: User, api: Any) -> None:
    assert api(ada).get(f"/organisations/{world.globex.pk}/members").status_code == 404
    assert api(ada).delete(f"/organisations/{world.globex.pk}/members/{world.charlie.pk}").status_code == 404
    assert api("manager").get(f"/organisations/{world.agency.pk}/members").status_code == 404  # D-1.3


def test_an_administrator_removes_a_member_and_ends_an_association(world: World, ada: User, api: Any) -> None:
    client = api(ada)
    assert client.delete(f"/organisations/{world.acme.pk}/members/{world.bob.pk}").status_code == 204
    assert not User.objects.get(pk=world.bob.pk).is_active
    assert client.delete(f"/organisations/{world.acme.pk}/members/{world.charlie.pk}").status_code == 404
    assert client.delete(f"/organisations/{world.acme.pk}/members/{ada.pk}").status_code == 409
    assert client.delete(f"/organisations/{world.acme.pk}/associates/{world.carol.pk}").status_code == 204
    assert not world.carol.associations.exists()
    assert client.delete(f"/organisations/{world.acme.pk}/associates/{world.carol.pk}").status_code == 404


def test_staff_who_manage_users_end_an_association_and_agents_may_not(world: World, api: Any) -> None:
    assert api("agent").delete(f"/organisations/{world.acme.pk}/associates/{world.carol.pk}").status_code == 403
    assert api("manager").delete(f"/organisations/{world.acme.pk}/associates/{world.carol.pk}").status_code == 204


def test_the_administrator_switches_approval(world: World, ada: User, api: Any) -> None:
    response = api(ada).put(f"/organisations/{world.acme.pk}/member-approval", {"members_need_approval": False})
    assert response.status_code == 200 and response.json()["members_need_approval"] is False
    world.acme.refresh_from_db()
    assert world.acme.members_need_approval is False
    refused = api("alice").put(f"/organisations/{world.acme.pk}/member-approval", {"members_need_approval": True})
    assert refused.status_code == 403


def test_the_administrator_approves_a_waiting_member(world: World, ada: User, api: Any) -> None:
    registration = waiting(world)
    listed = api(ada).get("/membership-requests")
    assert listed.status_code == 200
    assert [(r["email"], r["proof"]) for r in listed.json()] == [("dora@acme.example", "SN-ACME-1")]
    assert api("charlie").get("/membership-requests").status_code == 403
    decided = api(ada).post(f"/membership-requests/{registration.pk}/decision", {"approve": True})
    assert decided.status_code == 200 and decided.json()["status"] == "completed"
    assert User.objects.get(email="dora@acme.example").organisation == world.acme
    again = api(ada).post(f"/membership-requests/{registration.pk}/decision", {"approve": False})
    assert again.status_code == 409


def test_a_waiting_member_of_another_organisation_is_not_found(world: World, api: Any) -> None:
    registration = waiting(world)
    gus = services.create_user("gus@globex.example", "Gus", world.globex, PASSWORD, roles=[Role.ORG_ADMIN])
    assert api(gus).get("/membership-requests").json() == []
    assert api(gus).post(f"/membership-requests/{registration.pk}/decision", {"approve": True}).status_code == 404


def test_people_list_their_own_e_mails_newest_first_and_paged(world: World, api: Any) -> None:
    first = admin_case(world.alice, summary="First")
    cases.assign(world.agent, first.case_id)
    cases.reply(world.agent, first.case_id, "We look into it.")
    admin_case(world.bob, summary="Bob's own")
    client = api("alice")
    page = client.get("/me/messages", limit=1)
    assert page.status_code == 200
    body = page.json()
    assert [m["event"] for m in body["items"]] == ["case.replied"]
    assert body["items"][0]["case_id"] == first.case_id and "We look into it." in body["items"][0]["text"]
    rest = client.get("/me/messages", limit=1, cursor=body["next_cursor"]).json()
    assert [m["event"] for m in rest["items"]] == ["case.opened"] and rest["next_cursor"] is None
    every = {m["id"] for m in client.get("/me/messages").json()["items"]}
    assert every == set(Message.objects.filter(recipient=world.alice).values_list("pk", flat=True))
    assert client.get("/me/messages", cursor="nonsense").status_code == 422


def test_a_password_change_through_the_api_refuses_the_current_password(world: World, api: Any) -> None:
    client = api("alice")
    same = client.post("/me/password", {"old_password": PASSWORD, "new_password": PASSWORD})
    assert same.status_code == 422
    assert same.json()["error"]["fields"] == {
        "new_password": "Please choose a password that is different from your current one."
    }
    wrong = client.post("/me/password", {"old_password": "not it", "new_password": "a brand new passphrase"})
    assert wrong.status_code == 422 and "old_password" in wrong.json()["error"]["fields"]
    changed = client.post("/me/password", {"old_password": PASSWORD, "new_password": "a brand new passphrase"})
    assert changed.status_code == 204
    assert User.objects.get(pk=world.alice.pk).check_password("a brand new passphrase")

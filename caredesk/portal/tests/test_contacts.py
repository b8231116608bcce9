"""D-3.6: the contact's name in a case list links to their contact details, which follow
the access rule of D-1.3 (the people of the organisations one may see)."""

from __future__ import annotations

import pytest

from tests.personas import World, admin_case


@pytest.mark.parametrize(
    ("viewer", "contact", "visible"),
    [
        ("alice", "alice", True),
        ("bob", "alice", True),  # colleague
        ("carol", "alice", True),  # associated consultant
        ("paul", "alice", True),  # the customer's partner
        ("charlie", "alice", False),  # unrelated customer
        ("alice", "charlie", False),
        ("alice", "agent", False),  # customers do not browse vendor staff
        ("agent", "alice", True),
        ("agent", "gina", False),  # government customer, staff not cleared
        ("cleared", "gina", True),
        ("gina", "alice", False),
    ],
)
def test_contact_details_follow_the_access_rule(
    world: World, client_for, viewer: str, contact: str, visible: bool
) -> None:  # type: ignore[no-untyped-def]
    person = world.person(contact)
    response = client_for(viewer).get(f"/contacts/{person.pk}/")
    if visible:
        assert response.status_code == 200
        page = response.content.decode()
        assert person.full_name in page and f'href="mailto:{person.email}"' in page
    else:
        assert response.status_code == 404
        assert person.email not in response.content.decode()


def test_the_case_list_links_the_contact_name(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    admin_case(world.alice)
    for who, path in [("bob", "/"), ("agent", "/console/")]:
        page = client_for(who).get(path).content.decode()
        assert f'href="/contacts/{world.alice.pk}/">Alice Archer</a>' in page


def test_contact_details_need_a_login(world: World, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/contacts/{world.alice.pk}/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get("/contacts/99999999999999999999/").status_code == 404  # no such id can exist

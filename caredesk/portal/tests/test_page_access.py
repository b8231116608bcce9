"""Who gets which page (D-1.3), beyond what the permission matrix holds every page to
(``tests/test_permission_matrix.py``: each persona, in scope or not, signed in or not):
staff are sent on to the console, case ids that are not ids at all are "not found", and
forms refuse a POST without the CSRF token."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.personas import PASSWORD, World, admin_case


@pytest.mark.parametrize("name", ["agent", "cleared", "manager"])
def test_the_portal_sends_staff_on_to_the_console_page_of_the_case(world: World, client_for, name: str) -> None:
    case = admin_case(world.alice)
    response = client_for(name).get(f"/cases/{case.case_id}/")
    assert response.status_code == 302 and response["Location"] == f"/console/cases/{case.case_id}/"
    assert client_for(name).get(response["Location"]).status_code == 200


def test_an_unknown_case_id_is_not_found_and_not_a_server_error(client_for) -> None:
    alice = client_for("alice")
    for case_id in ["2020-0101-00001", "nonsense", "9" * 60]:
        assert alice.get(f"/cases/{case_id}/").status_code == 404


def test_forms_refuse_a_post_without_the_csrf_token(world: World) -> None:
    case = admin_case(world.alice)
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"email": world.alice.email, "password": PASSWORD}).status_code == 403
    client.force_login(world.alice)
    assert client.post(f"/cases/{case.case_id}/reply/", {"body": "hello"}).status_code == 403
    assert client.post("/logout/").status_code == 403
    assert not case.messages.exists()


def test_a_post_with_the_token_from_the_page_passes_the_csrf_check(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/")
    token = page.context["csrf_token"]
    response = client.post("/login/", {"email": world.alice.email, "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_htmx_requests_carry_the_csrf_token_from_the_body_tag(world: World, client_for) -> None:
    body = client_for("alice").get("/").content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in body

"""Who gets which page (D-1.3): invisible cases are "not found" on every page, never
"forbidden"; forms refuse a POST without the CSRF token."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.personas import PASSWORD, World, admin_case

# Alice's case at Acme: who may open its page (D-1.3).
CASE_PAGE = {
    "alice": 200,  # opened it
    "bob": 200,  # same organisation
    "carol": 200,  # consultant associated with Acme
    "paul": 200,  # partner that sells to Acme
    "charlie": 404,  # unrelated customer
    "gina": 404,  # another (government) customer
}


@pytest.mark.parametrize(("name", "status"), CASE_PAGE.items())
def test_the_case_page_answers_each_customer_persona_as_d_1_3_says(world: World, client_for, name, status) -> None:
    case = admin_case(world.alice)
    response = client_for(name).get(f"/cases/{case.case_id}/")
    assert response.status_code == status
    if status == 404:
        assert case.summary.encode() not in response.content


@pytest.mark.parametrize(("name", "status"), [("agent", 200), ("cleared", 200), ("manager", 200)])
def test_staff_see_a_customer_case_in_the_console(world: World, client_for, name, status) -> None:
    case = admin_case(world.alice)
    client = client_for(name)
    assert client.get(f"/cases/{case.case_id}/").status_code == 302  # the portal sends staff to the console
    assert client.get(f"/console/cases/{case.case_id}/").status_code == status


@pytest.mark.parametrize(("name", "status"), [("agent", 404), ("manager", 404), ("cleared", 200), ("gina", 200)])
def test_a_government_case_is_found_only_by_cleared_staff_and_its_customer(world: World, client_for, name, status):
    case = admin_case(world.gina, callback_phone="+1 202 555 0143")
    url = f"/console/cases/{case.case_id}/" if name != "gina" else f"/cases/{case.case_id}/"
    response = client_for(name).get(url)
    assert response.status_code == status
    if name in ("agent", "manager"):
        assert client_for(name).get(f"/cases/{case.case_id}/").status_code == 404


def test_every_action_on_an_invisible_case_is_not_found(world: World, client_for) -> None:
    case = admin_case(world.alice)
    charlie = client_for("charlie")
    for path in ["reply/", "resolution/accept/", "resolution/reject/", "files/"]:
        assert charlie.post(f"/cases/{case.case_id}/{path}", {"body": "x", "reason": "x"}).status_code == 404, path
    assert charlie.get(f"/cases/{case.case_id}/files/1/").status_code == 404


def test_an_unknown_case_id_is_not_found_and_not_a_server_error(client_for) -> None:
    alice = client_for("alice")
    for case_id in ["2020-0101-00001", "nonsense", "9" * 60]:
        assert alice.get(f"/cases/{case_id}/").status_code == 404


def test_pages_ask_anonymous_visitors_to_log_in(world: World) -> None:
    case = admin_case(world.alice)
    client = Client()
    for url in ["/", "/cases/new/", f"/cases/{case.case_id}/", "/tokens/", "/password/change/", "/console/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


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

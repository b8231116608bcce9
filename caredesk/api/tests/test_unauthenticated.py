"""A request without valid credentials is 401 ``unauthenticated`` on every method, as the
user guide says; only a logged-in session that forgets the CSRF token is 403."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from caredesk.accounts import services as accounts
from caredesk.cases.models import Case
from tests.personas import World, admin_case

CASE = {"priority": "P3", "follow_up_method": "email", "callback_phone": "+49 69 1234 5678",
        "summary": "s", "description": "d"}  # fmt: skip


def _write(client: Client, method: str, path: str, **headers: Any) -> Any:
    call = getattr(client, method)
    return call(f"/api/v1{path}", CASE if method == "post" else {}, content_type="application/json", **headers)


@pytest.mark.parametrize(("method", "path"), [("post", "/cases"), ("put", "/me/notices"), ("delete", "/me/tokens/1")])
def test_a_write_without_a_token_is_401_not_a_csrf_failure(world: World, method: str, path: str) -> None:
    response = _write(Client(enforce_csrf_checks=True), method, path)
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "unauthenticated"


def test_a_write_with_a_revoked_token_is_401(world: World) -> None:
    issued = accounts.issue_api_token(world.alice, "old script")
    accounts.revoke_api_token(world.alice, issued.token.pk)
    response = _write(Client(enforce_csrf_checks=True), "post", "/cases", HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert not Case.objects.exists()


def test_a_write_with_a_malformed_authorization_header_is_401(world: World) -> None:
    response = _write(Client(enforce_csrf_checks=True), "post", "/cases", HTTP_AUTHORIZATION="Basic Zm9vOmJhcg==")
    assert response.status_code == 401


def test_a_logged_in_session_still_needs_the_csrf_token_for_writes(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    case = admin_case(world.alice)
    response = client.post(f"/api/v1/cases/{case.case_id}/replies", {"body": "hi"}, content_type="application/json")
    assert response.status_code == 403
    assert client.get(f"/api/v1/cases/{case.case_id}").status_code == 200  # reads need no token

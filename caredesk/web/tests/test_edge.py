"""Requests refused at the edge, before any interface sees them: a NUL byte in a path,
a query string or a form (PostgreSQL can neither store nor compare such text), and a
multipart body without a boundary. Pages answer a plain 400 page, the API its one error
shape; neither is a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from caredesk.accounts.models import User
from tests.personas import World, admin_case


def _shape(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "path", ["/api/v1/assets/AB%00CD", "/api/v1/cases/2026%00", "/api/v1/cases?q=a%00b", "/api/v1/cases?a%00=1"]
)
def test_a_nul_in_an_api_path_or_query_is_a_422_in_the_error_shape(api: Any, world: World, path: str) -> None:
    response = api("alice").client.get(path, **api("alice").headers)
    assert response.status_code == 422, response.content
    error = _shape(response)
    assert error["code"] == "invalid" and error["fields"]


@pytest.mark.parametrize("path", ["/?q=a%00b", "/console/?q=a%00b", "/cases/2026%00/", "/assets/?a%00=1"])
def test_a_nul_in_a_page_path_or_query_is_a_plain_400_page(world: World, path: str) -> None:
    client = Client()
    client.force_login(world.agent if path.startswith("/console/") else world.alice)
    response = client.get(path)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert b"NUL" not in response.content  # plain words, no internals


def test_a_nul_in_a_login_form_is_a_400_and_counts_no_failure(world: World) -> None:
    response = Client().post("/login/", {"email": "a\x00@b.example", "password": "whatever"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_a_nul_in_a_form_posted_to_the_api_is_a_422(api: Any, world: World) -> None:
    case = admin_case(world.alice)
    upload = SimpleUploadedFile("notes.txt", b"ok")
    response = api("alice").upload(f"/cases/{case.case_id}/attachments", {"file": upload, "internal": "a\x00"})
    assert response.status_code == 422
    assert "internal" in _shape(response)["fields"]


def test_a_nul_in_a_json_body_is_still_refused_on_its_field(api: Any, world: World) -> None:
    # The body's own check (schemas.QueryIn) and the edge's are one rule: the same words.
    response = api(None).post("/auth/tokens", {"email": "b\u0000", "password": "x", "name": "n"})
    edge = api(None).client.get("/api/v1/cases?q=a%00b")
    assert response.status_code == edge.status_code == 422
    assert _shape(response)["fields"]["email"] == _shape(edge)["fields"]["q"]


def test_an_ordinary_request_passes_the_edge(api: Any, world: World) -> None:
    assert api("alice").get("/cases", q="printer").status_code == 200
    assert User.objects.filter(email=world.alice.email).exists()


@pytest.mark.parametrize("path", ["/cases/{case_id}/attachments", "/order-imports"])
def test_multipart_without_a_boundary_is_a_400_in_the_error_shape(api: Any, world: World, path: str) -> None:
    case = admin_case(world.alice)
    client = api("agent")
    response = client.post_raw(path.format(case_id=case.case_id), b"--x\r\n\r\n", content_type="multipart/form-data")
    assert response.status_code == 400, response.content
    assert _shape(response)["code"] == "bad_request"


def test_a_page_form_without_a_boundary_is_a_400_page(world: World) -> None:
    client = Client()
    client.force_login(world.alice)
    case = admin_case(world.alice)
    response = client.post(f"/cases/{case.case_id}/files/", b"--x\r\n", content_type="multipart/form-data")
    assert response.status_code == 400

"""Bad input gets a 4xx in the one error shape and writes nothing (house rule 6)."""

from __future__ import annotations

import pytest

from caredesk.cases.models import Case, CaseMessage
from caredesk.core.models import AuditEntry
from tests.personas import World, admin_case

GOOD = {
    "request_type": "login-assistance",
    "request_subtype": "password-reset",
    "priority": "P3",
    "follow_up_method": "email",
    "callback_phone": "+49 69 1234 5678",
    "summary": "Cannot log in",
    "description": "The portal refuses my password.",
}


def _shape(response) -> dict:  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def test_a_good_case_is_created(api, world: World) -> None:  # type: ignore[no-untyped-def]
    response = api("alice").post("/cases", GOOD)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "new"
    assert body["callback_phone"] == "+496912345678"
    assert body["organisation"]["name"] == "Acme Telecom"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colour": "blue"}, "colour"),  # unknown field
        ({"priority": 3}, "priority"),  # wrong type
        ({"priority": "P7"}, "priority"),
        ({"summary": "x" * 201}, "summary"),  # oversized text
        ({"description": "x" * 20_001}, "description"),
        ({"callback_phone": "555-1234"}, "callback_phone"),  # not international
        ({"callback_phone": "+1 000 000 0000"}, "callback_phone"),  # not a valid number
        ({"summary": "   "}, "summary"),
        ({"summary": "nul \x00 byte"}, "summary"),
        ({"template_data": {"nope": 1}}, "template_data.nope"),
        ({"organisation_id": 99999999999999999999999}, "organisation_id"),
        ({"request_type": "no-such-type"}, "request_type"),
    ],
)
def test_bad_case_input_is_refused_with_the_field(api, world: World, change: dict, field: str) -> None:  # type: ignore[no-untyped-def]
    client = api("alice")
    before = AuditEntry.objects.count()
    response = client.post("/cases", {**GOOD, **change})
    assert response.status_code == 422, response.content
    error = _shape(response)
    assert field in error["fields"], error
    assert not Case.objects.exists()
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'"text"', b"", b"\xff\xfe"])
def test_malformed_bodies_are_a_4xx(api, world: World, body: bytes) -> None:  # type: ignore[no-untyped-def]
    response = api("alice").post_raw("/cases", body)
    assert 400 <= response.status_code < 500, response.content
    _shape(response)
    assert not Case.objects.exists()


# A NUL in the path is refused at the edge: caredesk/web/tests/test_edge.py.
@pytest.mark.parametrize("case_id", ["nonsense", "2026-0101-0001", "9999-9999-99999", "1" * 40, "2026-13-01-00001"])
def test_malformed_or_unknown_case_ids_are_404(api, world: World, case_id: str) -> None:  # type: ignore[no-untyped-def]
    response = api("alice").get(f"/cases/{case_id}")
    assert response.status_code == 404
    assert _shape(response)["code"] == "not_found"


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1000},
        {"sort": "password"},
        {"status": "lost"},
        {"priority": "P0"},
        {"cursor": "!!!"},
        {"q": "x" * 201},
    ],
)
def test_bad_list_parameters_are_refused(api, world: World, params: dict) -> None:  # type: ignore[no-untyped-def]
    response = api("alice").get("/cases", **params)
    assert response.status_code == 422, response.content
    _shape(response)


def test_oversized_replies_are_refused_and_not_stored(api, world: World) -> None:  # type: ignore[no-untyped-def]
    case = admin_case(world.alice)
    response = api("alice").post(f"/cases/{case.case_id}/replies", {"body": "x" * 20_001})
    assert response.status_code == 422
    assert not CaseMessage.objects.exists()


def test_session_posts_need_the_csrf_token(world: World) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    response = client.post("/api/v1/cases", GOOD, content_type="application/json")
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_conflicting_state_changes_are_409(api, world: World) -> None:  # type: ignore[no-untyped-def]
    case = admin_case(world.alice)
    response = api("alice").post(f"/cases/{case.case_id}/resolution/accept")
    assert response.status_code == 409
    assert _shape(response)["code"] == "conflict"


def _cursor(payload: object) -> str:
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("sort", "payload"),
    [
        ("-modified", ["v", "abc", 1]),  # a text value for a date column
        ("-modified", ["v", 5, 1]),
        ("case_id", ["dt", "2026-01-01T00:00:00+00:00", 1]),  # a date for a text column
        ("-modified", ["dt", "not a date", 1]),
        ("priority", ["v", "P1", 2**70]),  # a key beyond any id
        ("case_id", ["v", "x\u0000y", 1]),
    ],
)
def test_a_cursor_made_for_another_column_is_refused(api, world: World, sort: str, payload: object) -> None:  # type: ignore[no-untyped-def]
    admin_case(world.alice)
    response = api("alice").get("/cases", sort=sort, cursor=_cursor(payload))
    assert response.status_code == 422, response.content
    assert "cursor" in _shape(response)["fields"]


def test_a_body_over_the_size_limit_is_413_and_writes_nothing(api, world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = api("alice").post("/cases", {**GOOD, "description": "x" * 20_000})
    assert response.status_code == 413
    assert _shape(response)["code"] == "too_large"
    assert not Case.objects.exists()


def test_unknown_api_paths_and_methods_answer_in_the_error_shape(api, world: World) -> None:  # type: ignore[no-untyped-def]
    client = api("alice")
    missing = client.get("/no-such-thing")
    assert missing.status_code == 404
    assert _shape(missing)["code"] == "not_found"
    case = admin_case(world.alice)
    wrong = client.delete(f"/cases/{case.case_id}")
    assert wrong.status_code == 405
    assert _shape(wrong)["code"] == "method_not_allowed"
    assert "GET" in wrong["Allow"]


def test_a_nul_anywhere_in_a_request_is_a_422(api, world) -> None:  # type: ignore[no-untyped-def]
    # PostgreSQL cannot compare text holding NUL: found by the fuzz run on the token endpoint.
    refused = api(None).post("/auth/tokens", {"email": "b\u0000", "password": "x", "name": "n"})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid"
    case = {"priority": "P3", "follow_up_method": "email", "callback_phone": "+49 69 1", "summary": "s",
            "description": "d", "template_data": {"x": ["a\u0000"]}}  # fmt: skip
    nested = api("alice").post("/cases", case)
    assert nested.status_code == 422 and "template_data" in nested.json()["error"]["fields"]

"""Pinned SQL query counts for the hot endpoints: a change that adds a query per row, or
per request, shows up here first. Counted twice: as a running process serves a program
that calls again within a few seconds (token, access scope and catalogue cached), and
with every cache off."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.personas import World, admin_case

CASE = {
    "request_type": "login-assistance",
    "request_subtype": "password-reset",
    "priority": "P3",
    "follow_up_method": "email",
    "callback_phone": "+49 69 1234 5678",
    "summary": "Cannot log in",
    "description": "The portal refuses my password.",
}


@pytest.fixture(params=["warm", "cold"])
def cache(request, settings) -> str:  # type: ignore[no-untyped-def]
    settings.TOKEN_CACHE_SECONDS = 5 if request.param == "warm" else 0
    return str(request.param)


def _writes(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def test_opening_a_case(api, world: World, cache: str) -> None:  # type: ignore[no-untyped-def]
    client = api("alice")
    assert client.post("/cases", CASE).status_code == 201  # the first call fills the caches
    with CaptureQueriesContext(connection) as captured:
        assert client.post("/cases", CASE).status_code == 201
    # warm: sequence, case, audit, the contact's confirmation in the outbox; cold: token+user first
    assert len(_writes(captured)) == {"warm": 4, "cold": 5}[cache], _writes(captured)


def test_case_detail(api, world: World, cache: str, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    case = admin_case(world.alice)
    client = api("alice")
    assert client.get(f"/cases/{case.case_id}").status_code == 200
    # warm: the case with its related rows; cold: token+user and the access scope first
    with django_assert_num_queries({"warm": 1, "cold": 3}[cache]):
        assert client.get(f"/cases/{case.case_id}").status_code == 200


def test_case_list_does_not_grow_with_rows(api, world: World, cache: str, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    for _ in range(30):
        admin_case(world.alice)
    client = api("alice")
    client.get("/cases")
    client.get("/cases", q="password")  # a running process also knows the database's word statistics
    expected = {"warm": 1, "cold": 3}[cache]  # one page of cases (cold: token+user, scope first)
    with django_assert_num_queries(expected):
        body = client.get("/cases", limit=25).json()
    assert len(body["items"]) == 25 and body["next_cursor"]
    with django_assert_num_queries(expected + 1):  # keywords: the matching ids first, then the page
        assert client.get("/cases", q="password").status_code == 200
    with django_assert_num_queries(expected):
        assert client.get("/cases", limit=25, cursor=body["next_cursor"]).status_code == 200


def test_staff_detail_needs_no_scope_query(api, world: World, cache: str, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    case = admin_case(world.alice)
    client = api("agent")
    assert client.get(f"/cases/{case.case_id}").status_code == 200
    with django_assert_num_queries({"warm": 1, "cold": 2}[cache]):
        assert client.get(f"/cases/{case.case_id}").status_code == 200

"""Pinned SQL query counts for the hot endpoints: a change that adds a query per row, or
per request, shows up here first."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from caredesk.accounts.services import user_for_token
from caredesk.cases.queries import active_subtype
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


def _warm(client) -> None:  # type: ignore[no-untyped-def]
    # The first use of a token records last_used_at; later requests within a minute do not.
    user_for_token(client.headers["HTTP_AUTHORIZATION"].removeprefix("Bearer "))


def test_opening_a_case(api, world: World) -> None:  # type: ignore[no-untyped-def]
    client = api("alice")
    _warm(client)
    active_subtype("login-assistance", "password-reset")  # the catalogue, as a running process has it
    with CaptureQueriesContext(connection) as captured:
        assert client.post("/cases", CASE).status_code == 201
    statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # token+user, sequence, case, audit
    assert len(statements) == 4, statements


def test_case_detail(api, world: World, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    case = admin_case(world.alice)
    client = api("alice")
    _warm(client)
    with django_assert_num_queries(2):  # token+user, case with its related rows
        assert client.get(f"/cases/{case.case_id}").status_code == 200


def test_case_list_does_not_grow_with_rows(api, world: World, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    for _ in range(30):
        admin_case(world.alice)
    client = api("alice")
    _warm(client)
    with django_assert_num_queries(2):  # token+user, one page of cases
        body = client.get("/cases", limit=25).json()
    assert len(body["items"]) == 25 and body["next_cursor"]
    with django_assert_num_queries(2):
        assert client.get("/cases", q="password").status_code == 200

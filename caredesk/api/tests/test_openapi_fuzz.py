"""Property-based run over the published OpenAPI: whatever a client sends, no 5xx.

Each operation gets a bounded number of generated requests (examples and fuzzing
phases), sent in-process through the WSGI application with a staff member's token.
Every example runs in its own savepoint and is rolled back, so examples do not see
each other's rows.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from caredesk.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
schema.config.generation.update(max_examples=15)
schema.config.phases.update(phases=["examples", "fuzzing"])  # the coverage phase ignores max_examples

# No 5xx, and the server answers as the description says: every status it sends is
# documented for the operation, with the documented content type and body shape.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def keep_test_connection() -> Any:
    # The WSGI handler closes "old" connections at request end, which would close the
    # test's connection in the middle of its transaction; the test client does the same.
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def staff_token(world: Any) -> str:
    from caredesk.accounts.services import issue_api_token
    from tests.personas import admin_case

    admin_case(world.alice)
    return issue_api_token(world.agent, "fuzz").secret


@pytest.mark.django_db
@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
def test_no_request_makes_the_api_fail(case: Any, staff_token: str, keep_test_connection: Any) -> None:
    with transaction.atomic():
        case.call_and_validate(headers={"Authorization": f"Bearer {staff_token}"}, checks=CHECKS)
        transaction.set_rollback(True)


def test_the_openapi_document_and_docs_page_are_served(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["info"]["title"] == "caredesk API"
    assert "/api/v1/cases" in spec.json()["paths"]
    assert client.get("/api/v1/docs").status_code == 200


@pytest.fixture
def admin_token(world: Any) -> str:
    from caredesk.accounts import services as accounts

    admin = accounts.create_user(
        "root@vendor.example", "Ada Admin", world.vendor, "A-long-pass-phrase-1", roles=["admin"]
    )
    return accounts.issue_api_token(admin, "fuzz").secret


# Administrators' operations take input no other caller gets past the permission check
# with: the case import parses whole case histories. Fuzzed again as an administrator.
admin_only = schema.include(path_regex="^/api/v1/case-imports$")


@pytest.mark.django_db
@admin_only.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
def test_no_administrators_request_makes_the_api_fail(case: Any, admin_token: str, keep_test_connection: Any) -> None:
    with transaction.atomic():
        case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=CHECKS)
        transaction.set_rollback(True)

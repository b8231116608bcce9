"""The published OpenAPI description and the server agree: what the server refuses, the
description refuses too, and every answer the server can give is documented."""

from __future__ import annotations

from typing import Any

import pytest

from caredesk.installbase.models import OwnershipTransfer
from tests.personas import World


@pytest.fixture
def spec(client: Any) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").json()  # type: ignore[no-any-return]


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in spec["paths"].items() for method, op in ops.items()]


def test_every_operation_documents_the_errors_it_can_answer(spec: dict[str, Any]) -> None:
    for method, path, op in _operations(spec):
        documented = set(op["responses"])
        assert "422" in documented, (method, path)  # a NUL anywhere, a bad parameter
        if op.get("security"):
            assert {"401", "403"} <= documented, (method, path)
        if "requestBody" in op:
            assert {"400", "413"} <= documented, (method, path)
        if "{" in path:
            assert "404" in documented, (method, path)
        for status in documented - {"200", "201", "204"}:
            schema = op["responses"][status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)


def test_text_the_server_refuses_empty_is_documented_as_non_empty(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert schemas["CaseIn"]["properties"]["summary"]["minLength"] == 1
    assert schemas["MessageIn"]["properties"]["body"]["minLength"] == 1
    assert schemas["TokenRequestIn"]["properties"]["email"]["minLength"] == 1


def test_an_empty_reply_is_refused_as_the_description_says(api: Any, world: World) -> None:
    from tests.personas import admin_case

    case = admin_case(world.alice)
    response = api("alice").post(f"/cases/{case.case_id}/replies", {"body": ""})
    assert response.status_code == 422 and "body" in response.json()["error"]["fields"]


@pytest.mark.parametrize("approve", [0, 1, "true", "yes", None])
def test_a_decision_is_a_json_boolean_and_nothing_else(api: Any, ib: Any, world: World, approve: Any) -> None:
    world.globex.account_number = "G-200"
    world.globex.save()
    asked = api("alice").post("/assets/KR1000003/transfers", {"new_owner_account": "G-200"})
    assert asked.status_code == 201, asked.content
    response = api("agent").post(f"/transfers/{asked.json()['id']}/decision", {"approve": approve})
    assert response.status_code == 422, response.content
    assert "approve" in response.json()["error"]["fields"]
    assert OwnershipTransfer.objects.get(pk=asked.json()["id"]).status == "requested"

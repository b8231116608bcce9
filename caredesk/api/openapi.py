"""The error answers every operation can give, written into the OpenAPI description once.

The error responses never pass through an operation's response models (the handlers of
``caredesk.api.errors`` and the edge write them directly), so documenting them here,
rather than in every decorator, cannot make the two disagree: what this module adds is
what those handlers and the edge answer, for every operation of the given kind.
"""

from __future__ import annotations

from typing import Any

from caredesk.api.schemas import ErrorOut

_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}

# (status, description, applies to the operation?)
_COMMON: list[tuple[int, str, Any]] = [
    (400, "The request body cannot be read (not JSON, or a form without its boundary)", lambda op: "requestBody" in op),
    (401, "No valid token or session", lambda op: bool(op.get("security"))),
    (
        403,
        "Not allowed for you, an expired password, or a session without its CSRF token",
        lambda op: bool(op.get("security")),
    ),  # fmt: skip
    (404, "Not found, or not visible to you", lambda op: any(p.get("in") == "path" for p in op.get("parameters", []))),
    (413, "The request body is too large", lambda op: "requestBody" in op),
    (
        422,
        "The input is not valid; `fields` says which and why (a NUL anywhere in a request included)",
        lambda op: True,
    ),  # fmt: skip
]


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the common error answers to every operation of ``schema`` that lacks them."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorOut", ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}"))
    for defs_name, definition in components["ErrorOut"].pop("$defs", {}).items():
        components.setdefault(defs_name, definition)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description, applies in _COMMON:
                if applies(operation):
                    answer = responses.setdefault(status, {"description": description, "content": _ERROR})
                    answer.setdefault("content", _ERROR)
    return schema

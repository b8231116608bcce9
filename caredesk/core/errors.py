"""Domain errors: raised by services and queries, mapped to one shape by every interface.

The API answers ``{"error": {"code", "message", "fields"}}`` with ``status``; pages show
``message`` and attach ``fields`` to the form fields of the same name.
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: Mapping[str, str] | None = None, code: str | None = None):
        # Messages may be lazy translations (module-level constants): they are fixed here, in
        # the language of the request that raised them, so every interface gets plain text.
        message = str(message)
        super().__init__(message)
        self.message = message
        self.fields: dict[str, str] = {name: str(text) for name, text in (fields or {}).items()}
        if code:
            self.code = code


class ValidationFailed(DomainError):
    """The input is well-formed but breaks a rule; ``fields`` says which and why."""

    status = 422
    code = "invalid"


class NotFound(DomainError):
    """Absent, or present but not visible to the caller (D-1.3): the two look the same."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """The caller sees the object but may not do this to it."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The object is not in a state that allows this (e.g. accepting an unproposed resolution)."""

    status = 409
    code = "conflict"


class Throttled(DomainError):
    status = 429
    code = "throttled"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"

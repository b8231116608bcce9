"""``Idempotency-Key`` on the API's creating POSTs: a client that retries after a dropped
connection gets the first answer again, and one object, not two.

``@idempotent`` goes under the router's decorator. It wraps the operation's whole run
(authentication, parsing, the endpoint, the answer) in one transaction when the header
is sent; the endpoint, once the caller is known, claims the key in that transaction
(``caredesk.core.idempotency.claim``), and a successful answer is stored in the claimed
row before the commit. Any error answer rolls the claim back with the change, so a retry
of a refused request is tried afresh.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from ninja.decorators import decorate_view
from ninja.operation import Operation
from ninja.utils import contribute_operation_callback

from caredesk.core import idempotency

View = TypeVar("View", bound=Callable[..., Any])
_CLAIM = "_caredesk_idempotency_claim"
_PARAMETER = {
    "in": "header",
    "name": idempotency.HEADER,
    "required": False,
    "description": "Any unique value (a UUID): a retry with the same key and body gets the first answer again "
    "and makes nothing twice; the same key with another request is refused (422). Kept a day by default.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode() + b"\0")
    if request.content_type == "multipart/form-data":
        for name, values in sorted(request.POST.lists()):
            digest.update(repr((name, values)).encode())
        for name, uploads in sorted(request.FILES.lists()):
            for upload in uploads:
                digest.update(repr((name, upload.name)).encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def claim_for(request: HttpRequest, user_id: int) -> HttpResponse | None:
    """Claim the request's key for ``user_id``: None to go on and create, or the first
    request's answer to send again. For endpoints that learn the user themselves (the
    password exchange); ``@idempotent`` calls it with the authenticated user."""
    key = request.headers.get(idempotency.HEADER)
    if key is None or not transaction.get_connection().in_atomic_block:
        return None
    found = idempotency.claim(user_id, idempotency.check_key(key), _fingerprint(request))
    if isinstance(found, idempotency.Answer):
        replay = HttpResponse(found.body, status=found.status, content_type=found.content_type)
        replay["Idempotent-Replayed"] = "true"
        return replay
    setattr(request, _CLAIM, found)  # noqa: B010  read back by _in_one_transaction
    return None


def _in_one_transaction(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(run)
    def run_once(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if idempotency.HEADER not in request.headers:
            return run(request, *args, **kwargs)
        with transaction.atomic():
            response = run(request, *args, **kwargs)
            claimed = getattr(request, _CLAIM, None)
            if claimed is not None:
                if 200 <= response.status_code < 300 and isinstance(response, HttpResponse):
                    answer = idempotency.Answer(response.status_code, response["Content-Type"], response.content)
                    idempotency.complete(claimed, answer)
                else:
                    transaction.set_rollback(True)  # the claim goes with the refused change
        return response

    return run_once


def _document(operation: Operation) -> None:
    extra = dict(operation.openapi_extra or {})
    extra["parameters"] = [*extra.get("parameters", []), _PARAMETER]
    operation.openapi_extra = extra


def idempotent(view: View) -> View:
    """Accept ``Idempotency-Key`` on this creating endpoint (see the module's docstring)."""

    @wraps(view)
    def claimed(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        user = getattr(request, "auth", None)
        if user is not None:
            replay = claim_for(request, user.pk)
            if replay is not None:
                return replay
        return view(request, *args, **kwargs)

    # Ninja reads the parameters from the signature and resolves string annotations in the
    # function's module; this wrapper lives in another one, so it carries them resolved.
    claimed.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
    contribute_operation_callback(claimed, _document)
    return cast(View, decorate_view(_in_one_transaction)(claimed))

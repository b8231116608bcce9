"""One error shape for the whole API: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from caredesk.core.errors import DomainError, Throttled
from caredesk.web.middleware import Refused

log = logging.getLogger(__name__)


def error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": fields or {}}}, status=status)


def _field_name(loc: list[Any]) -> str:
    # Ninja reports ("body", "payload", "summary") or ("query", "limit"): keep what the client sent.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "form", "file", "header", "cookie"}:
        parts = parts[1:]
        if parts and parts[0] in {"payload", "data", "filters"}:
            parts = parts[1:]
    return ".".join(parts) or "body"


# Pydantic's own messages are English; the ones clients meet most are said here in the
# caller's language, with the limits from the error's context ("At most 200 characters.").
VALIDATION_MESSAGES = {
    "missing": gettext_lazy("Please give this field."),
    "extra_forbidden": gettext_lazy("Not a field of this request."),
    "string_type": gettext_lazy("Give text here."),
    "string_too_short": gettext_lazy("At least %(min_length)s characters."),
    "string_too_long": gettext_lazy("At most %(max_length)s characters."),
    "too_short": gettext_lazy("At least %(min_length)s items."),
    "too_long": gettext_lazy("At most %(max_length)s items."),
    "int_type": gettext_lazy("Give a whole number."),
    "int_parsing": gettext_lazy("Give a whole number."),
    "greater_than_equal": gettext_lazy("At least %(ge)s."),
    "less_than_equal": gettext_lazy("At most %(le)s."),
    "greater_than": gettext_lazy("More than %(gt)s."),
    "less_than": gettext_lazy("Less than %(lt)s."),
    "bool_type": gettext_lazy("Give true or false."),
    "bool_parsing": gettext_lazy("Give true or false."),
    "list_type": gettext_lazy("Give a list."),
    "dict_type": gettext_lazy("Give an object."),
    "model_attributes_type": gettext_lazy("Give an object."),
    "literal_error": gettext_lazy("Not one of the allowed values."),
    "enum": gettext_lazy("Not one of the allowed values."),
    "json_invalid": gettext_lazy("This is not valid JSON."),
    "datetime_parsing": gettext_lazy("Give a date and time, e.g. 2026-03-01T09:30:00+01:00."),
    "datetime_from_date_parsing": gettext_lazy("Give a date and time, e.g. 2026-03-01T09:30:00+01:00."),
    "date_parsing": gettext_lazy("Give a date, e.g. 2026-03-01."),
    "date_from_datetime_parsing": gettext_lazy("Give a date, e.g. 2026-03-01."),
}


def validation_message(err: dict[str, Any]) -> str:
    known = VALIDATION_MESSAGES.get(str(err.get("type", "")))
    if known is None:
        return str(err.get("msg", _("Invalid value.")))
    context = err.get("ctx") or {}
    try:
        return str(known) % context if "%(" in str(known) else str(known)
    except (KeyError, TypeError, ValueError):
        return str(err.get("msg", _("Invalid value.")))


def install(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        response = error_response(exc.status, exc.code, exc.message, exc.fields)
        if isinstance(exc, Throttled):
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields: dict[str, str] = {}
        for err in exc.errors:
            name = _field_name(list(err.get("loc", [])))
            fields.setdefault(name, validation_message(err))
        return error_response(422, "invalid", _("The request is not valid."), fields)

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(401, "unauthenticated", _("Log in or send a valid API token."))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, "not_found", _("Not found."))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error_response(exc.status_code, "bad_request" if exc.status_code < 500 else "error", str(exc))

    @api.exception_handler(MultiPartParserError)
    def unreadable_form(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        # The edge refuses most of these first (caredesk.web.middleware); a multipart body
        # that only the endpoint reads lands here.
        return error_response(400, "bad_request", _("The request body cannot be read as a form."))

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        if isinstance(exc, RequestDataTooBig):
            return error_response(413, "too_large", _("The request body is too large."))
        return error_response(400, "bad_request", _("The request is not valid."))

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("unexpected API error on %s %s", request.method, request.path)
        return error_response(500, "internal", _("Something went wrong on our side. It has been logged."))


_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 413: "too_large", 429: "throttled"}  # fmt: skip
_MESSAGES = {
    404: gettext_lazy("Not found."),
    405: gettext_lazy("This method is not allowed here."),
    413: gettext_lazy("The request body is too large."),
}


class ApiErrorShapeMiddleware:
    """Answers that never reach an API endpoint (an unknown path, a method the path does not
    take, a body too large to read) leave Django as HTML; under /api/ they get the one
    error shape too, so a program never has to parse a page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if isinstance(response, Refused) and request.path.startswith("/api/"):
            # Refused at the edge for every interface; here in the API's shape and status.
            error = response.error
            return error_response(error.status, error.code, error.message, error.fields)
        if (
            response.status_code >= 400
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = response.status_code
            shaped = error_response(
                status,
                _CODES.get(status, "error" if status >= 500 else "bad_request"),
                str(_MESSAGES.get(status, _("The request could not be handled."))),
            )
            for header in ("Allow", "Retry-After"):
                if header in response:
                    shaped[header] = response[header]
            return shaped
        return response

"""What every interface needs before it sees a request, and on every answer it gives:
refusing input no interface can take, and the browser's security headers."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from caredesk.core.errors import DomainError, ValidationFailed
from caredesk.core.validation import NUL_FIELD, NUL_REFUSED, holds_nul

_FORMS = {"application/x-www-form-urlencoded", "multipart/form-data"}


class Refused(HttpResponseBadRequest):
    """A request refused at the edge: a plain 400 page, carrying the domain error that
    says why, so that the API can answer it in its own shape and status instead
    (``caredesk.api.errors.ApiErrorShapeMiddleware``)."""

    def __init__(self, request: HttpRequest, error: DomainError):
        super().__init__(render_to_string("400.html", request=request))
        self.error = error


def _nul_field(params: QueryDict, where: str) -> str | None:
    for key, values in params.lists():
        if holds_nul(key):
            return where
        if holds_nul(values):
            return key
    return None


def _refusal(request: HttpRequest) -> DomainError | None:
    if holds_nul(request.path_info):
        return ValidationFailed(_(NUL_REFUSED), fields={"path": _(NUL_FIELD)})
    field = _nul_field(request.GET, "query")
    if field is None and request.method == "POST" and request.content_type in _FORMS:
        try:
            field = _nul_field(request.POST, "form")
            if field is None:
                names = ((key, upload.name) for key, uploads in request.FILES.lists() for upload in uploads)
                field = next((key for key, name in names if holds_nul(name)), None)
        except MultiPartParserError:  # e.g. multipart/form-data without a boundary
            return DomainError(_("The request body cannot be read as a form."), code="bad_request")
        except RequestDataTooBig:
            return None  # the view meets it again and says so in its own words (413)
    if field is not None:
        return ValidationFailed(_(NUL_REFUSED), fields={field: _(NUL_FIELD)})
    return None


class EdgeMiddleware:
    """Refuses, once for every interface, text holding a NUL in the path, the query string
    or a form (PostgreSQL can neither store nor compare it, and a file name holding one
    stops the file system), and a form body that cannot be parsed. JSON bodies are
    checked field by field by the API's input models, in the same words.

    It sits before the static files, whose lookup would fail on a NUL too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        error = _refusal(request)
        if error is not None:
            return Refused(request, error)
        return self.get_response(request)


# Scripts and styles come from our own static files only: no inline <script>, no event
# handler attributes, no style="" (templates use classes; htmx is configured from a meta
# tag and injects no styles). Images may be data: URIs, which the API docs' stylesheet
# uses for its icons. Nothing may frame a page (clickjacking), load plugins, or move
# the base URL elsewhere.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'self'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Sends the policy on every answer; Django 5.2 has none of its own. (HSTS comes from
    Django's SecurityMiddleware, see ``SECURE_HSTS_*`` in settings.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

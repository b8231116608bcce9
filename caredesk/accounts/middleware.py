from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

MUST_CHANGE_PASSWORD = "must_change_password"  # noqa: S105 - a session key, not a secret
_ALLOWED_PREFIXES = ("/password/change/", "/logout/", "/static/")


class PasswordChangeRequiredMiddleware:
    """After logging in with an expired password, the session may only change it (D-1.5)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.session.get(MUST_CHANGE_PASSWORD) and not request.path.startswith(_ALLOWED_PREFIXES):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"error": {"code": "password_expired", "message": "Change your password first.", "fields": {}}},
                    status=403,
                )
            return redirect("portal:password_change")
        return self.get_response(request)

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from caredesk.accounts import services
from caredesk.accounts.policy import PasswordState

MUST_CHANGE_PASSWORD = "must_change_password"  # noqa: S105 - a session key, not a secret
_ALLOWED_PREFIXES = ("/password/change/", "/logout/", "/static/")


def _api_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


class PasswordChangeRequiredMiddleware:
    """The password policy (D-1.5) holds for open sessions too, not only at login: a session
    whose password expires meanwhile may only change it, and one whose grace period runs
    out is ended and the account locked. The check is a comparison of two dates already
    loaded with the user, so it costs no query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            state = services.current_password_state(user)
            if state is PasswordState.LOCKED:
                logout(request)
                text = _(
                    "This account is locked because its password was not changed in time. Use “Reset my password”."
                )
                if request.path.startswith("/api/"):
                    return _api_error(401, "account_locked", text)
                messages.error(request, text)
                return redirect("portal:login")
            if state is PasswordState.EXPIRED and not request.session.get(MUST_CHANGE_PASSWORD):
                request.session[MUST_CHANGE_PASSWORD] = True
        if request.session.get(MUST_CHANGE_PASSWORD) and not request.path.startswith(_ALLOWED_PREFIXES):
            if request.path.startswith("/api/"):
                return _api_error(403, "password_expired", _("Change your password first."))
            return redirect("portal:password_change")
        return self.get_response(request)

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from caredesk.accounts import services as accounts
from caredesk.web.locale import activate_for


class BearerToken(HttpBearer):
    """Personal API tokens for programs: ``Authorization: Bearer cd_…``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = accounts.user_for_token(token)
        if user is not None:
            request.user = user
            activate_for(user)  # error messages in the token owner's language, if they chose one
        return user


class Session(SessionAuth):
    """The portal's session; CSRF-checked on unsafe methods like every form."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a logged-in session there is nothing to forge a request with: skip the
        # CSRF check so the caller hears 401 "unauthenticated" (a missing or revoked
        # token), not 403 "CSRF check failed". A logged-in session is still checked.
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and request.session.get("must_change_password"):
            return None
        return user


AUTH = [BearerToken(), Session(csrf=True)]

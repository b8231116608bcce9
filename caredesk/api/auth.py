from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from caredesk.accounts import services as accounts


class BearerToken(HttpBearer):
    """Personal API tokens for programs: ``Authorization: Bearer cd_…``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = accounts.user_for_token(token)
        if user is not None:
            request.user = user
        return user


class Session(SessionAuth):
    """The portal's session; CSRF-checked on unsafe methods like every form."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and request.session.get("must_change_password"):
            return None
        return user


AUTH = [BearerToken(), Session(csrf=True)]

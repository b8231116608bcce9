from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from caredesk.accounts.models import User


class EmailBackend(ModelBackend):
    """Session authentication by e-mail. Loads the organisation with the user, because
    every access decision (D-1.3) needs it."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        email = (username or kwargs.get("email") or "").strip().lower()
        user = User.objects.select_related("organisation").filter(email=email).first()
        if user is not None and password and user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: int) -> User | None:  # type: ignore[override]
        user = User.objects.select_related("organisation").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind a proxy, operators set the proxy to overwrite REMOTE_ADDR
    (gunicorn --forwarded-allow-ips); a client-supplied X-Forwarded-For is not trusted."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")

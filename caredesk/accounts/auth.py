from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import BigAutoField
from django.http import HttpRequest

from caredesk.accounts.models import User
from caredesk.core.selects import Bind, Select

# Every signed-in request reads its user: the statement is built once (core.selects).
_user_by_pk: Select[User] = Select(
    lambda: User.objects.select_related("organisation").filter(pk=Bind("pk", BigAutoField())).order_by()[:1]
)


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

    def get_user(self, user_id: int) -> User | None:
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None  # a session naming no user id signs nobody in, as the ORM lookup did
        found = _user_by_pk(pk=pk)
        user = found[0] if found else None
        return user if user is not None and self.user_can_authenticate(user) else None


def client_ip(request: HttpRequest) -> str:
    """The client's address, for per-client rate limits.

    ``X-Forwarded-For`` is believed only when the direct peer is one of the operator's
    proxies (``CAREDESK_TRUSTED_PROXIES``); then the address the last trusted proxy saw
    is the client. Otherwise a client could send any header and dodge its limits.
    """
    peer = str(request.META.get("REMOTE_ADDR") or "unknown")
    trusted = settings.TRUSTED_PROXIES
    if peer not in trusted:
        return peer
    hops = [h.strip() for h in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return peer

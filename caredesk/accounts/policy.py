"""Password expiry and lock (D-1.5) as pure functions of the user and the time."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from django.conf import settings

from caredesk.accounts.models import User
from caredesk.core.clock import add_months


class PasswordState(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"  # may log in only to change it
    LOCKED = "locked"  # only the e-mailed reset link opens the account again


def expires_at(user: User) -> datetime:
    return add_months(user.password_changed_at, settings.PASSWORD_MAX_AGE_MONTHS)


def locks_at(user: User) -> datetime:
    return expires_at(user) + timedelta(days=settings.PASSWORD_GRACE_DAYS)


def password_state(user: User, at: datetime) -> PasswordState:
    if user.locked_at is not None or at >= locks_at(user):
        return PasswordState.LOCKED
    if at >= expires_at(user):
        return PasswordState.EXPIRED
    return PasswordState.VALID

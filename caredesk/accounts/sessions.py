"""The session store: Django's database sessions, read by a statement built once.

Every signed-in page reads its session row; building that SELECT through the ORM costs
more than running it (core.selects). Nothing else changes: rows, expiry, cycling the key
at login and flushing at logout are Django's own, so ending a session, or changing the
password (the session's auth hash no longer matches), ends it on every process at once.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.db.models import CharField, DateTimeField
from django.utils import timezone

from caredesk.core.selects import Bind, Select

_live_session: Select[Session] = Select(
    lambda: Session.objects.filter(
        session_key=Bind("key", CharField()), expire_date__gt=Bind("now", DateTimeField())
    ).order_by()[:1]
)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Any:
        try:
            found = _live_session(key=self.session_key, now=timezone.now())
        except SuspiciousOperation as exc:  # as Django's store: logged, and no session
            logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
            found = []
        if not found:
            self._session_key = None
            return None
        return found[0]

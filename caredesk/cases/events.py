"""Domain events of cases. Listeners (notifications, webhooks) connect to ``case_event``;
events are sent only after the transaction commits, so nobody hears of a change that
rolled back."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import Signal

CASE_OPENED = "case.opened"
CASE_REPLIED = "case.replied"
CASE_ASSIGNED = "case.assigned"
CASE_STATUS_CHANGED = "case.status_changed"
CASE_RESOLUTION_PROPOSED = "case.resolution_proposed"
CASE_CLOSED = "case.closed"

case_event = Signal()  # sender=event name; kwargs: case, actor, and event details


def emit(name: str, case: Any, actor: Any, **details: Any) -> None:
    transaction.on_commit(lambda: case_event.send(sender=name, case=case, actor=actor, **details))

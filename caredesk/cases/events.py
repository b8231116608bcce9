"""Domain events of cases. Listeners (notifications, webhooks) connect to ``case_event``.

Events are sent inside the transaction that made the change, so that a listener's own
rows (an outbox message, a webhook delivery) commit or roll back with it: a notification
exists exactly when its change does. Listeners therefore only write rows; anything that
leaves the process (mail, HTTP) they schedule with ``transaction.on_commit``.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

CASE_OPENED = "case.opened"
CASE_REPLIED = "case.replied"
CASE_ASSIGNED = "case.assigned"
CASE_STATUS_CHANGED = "case.status_changed"
CASE_RESOLUTION_PROPOSED = "case.resolution_proposed"
CASE_CLOSED = "case.closed"
CASE_PRIORITY_CHANGED = "case.priority_changed"
CASE_RESPONSE_BREACHED = "case.response_breached"  # D-4.3; recipients=[User]
CASE_MANAGEMENT_ESCALATION = "case.management_escalation"  # D-4.4; level=int, recipients=[User]
CASE_ESCALATED = "case.escalated"  # D-4.5 by the customer or on their behalf

case_event = Signal()  # sender=event name; kwargs: case, actor, and event details
case_events = Signal()  # sender=event name; kwargs: items=[(case, details)], actor: one event, many cases


def emit(name: str, case: Any, actor: Any, **details: Any) -> None:
    case_event.send(sender=name, case=case, actor=actor, **details)


def emit_many(name: str, items: list[tuple[Any, dict[str, Any]]], actor: Any = None) -> None:
    """The same event for many cases at once (a sweep's batch), so that listeners can write
    their rows in one statement instead of one per case."""
    if items:
        case_events.send(sender=name, items=items, actor=actor)

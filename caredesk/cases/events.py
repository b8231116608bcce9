"""Domain events of cases: one dataclass per event. Listeners (notifications, webhooks)
connect to ``case_events``.

Events are sent inside the transaction that made the change, so that a listener's own
rows (an outbox message, a webhook delivery) commit or roll back with it: a notification
exists exactly when its change does. Listeners therefore only write rows; anything that
leaves the process (mail, HTTP) they schedule with ``transaction.on_commit``.

A listener always receives a list of events of one type (``sender`` is the type): a
single change sends a list of one, a sweep's batch sends the batch, so that listeners
write their rows in one statement either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from django.dispatch import Signal

if TYPE_CHECKING:
    from caredesk.accounts.models import User
    from caredesk.cases.models import Case, CaseMessage, Escalation


@dataclass(frozen=True)
class CaseEvent:
    """Something happened to ``case``, done by ``actor`` (None: the system, a sweep)."""

    name: ClassVar[str]  # the event's name on webhooks and in notices ("case.opened")
    case: Case
    actor: User | None


@dataclass(frozen=True)
class CaseOpened(CaseEvent):
    name: ClassVar[str] = "case.opened"


@dataclass(frozen=True)
class CaseReplied(CaseEvent):
    """A public reply, by staff or the customer side."""

    name: ClassVar[str] = "case.replied"
    message: CaseMessage


@dataclass(frozen=True)
class CaseAssigned(CaseEvent):
    name: ClassVar[str] = "case.assigned"


@dataclass(frozen=True)
class CaseStatusChanged(CaseEvent):
    name: ClassVar[str] = "case.status_changed"


@dataclass(frozen=True)
class CaseResolutionProposed(CaseEvent):
    name: ClassVar[str] = "case.resolution_proposed"
    message: CaseMessage


@dataclass(frozen=True)
class CaseClosed(CaseEvent):
    """Closed: accepted by the customer, in silence (D-3.5), or by staff with a reason."""

    name: ClassVar[str] = "case.closed"
    reason: str = ""
    note: str = ""  # what staff told the customer when closing it themselves
    duplicate_of: str = ""  # the case id this one duplicates (reason "duplicate")


@dataclass(frozen=True)
class CaseReopened(CaseEvent):
    """Reopened within the reopening window: by staff, or by the customer."""

    name: ClassVar[str] = "case.reopened"
    message: CaseMessage | None = None  # what the customer said when reopening it


@dataclass(frozen=True)
class CasePriorityChanged(CaseEvent):
    name: ClassVar[str] = "case.priority_changed"


@dataclass(frozen=True)
class CaseResponseBreached(CaseEvent):
    """D-4.3: the first response is overdue; the owner and their manager hear of it."""

    name: ClassVar[str] = "case.response_breached"
    recipients: list[User] = field(default_factory=list)


@dataclass(frozen=True)
class CaseManagementEscalation(CaseEvent):
    """D-4.4: a level of the escalation matrix hears of an unresolved case."""

    name: ClassVar[str] = "case.management_escalation"
    level: int = 0
    recipients: list[User] = field(default_factory=list)


@dataclass(frozen=True)
class CaseEscalated(CaseEvent):
    """D-4.5: escalated by the customer or on their behalf; ``recipients`` is the team."""

    name: ClassVar[str] = "case.escalated"
    escalation: Escalation | None = None
    recipients: list[User] = field(default_factory=list)


EVENT_TYPES: tuple[type[CaseEvent], ...] = (
    CaseOpened,
    CaseReplied,
    CaseAssigned,
    CaseStatusChanged,
    CaseResolutionProposed,
    CaseClosed,
    CaseReopened,
    CasePriorityChanged,
    CaseResponseBreached,
    CaseManagementEscalation,
    CaseEscalated,
)
EVENT_NAMES: tuple[str, ...] = tuple(t.name for t in EVENT_TYPES)

case_events = Signal()  # sender: the event type; batch: a list of events of that type


def emit(event: CaseEvent) -> None:
    """Tell the listeners of one event, inside the transaction of the change."""
    case_events.send(sender=type(event), batch=[event])


def emit_many(batch: list[CaseEvent]) -> None:
    """Events of one type for many cases at once (a sweep's batch), so that listeners can
    write their rows in one statement instead of one per case."""
    if batch:
        kinds = {type(e) for e in batch}
        if len(kinds) != 1:
            raise ValueError("a batch holds events of one type")
        case_events.send(sender=kinds.pop(), batch=batch)

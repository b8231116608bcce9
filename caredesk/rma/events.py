"""Domain events of RMAs: one dataclass per event. Listeners (licensing, D-6.3; notices and
webhooks) connect to ``rma_events``.

As with ``cases.events``, events are sent inside the transaction that made the change, so
a listener's rows commit or roll back with it; anything that leaves the process a listener
schedules with ``transaction.on_commit``. A listener always receives a list of events of
one type (``sender`` is the type): one change sends a list of one, a sweep its batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from django.dispatch import Signal

if TYPE_CHECKING:
    from caredesk.accounts.models import User
    from caredesk.installbase.models import Asset
    from caredesk.rma.models import ReturnCharge, RmaLine, RmaMessage, RmaRequest


@dataclass(frozen=True)
class RmaEvent:
    """Something happened to ``request``, done by ``actor`` (None: the system, a sweep)."""

    name: ClassVar[str]  # the event's name on webhooks and in notices ("rma.unit_replaced")
    request: RmaRequest
    actor: User | None


@dataclass(frozen=True)
class RequestStatusChanged(RmaEvent):
    """The request's status changed (D-5.6): requested (``before`` is empty), approved,
    rejected, refused, cancelled, waiting for the engineer and back to pending."""

    name: ClassVar[str] = "rma.request_status_changed"
    before: str = ""
    after: str = ""


@dataclass(frozen=True)
class QuestionAnswered(RmaEvent):
    """An RMA specialist answered the customer's question on a pending request (D-5.1)."""

    name: ClassVar[str] = "rma.question_answered"
    message: RmaMessage | None = None


@dataclass(frozen=True)
class LineEvent(RmaEvent):
    """Something happened to one line of an approved request."""

    line: RmaLine


@dataclass(frozen=True)
class LineStatusChanged(LineEvent):
    """A line moved by the transition table (D-5.4): shipped, delivered, received …"""

    name: ClassVar[str] = "rma.line_status_changed"
    before: str = ""
    after: str = ""


@dataclass(frozen=True)
class UnitReplaced(LineEvent):
    """An advance replacement shipped: ``replacement`` is registered in the installed base
    in ``defective``'s place and covered by its contracts. Licensing moves the defective
    serial's licences to the replacement on it (D-6.3)."""

    name: ClassVar[str] = "rma.unit_replaced"
    defective: Asset | None = None
    replacement: Asset | None = None
    contracts: list[str] = field(default_factory=list)  # the contract ids that now cover the replacement


@dataclass(frozen=True)
class ReturnChargeFlagged(LineEvent):
    """D-5.5: the defective unit of an advance replacement was not received in time; the
    line is flagged for a charge of the product's list price, and the customer is told."""

    name: ClassVar[str] = "rma.return_charge_flagged"
    charge: ReturnCharge | None = None


@dataclass(frozen=True)
class ReturnChargeWaived(LineEvent):
    """Staff waived a charge for a unit not returned, with a reason (D-5.5)."""

    name: ClassVar[str] = "rma.return_charge_waived"
    charge: ReturnCharge | None = None


EVENT_TYPES: tuple[type[RmaEvent], ...] = (
    RequestStatusChanged,
    QuestionAnswered,
    LineStatusChanged,
    UnitReplaced,
    ReturnChargeFlagged,
    ReturnChargeWaived,
)
EVENT_NAMES: tuple[str, ...] = tuple(t.name for t in EVENT_TYPES)

rma_events = Signal()  # sender: the event type; batch: a list of events of that type


def emit(event: RmaEvent) -> None:
    """Tell the listeners of one event, inside the transaction of the change."""
    rma_events.send(sender=type(event), batch=[event])


def emit_many(batch: list[RmaEvent]) -> None:
    """Events of one type at once (a sweep's batch), so listeners write their rows in one
    statement."""
    if batch:
        kinds = {type(e) for e in batch}
        if len(kinds) != 1:
            raise ValueError("a batch holds events of one type")
        rma_events.send(sender=kinds.pop(), batch=batch)

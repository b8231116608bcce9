"""Domain events of accounts: one dataclass per event. ``notifications`` connects to
``account_events`` and turns them into notices, because ``accounts`` sits below it and
cannot call it.

Like case events they are sent inside the transaction of the change, so a notice exists
exactly when its change does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from django.dispatch import Signal

if TYPE_CHECKING:
    from caredesk.accounts.models import Organisation, Registration, User


@dataclass(frozen=True)
class AccountEvent:
    name: ClassVar[str]
    organisation: Organisation


@dataclass(frozen=True)
class MemberJoinedByProof(AccountEvent):
    """D-1.4: someone joined ``organisation`` by proving it with a serial number or contract
    id; its administrators are told, with a signed link that removes the member."""

    name: ClassVar[str] = "member.joined"
    member: User
    proof: str
    removal_token: str


@dataclass(frozen=True)
class MembershipRequested(AccountEvent):
    """D-1.4: someone proved ``organisation`` and waits for its administrator's approval."""

    name: ClassVar[str] = "member.requested"
    registration: Registration


account_events = Signal()  # sender: the event type; event: the event


def emit(event: AccountEvent) -> None:
    """Tell the listeners, inside the transaction of the change."""
    account_events.send(sender=type(event), event=event)

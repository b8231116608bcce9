"""Working a case (D-3.5): replies, internal notes, assignment, status and priority."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, may, require
from caredesk.accounts.models import User
from caredesk.cases import events
from caredesk.cases.models import (
    Case,
    CaseMessage,
    CaseStatus,
    Priority,
)
from caredesk.cases.services.shared import (
    choice,
    first_response_change,
    locked_case,
    new_message,
    next_escalation,
    not_closed,
    off_hours,
    touch,
)
from caredesk.core import audit
from caredesk.core.clock import now
from caredesk.core.errors import Conflict, ValidationFailed
from caredesk.sla.queries import response_due


@transaction.atomic
def reply(actor: User, case_id: str, body: str) -> CaseMessage:
    """A public reply. A customer's reply brings an awaiting or proposed case back to Open;
    staff replying to a new case take it."""
    case = locked_case(actor, case_id)
    if actor.is_vendor_staff:  # answering for the vendor is working the case (D-1.2)
        require(actor, Capability.WORK_CASES)
    not_closed(case)
    message = new_message(case, actor, CaseMessage.Kind.REPLY, body)
    changes: dict[str, Any] = first_response_change(case, actor, message)
    if actor.is_vendor_staff:
        if case.status == CaseStatus.NEW:
            changes |= {"status": CaseStatus.OPEN, "owner": case.owner or actor}
    elif case.status in (CaseStatus.AWAITING_CUSTOMER, CaseStatus.RESOLUTION_PROPOSED):
        changes = {"status": CaseStatus.OPEN, "resolution_proposed_at": None}
    diff = touch(case, **changes)
    audit.record(case, "replied", actor, {"message": message.pk, **diff})
    events.emit(events.CaseReplied(case, actor, message))
    return message


@transaction.atomic
def add_note(actor: User, case_id: str, body: str) -> CaseMessage:
    """An internal note: seen by vendor staff only."""
    case = locked_case(actor, case_id)
    require(actor, Capability.WORK_CASES)
    message = new_message(case, actor, CaseMessage.Kind.NOTE, body)
    # "Last modified" is shown to the customer: internal work must not move it.
    audit.record(case, "note_added", actor, {"message": message.pk}, internal=True)
    return message


@transaction.atomic
def assign(actor: User, case_id: str, owner_email: str | None = None) -> Case:
    """Give the case an owner (the actor when none is named). A new case becomes Open."""
    case = locked_case(actor, case_id)
    require(actor, Capability.WORK_CASES)
    not_closed(case)
    owner = actor
    if owner_email:
        named = (
            User.objects.select_related("organisation")
            .filter(email=owner_email.strip().lower(), is_active=True)
            .first()
        )
        if named is None or not may(named, Capability.WORK_CASES):
            raise ValidationFailed(
                _("The owner must be a member of the vendor's staff."),
                fields={"owner_email": _("The owner must be a member of the vendor's staff.")},
            )
        if case.organisation.government and not named.gov_cleared:
            text = _("Government cases go to cleared staff only.")
            raise ValidationFailed(text, fields={"owner_email": text})
        owner = named
    changes: dict[str, Any] = {"owner": owner}
    if case.status == CaseStatus.NEW:
        changes["status"] = CaseStatus.OPEN
    diff = touch(case, **changes)
    audit.record(case, "assigned", actor, diff)
    events.emit(events.CaseAssigned(case, actor))
    return case


_STAFF_STATUS_MOVES = {
    (CaseStatus.OPEN, CaseStatus.AWAITING_CUSTOMER),
    (CaseStatus.AWAITING_CUSTOMER, CaseStatus.OPEN),
    (CaseStatus.RESOLUTION_PROPOSED, CaseStatus.OPEN),
}


@transaction.atomic
def set_status(actor: User, case_id: str, status: str) -> Case:
    """Staff move a case between Open and Awaiting customer (D-3.5). Closing needs the
    customer's agreement, and proposing a resolution has its own step."""
    case = locked_case(actor, case_id)
    require(actor, Capability.WORK_CASES)
    if status not in CaseStatus.values:
        raise ValidationFailed(_("Unknown status."), fields={"status": _("Not a case status.")})
    if (case.status, status) not in _STAFF_STATUS_MOVES:
        raise Conflict(
            _("A case cannot go from %(old)s to %(new)s this way.")
            % {"old": CaseStatus(case.status).label, "new": CaseStatus(status).label}
        )
    changes: dict[str, Any] = {"status": status}
    if status == CaseStatus.OPEN:
        changes["resolution_proposed_at"] = None
    diff = touch(case, **changes)
    audit.record(case, "status_changed", actor, diff)
    events.emit(events.CaseStatusChanged(case, actor))
    return case


@transaction.atomic
def change_priority(actor: User, case_id: str, priority: str) -> Case:
    case = locked_case(actor, case_id)
    require(actor, Capability.WORK_CASES)
    not_closed(case)
    choice(priority, Priority.values, "priority")
    changes: dict[str, Any] = {"priority": priority}
    if priority != case.priority:
        if case.opened_off_hours:  # D-4.6: a P1 is handled at once, others wait for the business day
            changes.update(off_hours(priority, case.created_at))
        # D-4.1: the due time is recomputed from the opening under the new priority. A case
        # that is no longer late by it is no longer breached, so a later breach is told again.
        changes["escalation_due_at"] = next_escalation(priority, case.created_at, case.escalation_level)
        if case.first_response_at is None:
            due = response_due(priority, case.created_at)
            changes["response_due_at"] = due
            if case.response_breached_at is not None and (due is None or due > now()):
                changes["response_breached_at"] = None
    diff = touch(case, **changes)
    audit.record(case, "priority_changed", actor, diff)
    if "priority" in diff:
        events.emit(events.CasePriorityChanged(case, actor))
    return case

"""Staff closing a case with a reason, and reopening a closed case within the window.

D-3.5 closes a case when the customer agrees or after the silence period (``resolution``);
beside that, staff close a case themselves when there is nothing to agree on: it repeats
another case, it is spam, it was resolved with the customer on the phone, or the customer
stopped answering. The customer hears why (the ``case_closed`` notice), except for spam:
answering spam confirms a live address to its sender and can start a loop of automatic
replies, so a case closed as spam tells nobody.

A closed case can be reopened for ``CASE_REOPEN_DAYS`` after it closed: by staff, and by
the customer (who may agree that a case is resolved, ``may_answer_resolution``), except
that a case closed as spam is reopened by staff only. After the window the customer opens
a new case.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, may, require
from caredesk.accounts.models import User
from caredesk.cases import events
from caredesk.cases.models import Case, CaseMessage, CaseStatus, CloseReason
from caredesk.cases.queries import visible_cases
from caredesk.cases.services.resolution import may_answer_resolution
from caredesk.cases.services.shared import locked_case, new_message, not_closed, touch
from caredesk.core import audit
from caredesk.core.clock import now
from caredesk.core.errors import Conflict, Forbidden, ValidationFailed
from caredesk.core.identifiers import normalise_case_id
from caredesk.core.validation import clean_text

NOTE_MAX = 2000


@transaction.atomic
def close_case(actor: User, case_id: str, reason: str, note: str = "", duplicate_of: str = "") -> Case:
    """Staff close a case that is not closed, with a reason (``CloseReason``) and an
    optional note to the customer. A duplicate names the other case, which both the actor
    and the case's contact must be able to see: the customer is told its id."""
    case = locked_case(actor, case_id)
    require(actor, Capability.WORK_CASES)
    not_closed(case)
    errors: dict[str, str] = {}
    if reason not in CloseReason.values:
        errors["reason"] = _("One of: %(reasons)s.") % {"reasons": ", ".join(CloseReason.values)}
    try:
        note = clean_text(note, field="note", max_length=NOTE_MAX, required=False)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    other = ""
    if reason == CloseReason.DUPLICATE:
        other = normalise_case_id(duplicate_of or "") or ""
        if not other:
            errors["duplicate_of"] = _("Name the case this one duplicates.")
        elif other == case.case_id:
            errors["duplicate_of"] = _("A case cannot duplicate itself.")
        elif not (
            visible_cases(actor).filter(case_id=other).exists()
            and visible_cases(case.contact).filter(case_id=other).exists()
        ):
            # Not "forbidden": a case the actor may not see does not exist for them (D-1.3).
            errors["duplicate_of"] = _("No such case of this customer.")
    elif duplicate_of:
        errors["duplicate_of"] = _("Only a duplicate names another case.")
    if errors:
        raise ValidationFailed(_("The case could not be closed: some fields need attention."), fields=errors)
    diff = touch(case, status=CaseStatus.CLOSED, closed_at=now(), closed_reason=reason, resolution_proposed_at=None)
    changes: dict[str, Any] = {**diff, "reason": reason}
    if other:
        changes["duplicate_of"] = other
    if note:
        changes["note"] = note
    audit.record(case, "closed", actor, changes)
    events.emit(events.CaseClosed(case, actor, reason=reason, note=note, duplicate_of=other))
    return case


def reopen_deadline(case: Case) -> datetime | None:
    """Until when a closed case can be reopened; None for a case that is not closed."""
    if case.status != CaseStatus.CLOSED or case.closed_at is None:
        return None
    return case.closed_at + timedelta(days=settings.CASE_REOPEN_DAYS)


def may_reopen(user: User, case: Case) -> bool:
    """Whether ``user`` may reopen ``case`` now (for pages deciding what to offer)."""
    try:
        _check_reopen(user, case)
    except (Conflict, Forbidden):
        return False
    return True


def _check_reopen(user: User, case: Case) -> None:
    staff = may(user, Capability.WORK_CASES)
    if not staff and not may_answer_resolution(user, case):
        raise Forbidden(_("Only the customer or Customer Care reopen a case."))
    deadline = reopen_deadline(case)
    if deadline is None:
        raise Conflict(_("Only a closed case can be reopened."))
    if not staff and case.closed_reason == CloseReason.SPAM:
        raise Forbidden(_("This case cannot be reopened. Please open a new case."))
    if now() > deadline:
        raise Conflict(
            _("This case closed more than %(days)s days ago and cannot be reopened. Please open a new case.")
            % {"days": settings.CASE_REOPEN_DAYS}
        )


@transaction.atomic
def reopen_case(actor: User, case_id: str, body: str = "") -> Case:
    """Reopen a closed case within the window: it is Open again (New when nobody owns it),
    and its owner hears of it. What the actor says is added: a customer's words as a reply,
    staff's as an internal note."""
    case = locked_case(actor, case_id)
    _check_reopen(actor, case)
    message: CaseMessage | None = None
    if body.strip():
        kind = CaseMessage.Kind.NOTE if actor.is_vendor_staff else CaseMessage.Kind.REPLY
        message = new_message(case, actor, kind, body)
    diff = touch(
        case,
        status=CaseStatus.OPEN if case.owner_id else CaseStatus.NEW,
        closed_at=None,
        closed_reason="",
        resolution_proposed_at=None,
    )
    audit.record(case, "reopened", actor, {**diff, **({"message": message.pk} if message else {})})
    events.emit(events.CaseReopened(case, actor, message=message if message and not message.internal else None))
    return case

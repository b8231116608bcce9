"""Resolving a case (D-3.5): the proposal, the customer's answer, closing in silence."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, may, require
from caredesk.accounts.models import User
from caredesk.cases import events
from caredesk.cases.models import (
    Case,
    CaseMessage,
    CaseStatus,
)
from caredesk.cases.services.shared import first_response_change, locked_case, new_message, touch
from caredesk.core import audit
from caredesk.core.clock import now
from caredesk.core.errors import Conflict, Forbidden


@transaction.atomic
def propose_resolution(actor: User, case_id: str, body: str) -> CaseMessage:
    """The owner proposes a resolution; the customer accepts it, or the case closes by
    itself after the silence period (D-3.5)."""
    case = locked_case(actor, case_id)
    require(actor, Capability.WORK_CASES)
    if case.status != CaseStatus.OPEN:
        # D-3.5: Open → Resolution proposed. A case awaiting the customer goes back to Open
        # first (the customer's answer does that, or the owner by a status change).
        raise Conflict(_("A resolution can be proposed on an open case only."))
    message = new_message(case, actor, CaseMessage.Kind.RESOLUTION, body)
    diff = touch(
        case,
        status=CaseStatus.RESOLUTION_PROPOSED,
        resolution_proposed_at=message.created_at,
        owner=case.owner or actor,
        **first_response_change(case, actor, message),
    )
    audit.record(case, "resolution_proposed", actor, {"message": message.pk, **diff})
    events.emit(events.CaseResolutionProposed(case, actor, message))
    return message


def may_answer_resolution(user: User, case: Case) -> bool:
    """Who may agree (or refuse) that a case is resolved (D-3.5): the customer, meaning the
    person who opened it, members of the case's organisation and people associated with it
    (a consultant). A partner who sells to the customer sees the case but does not decide
    for the customer, unless the partner opened the case; vendor staff never do."""
    if not may(user, Capability.ANSWER_RESOLUTIONS):
        return False
    if user.pk in (case.contact_id, case.opened_by_id) or user.organisation_id == case.organisation_id:
        return True
    return user.associations.filter(pk=case.organisation_id).exists()


def require_customer_of(actor: User, case: Case) -> None:
    if not may_answer_resolution(actor, case):
        raise Forbidden(_("Only the customer can agree that the case is resolved."))


@transaction.atomic
def accept_resolution(actor: User, case_id: str) -> Case:
    case = locked_case(actor, case_id)
    require_customer_of(actor, case)
    if case.status != CaseStatus.RESOLUTION_PROPOSED:
        raise Conflict(_("No resolution is waiting for your answer on this case."))
    diff = touch(case, status=CaseStatus.CLOSED, closed_at=now(), closed_reason="accepted")
    audit.record(case, "resolution_accepted", actor, diff)
    events.emit(events.CaseClosed(case, actor, reason="accepted"))
    return case


@transaction.atomic
def reject_resolution(actor: User, case_id: str, reason: str) -> CaseMessage:
    case = locked_case(actor, case_id)
    require_customer_of(actor, case)
    if case.status != CaseStatus.RESOLUTION_PROPOSED:
        raise Conflict(_("No resolution is waiting for your answer on this case."))
    message = new_message(case, actor, CaseMessage.Kind.REPLY, reason)
    diff = touch(case, status=CaseStatus.OPEN, resolution_proposed_at=None)
    audit.record(case, "resolution_rejected", actor, {"message": message.pk, **diff})
    events.emit(events.CaseReplied(case, actor, message))
    return message


def close_silent_cases() -> int:
    """Close each case whose proposed resolution had no answer within the setting's silence
    (D-3.5). One short transaction per case, claimed with a conditional update, so two
    sweeps running at once close each case once."""
    cutoff = now() - timedelta(days=settings.CASE_AUTO_CLOSE_DAYS)
    due = list(
        Case.objects.filter(status=CaseStatus.RESOLUTION_PROPOSED, resolution_proposed_at__lte=cutoff)
        .order_by("resolution_proposed_at")
        .values_list("pk", flat=True)[:1000]
    )
    closed = 0
    for pk in due:
        with transaction.atomic():
            moment = now()
            claimed = Case.objects.filter(
                pk=pk, status=CaseStatus.RESOLUTION_PROPOSED, resolution_proposed_at__lte=cutoff
            ).update(status=CaseStatus.CLOSED, closed_at=moment, closed_reason="no_answer", updated_at=moment)
            if claimed:
                case = Case.objects.get(pk=pk)
                audit.record(
                    case,
                    "closed_without_answer",
                    None,
                    {
                        "status": [CaseStatus.RESOLUTION_PROPOSED, CaseStatus.CLOSED],
                        "days": settings.CASE_AUTO_CLOSE_DAYS,
                    },
                )
                events.emit(events.CaseClosed(case, None, reason="no_answer"))
                closed += 1
    return closed

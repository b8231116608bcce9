"""Customer escalation (D-4.5) and its handling, at once on call outside business days (D-4.6)."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, may, require
from caredesk.accounts.models import Role, User
from caredesk.cases import events
from caredesk.cases.models import (
    Case,
    CaseStatus,
    Escalation,
    EscalationKind,
)
from caredesk.cases.queries import visible_cases
from caredesk.cases.services.resolution import may_answer_resolution
from caredesk.cases.services.shared import UNRESOLVED, choice, locked_case, not_closed, touch
from caredesk.cases.services.staff import StaffRoster, on_call_team
from caredesk.core import audit
from caredesk.core.clock import now
from caredesk.core.errors import Conflict, Forbidden, NotFound
from caredesk.core.validation import clean_text
from caredesk.sla.queries import is_business_time

# --- customer escalation (D-4.5, D-4.6) ----------------------------------------------------------

REASON_MAX = 2000


def _escalation_owner(case: Case) -> User | None:
    """A reassignment gives the case a new owner: the member of the escalation team, other
    than the current owner and cleared where the customer needs it, who owns the fewest
    unresolved cases (ties: the longest-serving account)."""
    team = [u for u in on_call_team(case) if u.pk != case.owner_id]
    if not team:
        return None
    load = dict(
        Case.objects.filter(owner__in=team, status__in=UNRESOLVED)
        .values_list("owner_id")
        .annotate(n=models.Count("id"))
        .values_list("owner_id", "n")
    )
    return min(team, key=lambda u: (load.get(u.pk, 0), u.pk))


@transaction.atomic
def escalate(actor: User, case_id: str, kind: str, reason: str) -> Escalation:
    """The customer, or an agent on their behalf, escalates a case that is not closed
    (D-4.5). It goes to the escalation team, or outside business days to the on-call
    escalation team at once (D-4.6); a reassignment request gives it a new owner."""
    case = locked_case(actor, case_id)
    if not may(actor, Capability.ESCALATE_CASES):
        require(actor, Capability.ESCALATE_FOR_CUSTOMERS)
    elif not may_answer_resolution(actor, case):
        raise Forbidden(_("Only the customer escalates a case."))
    not_closed(case)
    kind = choice(kind, EscalationKind.values, "kind")
    reason = clean_text(reason, field="reason", max_length=REASON_MAX)
    if Escalation.objects.filter(case=case, handled_at__isnull=True).exists():
        raise Conflict(_("This case is escalated already; the escalation team has it."))
    moment = now()
    changes: dict[str, Any] = {}
    new_owner = None
    if kind == EscalationKind.REASSIGNMENT:
        new_owner = _escalation_owner(case)
        if new_owner is not None:
            changes["owner"] = new_owner
            if case.status == CaseStatus.NEW:
                changes["status"] = CaseStatus.OPEN
        # With nobody in the team to give it to, the owner keeps the case until the team's
        # queue (and the managers told below) find it a new one.
    escalation = Escalation.objects.create(
        case=case,
        kind=kind,
        reason=reason,
        requested_by=actor,
        requested_at=moment,
        on_call=not is_business_time(moment),
        previous_owner=case.owner,
        new_owner=new_owner,
    )
    diff = touch(case, **changes)
    audit.record(case, "escalated", actor, {"kind": kind, "on_call": escalation.on_call, **diff})
    team = on_call_team(case) or StaffRoster().with_role(Role.CARE_MANAGER, case)  # someone must hear of it
    events.emit(events.CaseEscalated(case, actor, escalation=escalation, recipients=team))
    return escalation


@transaction.atomic
def handle_escalation(actor: User, escalation_id: int, outcome: str = "") -> Escalation:
    """The escalation team records that it has dealt with an escalation (contacted the
    customer, agreed the next steps); the case may be escalated again afterwards."""
    require(actor, Capability.HANDLE_ESCALATIONS)
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .filter(pk=escalation_id, case__in=visible_cases(actor))
        .select_related("case")
        .first()
    )
    if escalation is None:
        raise NotFound(_("No such escalation."))
    if escalation.handled_at is not None:
        raise Conflict(_("This escalation is handled already."))
    escalation.handled_at, escalation.handled_by = now(), actor
    escalation.outcome = clean_text(outcome, field="outcome", max_length=REASON_MAX, required=False)
    escalation.save(update_fields=["handled_at", "handled_by", "outcome"])
    audit.record(escalation.case, "escalation_handled", actor, {"kind": escalation.kind}, internal=True)
    return escalation

"""What every use case of a case shares: finding the case under lock through the access
query, recording a change, the response-target fields (D-4.1, D-4.6)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from caredesk.accounts.models import User
from caredesk.cases.models import (
    Case,
    CaseMessage,
    CaseStatus,
    CaseUnit,
    Priority,
    named_serials,
)
from caredesk.cases.queries import visible_cases
from caredesk.core.clock import now
from caredesk.core.errors import Conflict, NotFound, ValidationFailed
from caredesk.core.identifiers import normalise_case_id
from caredesk.core.validation import clean_text
from caredesk.installbase.queries import SERIAL_RE
from caredesk.sla.queries import escalation_steps, is_business_time, next_business_start, response_due

SUMMARY_MAX = 200
DESCRIPTION_MAX = 20_000
MESSAGE_MAX = 20_000


# --- opening a case (D-3.4) ---------------------------------------------------------------


def choice(value: str, choices: list[str], name: str) -> str:
    if value not in choices:
        raise ValidationFailed(
            _("Choose a valid %(name)s.") % {"name": name.replace("_", " ")},
            fields={name: _("One of %(choices)s.") % {"choices": ", ".join(choices)}},
        )
    return value


def checked_serial(value: str, name: str) -> str:
    text = (value or "").strip().upper()
    if text and not SERIAL_RE.match(text):
        raise ValidationFailed(_("Not a valid number."), fields={name: _("Letters, digits, dashes; at most 64.")})
    return text


def record_units(case: Case) -> None:
    """Note the units a new case names (D-3.6), for search by serial and the unit's page:
    one statement, and none for a case that names no unit."""
    template = case.request_type.template if case.request_type is not None else None
    serials = named_serials(case.serial_number, template, case.template_data)
    if serials:
        CaseUnit.objects.bulk_create([CaseUnit(case=case, serial=serial) for serial in serials])


# --- response targets and escalation (D-4.1, D-4.3, D-4.4) ------------------------------------

UNRESOLVED = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.AWAITING_CUSTOMER)


def next_escalation(priority: str, opened: Any, escalation_level: int) -> Any:
    """When the next level of the matrix hears of the case, or None when all have."""
    for level, after in escalation_steps(priority):
        if level > escalation_level:
            return opened + after
    return None


def targets(priority: str, opened: Any, *, escalation_level: int) -> dict[str, Any]:
    return {
        "response_due_at": response_due(priority, opened),
        "escalation_due_at": next_escalation(priority, opened, escalation_level),
    }


def off_hours(priority: str, opened: Any) -> dict[str, Any]:
    """D-4.6: opened outside business days, a P1 case is handled at once (the on-call
    queue); any other waits in the queue until the next business day."""
    if is_business_time(opened):
        return {"opened_off_hours": False, "waits_until": None}
    return {
        "opened_off_hours": True,
        "waits_until": None if priority == Priority.P1 else next_business_start(opened),
    }


def first_response_change(case: Case, actor: User, message: CaseMessage) -> dict[str, Any]:
    """D-4.1: the target is met by the first staff response the customer can see."""
    if actor.is_vendor_staff and case.first_response_at is None:
        return {"first_response_at": message.created_at}
    return {}


# --- working a case (D-3.5) -----------------------------------------------------------------


def locked_case(actor: User, case_id: str) -> Case:
    canonical = normalise_case_id(case_id or "")
    case = visible_cases(actor).select_for_update().filter(case_id=canonical).first() if canonical else None
    if case is None:
        raise NotFound(_("No such case."))
    return case


def touch(case: Case, **changes: Any) -> dict[str, list[Any]]:
    before = {name: getattr(case, name) for name in changes}
    for name, value in changes.items():
        setattr(case, name, value)
    case.updated_at = now()
    case.save(update_fields=[*changes, "updated_at"])
    return {name: [plain(before[name]), plain(value)] for name, value in changes.items() if before[name] != value}


def plain(value: Any) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def not_closed(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise Conflict(_("This case is closed."))


def new_message(case: Case, actor: User, kind: str, body: str) -> CaseMessage:
    return CaseMessage.objects.create(
        case=case,
        kind=kind,
        author=actor,
        author_name=actor.full_name,
        from_staff=actor.is_vendor_staff,
        body=clean_text(body, field="body", max_length=MESSAGE_MAX),
        created_at=now(),
    )

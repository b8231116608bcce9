"""Every state change of a case (D-3.4, D-3.5): one function per use case, one
transaction each, every change recorded in the case history."""

from __future__ import annotations

import logging
import mimetypes
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, models, transaction

from caredesk.accounts.models import OrganisationKind, Site, User
from caredesk.accounts.queries import visible_organisations
from caredesk.cases import events
from caredesk.cases.models import (
    Attachment,
    Case,
    CaseKind,
    CaseMessage,
    CaseStatus,
    Escalation,
    EscalationKind,
    FollowUpMethod,
    Priority,
    RequestSubType,
    RequestType,
)
from caredesk.cases.queries import active_subtype, visible_cases
from caredesk.core import audit
from caredesk.core.clock import local_date, now
from caredesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caredesk.core.identifiers import allocate_case_id, normalise_case_id
from caredesk.core.validation import clean_text, e164, holds_nul
from caredesk.entitlements.models import Contract, ServiceLevelOffer
from caredesk.entitlements.queries import product_identity, technical_case_refusal
from caredesk.entitlements.services import accept_offer, offer_after_move
from caredesk.installbase.models import Asset
from caredesk.installbase.queries import SERIAL_RE
from caredesk.installbase.services import move_asset
from caredesk.sla.queries import escalation_steps, is_business_time, next_business_start, response_due

SUMMARY_MAX = 200
DESCRIPTION_MAX = 20_000
MESSAGE_MAX = 20_000

log = logging.getLogger(__name__)


@dataclass
class NewCase:
    """What D-3.4 asks for when a case is opened."""

    kind: str
    priority: str
    follow_up_method: str
    callback_phone: str
    summary: str
    description: str
    request_type: str = ""  # catalogue code; required for admin cases
    request_subtype: str = ""
    serial_number: str = ""
    ssrn: str = ""
    customer_tracking_number: str = ""
    template_data: dict[str, Any] = field(default_factory=dict)
    organisation_id: int | None = None  # default: the actor's organisation
    site_code: str = ""
    contact_email: str = ""  # staff opening a case on a customer's behalf


# --- request-type templates (D-3.3) -------------------------------------------------------

_SERIAL_RE = SERIAL_RE  # D-2.2, one rule for every serial
_SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")


def _template_value(spec: dict[str, Any], value: Any) -> Any:
    kind = spec.get("type", "text")
    name = spec["name"]
    if kind in ("text", "textarea"):
        if not isinstance(value, str):
            raise ValidationFailed("Wrong type.", fields={f"template_data.{name}": "Must be text."})
        return clean_text(value, field=f"template_data.{name}", max_length=int(spec.get("max_length", 2000)))
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValidationFailed("Wrong type.", fields={f"template_data.{name}": "Must be a whole number."})
        try:
            return int(value)
        except ValueError:
            raise ValidationFailed("Wrong type.", fields={f"template_data.{name}": "Must be a whole number."}) from None
    if kind == "choice":
        if value not in spec.get("choices", []):
            raise ValidationFailed(
                "Not one of the choices.", fields={f"template_data.{name}": f"One of: {', '.join(spec['choices'])}."}
            )
        return value
    if kind == "date":
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValidationFailed("Not a date.", fields={f"template_data.{name}": "A date as YYYY-MM-DD."}) from None
    if kind == "country":
        text = str(value).strip().upper()
        if len(text) != 2 or not text.isalpha():
            raise ValidationFailed("Not a country.", fields={f"template_data.{name}": "Two-letter country code."})
        return text
    if kind == "serials":
        items = value if isinstance(value, list) else re.split(r"[\s,;]+", str(value))
        serials = [str(s).strip().upper() for s in items if str(s).strip()]
        if not serials or len(serials) > 500 or not all(_SERIAL_RE.match(s) for s in serials):
            raise ValidationFailed(
                "Serial numbers are not valid.", fields={f"template_data.{name}": "1 to 500 serial numbers."}
            )
        return serials
    raise ValidationFailed("The request type's template is broken.", fields={f"template_data.{name}": "Unknown type."})


def validate_template_data(request_type: RequestType, data: dict[str, Any]) -> dict[str, Any]:
    """The template's fields, checked and normalised; unknown fields are refused."""
    if not request_type.template_is_valid:
        log.error("request type %s has a broken template; fix it in the admin site", request_type.code)
        raise ValidationFailed(
            "This request type cannot take cases until an administrator fixes it. Choose another one.",
            fields={"request_type": "Misconfigured; choose another request type."},
        )
    specs = {spec["name"]: spec for spec in request_type.template}
    unknown = sorted(set(data) - set(specs))
    if unknown:
        raise ValidationFailed(
            "Unknown template fields.",
            fields={f"template_data.{name}": "Not a field of this request type." for name in unknown},
        )
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, spec in specs.items():
        value = data.get(name)
        if value is None or value == "" or value == []:
            if spec.get("required"):
                errors[f"template_data.{name}"] = f"{spec.get('label', name)} is required."
            continue
        try:
            cleaned[name] = _template_value(spec, value)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed("Some fields of the request template are not valid.", fields=errors)
    return cleaned


# --- opening a case (D-3.4) ---------------------------------------------------------------


def _choice(value: str, choices: list[str], name: str) -> str:
    if value not in choices:
        raise ValidationFailed(
            f"Choose a valid {name.replace('_', ' ')}.", fields={name: f"One of {', '.join(choices)}."}
        )
    return value


def _serial(value: str, name: str) -> str:
    text = (value or "").strip().upper()
    if text and not _SERIAL_RE.match(text):
        raise ValidationFailed("Not a valid number.", fields={name: "Letters, digits, dashes; at most 64."})
    return text


def _ensure_staff(actor: User) -> None:
    if not actor.is_vendor_staff:
        raise Forbidden("Only Customer Care staff can do this.")


@transaction.atomic
def open_case(actor: User, data: NewCase) -> Case:
    """Open a case for the actor's organisation (or one they act for) and give it its id."""
    fields = _case_fields(actor, data)
    opened = now()
    case = Case.objects.create(
        case_id=allocate_case_id(opened),
        status=CaseStatus.NEW,
        created_at=opened,
        updated_at=opened,
        **fields,
        **_targets(fields["priority"], opened, escalation_level=0),
        **_off_hours(fields["priority"], opened),
    )
    audit.record(case, "opened", actor, {"status": [None, CaseStatus.NEW], "priority": [None, case.priority]})
    events.emit(events.CASE_OPENED, case, actor)
    return case


def _case_fields(actor: User, data: NewCase, *, entitlement: bool = True) -> dict[str, Any]:
    """Every field of D-3.4 checked, the product filled from the installed base, and (for a
    technical case, unless ``entitlement`` is off for imported history) the entitlement of
    D-3.2; all errors at once, or the model fields of the new case."""
    errors: dict[str, str] = {}

    def check(fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValidationFailed as exc:
            errors.update(exc.fields)
            return None

    kind = check(_choice, data.kind, CaseKind.values, "kind")
    priority = check(_choice, data.priority, Priority.values, "priority")
    method = check(_choice, data.follow_up_method, FollowUpMethod.values, "follow_up_method")
    phone = check(e164, data.callback_phone, field="callback_phone")
    summary = check(clean_text, " ".join((data.summary or "").split()), field="summary", max_length=SUMMARY_MAX)
    description = check(clean_text, data.description, field="description", max_length=DESCRIPTION_MAX)
    serial = check(_serial, data.serial_number, "serial_number")
    ssrn = check(_serial, data.ssrn, "ssrn")
    tracking = check(
        clean_text, data.customer_tracking_number, field="customer_tracking_number", max_length=64, required=False
    )

    request_type: RequestType | None = None
    subtype: RequestSubType | None = None
    template: dict[str, Any] = {}
    if kind == CaseKind.ADMIN or data.request_type:
        # The usual case (type and sub-type both right) comes from the catalogue cache; a
        # query only tells which of the two is wrong.
        subtype = active_subtype(data.request_type, data.request_subtype)
        if subtype is not None:
            request_type = subtype.request_type
        elif not _SLUG_RE.match(data.request_type or ""):
            request_type = None  # not a code at all: no need to ask the database (a NUL would upset it)
        else:
            request_type = RequestType.objects.filter(code=data.request_type, active=True).first()
            if request_type is None:
                errors["request_type"] = "Choose a request type from the catalogue."
            else:
                errors["request_subtype"] = "Choose a sub-type of this request type."
        if request_type is not None:
            template = check(validate_template_data, request_type, data.template_data) or {}
    elif data.template_data:
        errors["template_data"] = "Only admin cases with a request type take template fields."

    # Whose case it is: the actor's organisation unless they act for another one.
    if data.organisation_id is not None:
        organisation = visible_organisations(actor).filter(pk=data.organisation_id).first()
    elif actor.is_vendor_staff:
        organisation = None
    else:
        organisation = actor.organisation
    if organisation is None:
        errors["organisation_id"] = "Choose the customer organisation the case is for."
    elif organisation.kind == OrganisationKind.VENDOR:
        errors["organisation_id"] = "Cases are opened for a customer or partner organisation."

    contact = actor
    if actor.is_vendor_staff:
        contact_user = User.objects.filter(email=(data.contact_email or "").strip().lower(), is_active=True).first()
        if (
            contact_user is None
            or organisation is None
            or contact_user.organisation_id != organisation.pk
            and not contact_user.associations.filter(pk=organisation.pk).exists()
        ):
            errors["contact_email"] = "Name a user of the customer organisation as the contact."
        else:
            contact = contact_user
    elif data.contact_email:
        errors["contact_email"] = "Only staff open cases on someone else's behalf."

    site: Site | None = None
    if data.site_code:
        site = (
            Site.objects.filter(code=data.site_code.strip(), organisation=organisation).first()
            if organisation
            else None
        )
        if site is None:
            errors["site_code"] = "No such site for this organisation."

    # D-3.4: a serial or SSRN fills the product series and platform from the installed
    # base; D-3.2: a technical case needs it entitled (D-2.6), and the organisation's own.
    product_series = platform = ""
    if organisation is not None and "serial_number" not in errors and "ssrn" not in errors:
        identity = product_identity(actor, serial or "", ssrn or "", organisation_id=organisation.pk)
        if identity is not None:
            product_series, platform = identity
        if kind == CaseKind.TECHNICAL and entitlement:
            why = technical_case_refusal(actor, serial or "", ssrn or "", organisation_id=organisation.pk)
            if why:
                errors["ssrn" if ssrn and not serial else "serial_number"] = why

    if errors:
        raise ValidationFailed("The case could not be opened: some fields need attention.", fields=errors)
    assert organisation is not None
    return dict(
        kind=kind,
        request_type=request_type,
        request_subtype=subtype,
        priority=priority,
        follow_up_method=method,
        callback_phone=phone,
        summary=summary,
        description=description,
        serial_number=serial or "",
        ssrn=ssrn or "",
        product_series=product_series,
        platform=platform,
        customer_tracking_number=tracking or "",
        template_data=template,
        organisation=organisation,
        site=site,
        contact=contact,
        opened_by=actor,
        site_name=site.name if site else "",
        site_code=site.code if site else "",
        contact_name=contact.full_name,
    )


# --- response targets and escalation (D-4.1, D-4.3, D-4.4) ------------------------------------

UNRESOLVED = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.AWAITING_CUSTOMER)


def _next_escalation(priority: str, opened: Any, escalation_level: int) -> Any:
    """When the next level of the matrix hears of the case, or None when all have."""
    for level, after in escalation_steps(priority):
        if level > escalation_level:
            return opened + after
    return None


def _targets(priority: str, opened: Any, *, escalation_level: int) -> dict[str, Any]:
    return {
        "response_due_at": response_due(priority, opened),
        "escalation_due_at": _next_escalation(priority, opened, escalation_level),
    }


def _off_hours(priority: str, opened: Any) -> dict[str, Any]:
    """D-4.6: opened outside business days, a P1 case is handled at once (the on-call
    queue); any other waits in the queue until the next business day."""
    if is_business_time(opened):
        return {"opened_off_hours": False, "waits_until": None}
    return {
        "opened_off_hours": True,
        "waits_until": None if priority == Priority.P1 else next_business_start(opened),
    }


def _first_response(case: Case, actor: User, message: CaseMessage) -> dict[str, Any]:
    """D-4.1: the target is met by the first staff response the customer can see."""
    if actor.is_vendor_staff and case.first_response_at is None:
        return {"first_response_at": message.created_at}
    return {}


# --- working a case (D-3.5) -----------------------------------------------------------------


def _locked_case(actor: User, case_id: str) -> Case:
    canonical = normalise_case_id(case_id or "")
    case = visible_cases(actor).select_for_update().filter(case_id=canonical).first() if canonical else None
    if case is None:
        raise NotFound("No such case.")
    return case


def _touch(case: Case, **changes: Any) -> dict[str, list[Any]]:
    before = {name: getattr(case, name) for name in changes}
    for name, value in changes.items():
        setattr(case, name, value)
    case.updated_at = now()
    case.save(update_fields=[*changes, "updated_at"])
    return {name: [_plain(before[name]), _plain(value)] for name, value in changes.items() if before[name] != value}


def _plain(value: Any) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _not_closed(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise Conflict("This case is closed.")


def _message(case: Case, actor: User, kind: str, body: str) -> CaseMessage:
    return CaseMessage.objects.create(
        case=case,
        kind=kind,
        author=actor,
        author_name=actor.full_name,
        from_staff=actor.is_vendor_staff,
        body=clean_text(body, field="body", max_length=MESSAGE_MAX),
        created_at=now(),
    )


@transaction.atomic
def reply(actor: User, case_id: str, body: str) -> CaseMessage:
    """A public reply. A customer's reply brings an awaiting or proposed case back to Open;
    staff replying to a new case take it."""
    case = _locked_case(actor, case_id)
    _not_closed(case)
    message = _message(case, actor, CaseMessage.Kind.REPLY, body)
    changes: dict[str, Any] = _first_response(case, actor, message)
    if actor.is_vendor_staff:
        if case.status == CaseStatus.NEW:
            changes |= {"status": CaseStatus.OPEN, "owner": case.owner or actor}
    elif case.status in (CaseStatus.AWAITING_CUSTOMER, CaseStatus.RESOLUTION_PROPOSED):
        changes = {"status": CaseStatus.OPEN, "resolution_proposed_at": None}
    diff = _touch(case, **changes)
    audit.record(case, "replied", actor, {"message": message.pk, **diff})
    events.emit(events.CASE_REPLIED, case, actor, message=message)
    return message


@transaction.atomic
def add_note(actor: User, case_id: str, body: str) -> CaseMessage:
    """An internal note: seen by vendor staff only."""
    case = _locked_case(actor, case_id)
    _ensure_staff(actor)
    message = _message(case, actor, CaseMessage.Kind.NOTE, body)
    # "Last modified" is shown to the customer: internal work must not move it.
    audit.record(case, "note_added", actor, {"message": message.pk}, internal=True)
    return message


@transaction.atomic
def assign(actor: User, case_id: str, owner_email: str | None = None) -> Case:
    """Give the case an owner (the actor when none is named). A new case becomes Open."""
    case = _locked_case(actor, case_id)
    _ensure_staff(actor)
    _not_closed(case)
    owner = actor
    if owner_email:
        named = (
            User.objects.select_related("organisation")
            .filter(email=owner_email.strip().lower(), is_active=True)
            .first()
        )
        if named is None or not named.is_vendor_staff:
            raise ValidationFailed(
                "The owner must be a member of the vendor's staff.", fields={"owner_email": "Not a staff member."}
            )
        if case.organisation.government and not named.gov_cleared:
            raise ValidationFailed("Government cases go to cleared staff only.", fields={"owner_email": "Not cleared."})
        owner = named
    changes: dict[str, Any] = {"owner": owner}
    if case.status == CaseStatus.NEW:
        changes["status"] = CaseStatus.OPEN
    diff = _touch(case, **changes)
    audit.record(case, "assigned", actor, diff)
    events.emit(events.CASE_ASSIGNED, case, actor)
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
    case = _locked_case(actor, case_id)
    _ensure_staff(actor)
    if status not in CaseStatus.values:
        raise ValidationFailed("Unknown status.", fields={"status": "Not a case status."})
    if (case.status, status) not in _STAFF_STATUS_MOVES:
        raise Conflict(f"A case cannot go from {CaseStatus(case.status).label} to {CaseStatus(status).label} this way.")
    changes: dict[str, Any] = {"status": status}
    if status == CaseStatus.OPEN:
        changes["resolution_proposed_at"] = None
    diff = _touch(case, **changes)
    audit.record(case, "status_changed", actor, diff)
    events.emit(events.CASE_STATUS_CHANGED, case, actor)
    return case


@transaction.atomic
def change_priority(actor: User, case_id: str, priority: str) -> Case:
    case = _locked_case(actor, case_id)
    _ensure_staff(actor)
    _not_closed(case)
    _choice(priority, Priority.values, "priority")
    changes: dict[str, Any] = {"priority": priority}
    if priority != case.priority:
        if case.opened_off_hours:  # D-4.6: a P1 is handled at once, others wait for the business day
            changes.update(_off_hours(priority, case.created_at))
        # D-4.1: the due time is recomputed from the opening under the new priority. A case
        # that is no longer late by it is no longer breached, so a later breach is told again.
        changes["escalation_due_at"] = _next_escalation(priority, case.created_at, case.escalation_level)
        if case.first_response_at is None:
            due = response_due(priority, case.created_at)
            changes["response_due_at"] = due
            if case.response_breached_at is not None and (due is None or due > now()):
                changes["response_breached_at"] = None
    diff = _touch(case, **changes)
    audit.record(case, "priority_changed", actor, diff)
    if "priority" in diff:
        events.emit(events.CASE_PRIORITY_CHANGED, case, actor)
    return case


@transaction.atomic
def propose_resolution(actor: User, case_id: str, body: str) -> CaseMessage:
    """The owner proposes a resolution; the customer accepts it, or the case closes by
    itself after the silence period (D-3.5)."""
    case = _locked_case(actor, case_id)
    _ensure_staff(actor)
    if case.status != CaseStatus.OPEN:
        # D-3.5: Open → Resolution proposed. A case awaiting the customer goes back to Open
        # first (the customer's answer does that, or the owner by a status change).
        raise Conflict("A resolution can be proposed on an open case only.")
    message = _message(case, actor, CaseMessage.Kind.RESOLUTION, body)
    diff = _touch(
        case,
        status=CaseStatus.RESOLUTION_PROPOSED,
        resolution_proposed_at=message.created_at,
        owner=case.owner or actor,
        **_first_response(case, actor, message),
    )
    audit.record(case, "resolution_proposed", actor, {"message": message.pk, **diff})
    events.emit(events.CASE_RESOLUTION_PROPOSED, case, actor, message=message)
    return message


def may_answer_resolution(user: User, case: Case) -> bool:
    """Who may agree (or refuse) that a case is resolved (D-3.5): the customer, meaning the
    person who opened it, members of the case's organisation and people associated with it
    (a consultant). A partner who sells to the customer sees the case but does not decide
    for the customer, unless the partner opened the case; vendor staff never do."""
    if user.is_vendor_staff:
        return False
    if user.pk in (case.contact_id, case.opened_by_id) or user.organisation_id == case.organisation_id:
        return True
    return user.associations.filter(pk=case.organisation_id).exists()


def _customer_of(actor: User, case: Case) -> None:
    if not may_answer_resolution(actor, case):
        raise Forbidden("Only the customer can agree that the case is resolved.")


@transaction.atomic
def accept_resolution(actor: User, case_id: str) -> Case:
    case = _locked_case(actor, case_id)
    _customer_of(actor, case)
    if case.status != CaseStatus.RESOLUTION_PROPOSED:
        raise Conflict("No resolution is waiting for your answer on this case.")
    diff = _touch(case, status=CaseStatus.CLOSED, closed_at=now(), closed_reason="accepted")
    audit.record(case, "resolution_accepted", actor, diff)
    events.emit(events.CASE_CLOSED, case, actor)
    return case


@transaction.atomic
def reject_resolution(actor: User, case_id: str, reason: str) -> CaseMessage:
    case = _locked_case(actor, case_id)
    _customer_of(actor, case)
    if case.status != CaseStatus.RESOLUTION_PROPOSED:
        raise Conflict("No resolution is waiting for your answer on this case.")
    message = _message(case, actor, CaseMessage.Kind.REPLY, reason)
    diff = _touch(case, status=CaseStatus.OPEN, resolution_proposed_at=None)
    audit.record(case, "resolution_rejected", actor, {"message": message.pk, **diff})
    events.emit(events.CASE_REPLIED, case, actor, message=message)
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
                events.emit(events.CASE_CLOSED, case, None)
                closed += 1
    return closed


# --- customer escalation (D-4.5, D-4.6) ----------------------------------------------------------

REASON_MAX = 2000
# Staff who may escalate on a customer's behalf, and who handle escalations.
ESCALATING_ROLES = ("care_agent", "team_lead", "care_manager", "escalation", "admin")
HANDLING_ROLES = ("escalation", "team_lead", "care_manager", "admin")


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
    case = _locked_case(actor, case_id)
    if actor.is_vendor_staff:
        if not actor.has_role(*ESCALATING_ROLES):
            raise Forbidden("Only Customer Care staff escalate a case on the customer's behalf.")
    elif not may_answer_resolution(actor, case):
        raise Forbidden("Only the customer escalates a case.")
    _not_closed(case)
    kind = _choice(kind, EscalationKind.values, "kind")
    reason = clean_text(reason, field="reason", max_length=REASON_MAX)
    if Escalation.objects.filter(case=case, handled_at__isnull=True).exists():
        raise Conflict("This case is escalated already; the escalation team has it.")
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
    diff = _touch(case, **changes)
    audit.record(case, "escalated", actor, {"kind": kind, "on_call": escalation.on_call, **diff})
    team = on_call_team(case) or _Staff().with_role("care_manager", case)  # someone must hear of it
    events.emit(events.CASE_ESCALATED, case, actor, escalation=escalation, recipients=team)
    return escalation


@transaction.atomic
def handle_escalation(actor: User, escalation_id: int, outcome: str = "") -> Escalation:
    """The escalation team records that it has dealt with an escalation (contacted the
    customer, agreed the next steps); the case may be escalated again afterwards."""
    if not actor.has_role(*HANDLING_ROLES):
        raise Forbidden("Only the escalation team and managers handle escalations.")
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .filter(pk=escalation_id, case__in=visible_cases(actor))
        .select_related("case")
        .first()
    )
    if escalation is None:
        raise NotFound("No such escalation.")
    if escalation.handled_at is not None:
        raise Conflict("This escalation is handled already.")
    escalation.handled_at, escalation.handled_by = now(), actor
    escalation.outcome = clean_text(outcome, field="outcome", max_length=REASON_MAX, required=False)
    escalation.save(update_fields=["handled_at", "handled_by", "outcome"])
    audit.record(escalation.case, "escalation_handled", actor, {"kind": escalation.kind}, internal=True)
    return escalation


class _Staff:
    """Active vendor staff by role, read once per batch: staff are few, and a sweep that
    asks for every case would read them a thousand times."""

    def __init__(self) -> None:
        self._people: list[User] | None = None

    def with_role(self, role: str, case: Case) -> list[User]:
        if self._people is None:
            # Roles are a JSON list, filtered here the same way on every database.
            self._people = list(
                User.objects.filter(is_active=True, organisation__kind=OrganisationKind.VENDOR).order_by("pk")
            )
        return [u for u in self._people if role in u.roles and (u.gov_cleared or not case.organisation.government)]


def _cleared_for(case: Case, people: list[User | None]) -> list[User]:
    seen: dict[int, User] = {}
    for person in people:
        if person is not None and person.is_active and (person.gov_cleared or not case.organisation.government):
            seen.setdefault(person.pk, person)
    return list(seen.values())


def on_call_team(case: Case) -> list[User]:
    """D-4.6: who handles a P1 case or an escalation outside business days at once: the
    escalation team (cleared members only for a government customer)."""
    return _Staff().with_role("escalation", case)


def breach_recipients(case: Case, staff: _Staff | None = None) -> list[User]:
    """D-4.3: the owner and their manager; a case nobody owns reaches the team leads."""
    if case.owner is None:
        return (staff or _Staff()).with_role("team_lead", case)
    return _cleared_for(case, [case.owner, case.owner.manager])


def escalation_recipients(case: Case, level: int, staff: _Staff | None = None) -> list[User]:
    """D-4.4: level 1 the owner's team lead (or every team lead), 2 the care managers,
    3 the directors."""
    staff = staff or _Staff()
    if level == 1:
        lead = case.owner.manager if case.owner is not None else None
        return _cleared_for(case, [lead]) or staff.with_role("team_lead", case)
    return staff.with_role("care_manager" if level == 2 else "director", case)


SWEEP_BATCH = 1000
_OPEN_SQL = "('new', 'open', 'awaiting_customer')"  # UNRESOLVED, as the partial index says it


def _claim(assignment: str, condition: str, *, order: str, batch: int) -> list[int]:
    """Claim up to ``batch`` cases that meet ``condition`` (one ``%s``: now) by setting
    ``assignment`` (at most one ``%s``: now) in one UPDATE, whose outer condition is checked
    again on each row it locks: a sweep running at the same moment has either claimed a
    row already, so that it no longer qualifies, or cannot claim it any more. The ids."""
    table = Case._meta.db_table
    moment = now()
    assignment_params = [moment] * assignment.count("%s")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignment} WHERE id IN ("  # noqa: S608 - our own constants, no input
            f"SELECT id FROM {table} WHERE {condition} ORDER BY {order} LIMIT %s) AND {condition} RETURNING id",
            [*assignment_params, moment, batch, moment],
        )
        return [row[0] for row in cursor.fetchall()]


def sweep_breaches(*, batch: int = SWEEP_BATCH) -> int:
    """Find cases whose first response is overdue and tell the owner and their manager,
    once per breach (D-4.3). Each batch is claimed by one UPDATE that re-checks its
    condition on the rows it locks, so two sweeps at the same moment never both claim a
    case; the notices are written in the same transaction as the claim."""
    told = 0
    while True:
        with transaction.atomic():
            claimed = _claim(
                "response_breached_at = %s",
                "response_due_at <= %s AND first_response_at IS NULL AND response_breached_at IS NULL"
                " AND NOT (status = 'closed')",
                order="response_due_at",
                batch=batch,
            )
            staff, entries, notices = _Staff(), [], []
            for case in Case.objects.filter(pk__in=claimed).select_related(
                "organisation", "owner__organisation", "owner__manager__organisation"
            ):
                recipients = breach_recipients(case, staff)
                entries.append((case, {"due": _plain(case.response_due_at), "notified": [u.email for u in recipients]}))
                notices.append((case, {"recipients": recipients}))
            audit.record_many(entries, "response_breached", None, internal=True)
            events.emit_many(events.CASE_RESPONSE_BREACHED, notices)
        told += len(claimed)
        if not claimed:  # not "fewer than a batch": a concurrent sweep may have taken some
            return told


def sweep_escalations(*, batch: int = SWEEP_BATCH) -> int:
    """Bring unresolved cases to the next level of the escalation matrix when its time has
    come, round the clock (D-4.4); each level hears once. A batch is claimed by clearing
    its due time in one UPDATE (so a second sweep skips it), then each case gets its new
    level and the next level's due time. A case that passed several thresholds while no
    sweep ran is raised through each of them in turn, each level told."""
    raised = 0
    while True:
        with transaction.atomic():
            claimed = _claim(
                "escalation_due_at = NULL",
                f"escalation_due_at <= %s AND status IN {_OPEN_SQL}",
                order="escalation_due_at",
                batch=batch,
            )
            cases = list(
                Case.objects.filter(pk__in=claimed).select_related(
                    "organisation", "owner__organisation", "owner__manager__organisation"
                )
            )
            staff, entries, notices = _Staff(), [], []
            for case in cases:
                level = next((lvl for lvl, _ in escalation_steps(case.priority) if lvl > case.escalation_level), None)
                if level is None:
                    continue  # the matrix changed under it: nobody left to tell
                case.escalation_level = level
                case.escalation_due_at = _next_escalation(case.priority, case.created_at, level)
                recipients = escalation_recipients(case, level, staff)
                entries.append((case, {"level": level, "notified": [u.email for u in recipients]}))
                notices.append((case, {"level": level, "recipients": recipients}))
            audit.record_many(entries, "management_escalation", None, internal=True)
            events.emit_many(events.CASE_MANAGEMENT_ESCALATION, notices)
            Case.objects.bulk_update(cases, ["escalation_level", "escalation_due_at"])
        raised += len(cases)
        if not claimed:  # not "fewer than a batch": a concurrent sweep may have taken some
            return raised


# --- attachments ------------------------------------------------------------------------------


@transaction.atomic
def attach(actor: User, case_id: str, upload: UploadedFile, *, internal: bool = False) -> Attachment:
    """Store a file on the case, refusing sizes and types outside the settings."""
    case = _locked_case(actor, case_id)
    _not_closed(case)
    if internal:
        _ensure_staff(actor)
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = clean_text(name, field="file", max_length=200)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in settings.ATTACHMENT_EXTENSIONS:
        raise ValidationFailed(
            "This type of file is not accepted.",
            fields={"file": f"Accepted: {', '.join(settings.ATTACHMENT_EXTENSIONS)}."},
        )
    if upload.size is None or upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationFailed(
            "The file is too large.", fields={"file": f"At most {settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB."}
        )
    if upload.size == 0:
        raise ValidationFailed("The file is empty.", fields={"file": "Empty file."})
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    attachment = Attachment(
        case=case,
        storage_key=secrets.token_hex(16),
        filename=name,
        size=upload.size,
        content_type=content_type,
        internal=internal,
        uploaded_by=actor,
        created_at=now(),
    )
    attachment.file.save(attachment.storage_key, upload, save=False)
    try:
        attachment.save()
        if not internal:  # customers see "last modified"; internal files do not move it
            _touch(case)
        audit.record(case, "file_attached", actor, {"file": name, "size": upload.size}, internal=internal)
    except Exception:
        # The rows roll back with the transaction; the stored file must go with them.
        attachment.file.delete(save=False)
        raise
    return attachment


# --- installed-base updates through an admin case (D-2.8) -------------------------------------

INSTALLED_BASE_UPDATE = "installed-base-update"


@transaction.atomic
def apply_installed_base_update(actor: User, case_id: str) -> list[Any]:
    """Staff apply the move an "Installed Base Update" case asks for: the units named in its
    template go to the target site. Where a unit's contract level cannot be delivered
    there, the customer is offered the best level that can, and the unit's replacement is
    best effort until they accept. Everything is in the case history. Returns the offers."""

    case = _locked_case(actor, case_id)
    _ensure_staff(actor)
    _not_closed(case)
    if case.request_type is None or case.request_type.code != INSTALLED_BASE_UPDATE:
        raise Conflict("Only an Installed Base Update case moves units.")
    if case.request_subtype is None or case.request_subtype.code != "move":
        raise Conflict("Only a move is applied here; additions and changes are made to the installed base by hand.")
    if audit.history(case, include_internal=True).filter(action="installed_base_updated").exists():
        raise Conflict("This case's installed-base update is applied already.")
    serials = list(dict.fromkeys(str(s).upper() for s in case.template_data.get("serials", [])))  # once each
    target = str(case.template_data.get("target_site", "")).strip()
    site = Site.objects.filter(code=target, organisation_id=case.organisation_id).first()
    if site is None:
        raise ValidationFailed(
            "The case names no site of the customer to move to.", fields={"target_site": f"No site {target!r}."}
        )
    units = {
        a.serial: a for a in Asset.objects.select_for_update().filter(serial__in=serials, owner_id=case.organisation_id)
    }
    missing = [s for s in serials if s not in units]
    if not serials or missing:
        raise ValidationFailed(
            "Some serial numbers are not the customer's units.", fields={"serials": ", ".join(missing) or "None given."}
        )
    today_ = local_date(now())
    offers = []
    moved = []
    for serial in serials:
        asset = move_asset(actor, units[serial], site, reference=case.case_id)
        moved.append(serial)
        contracts = Contract.objects.select_related("service_level").filter(
            coverage__asset=asset, starts_on__lte=today_, ends_on__gte=today_
        )
        for contract in contracts:
            offer = offer_after_move(actor, contract, asset, site.country, case.case_id)
            if offer is not None:
                offers.append(offer)
    diff = _touch(case)
    audit.record(
        case,
        "installed_base_updated",
        actor,
        {
            "serials": moved,
            "site": site.code,
            "offers": [
                {
                    "contract": o.contract.contract_id,
                    "serial": o.asset.serial,
                    "from": o.from_level.name,
                    "offered": o.offered_level.name,
                }
                for o in offers
            ],  # fmt: skip
            **diff,
        },
    )
    return offers


@transaction.atomic
def accept_service_level_offer(actor: User, case_id: str, offer_id: int) -> Any:
    """The customer accepts the level offered after the move of this case (D-2.8)."""

    case = _locked_case(actor, case_id)
    _customer_of(actor, case)
    if not ServiceLevelOffer.objects.filter(pk=offer_id, reference=case.case_id).exists():
        raise NotFound("No such offer on this case.")
    offer = accept_offer(actor, offer_id)
    _touch(case)
    audit.record(
        case,
        "service_level_accepted",
        actor,
        {
            "contract": offer.contract.contract_id,
            "serial": offer.asset.serial,
            "service_level": offer.offered_level.name,
        },
    )
    return offer


# --- case import for migrations (like a helpdesk's ticket-import API) --------------------------------

IMPORT_MAX = 100  # cases per call; a file is imported in calls of this size
IMPORT_EARLIEST_YEAR = 1990  # older times are typing errors (and year 1 has no local date west of UTC)


@dataclass
class ImportedMessage:
    """One message of a case's past: a public reply or, from staff, an internal note."""

    body: str
    at: datetime
    author_email: str = ""
    author_name: str = ""  # for authors who have no user here (people of the old system)
    from_staff: bool = False  # for such authors; a known user's own organisation decides otherwise
    internal: bool = False


@dataclass
class ImportedCase:
    """A case from another system, with its history (D-3.1: its id is dated by ``opened_at``)."""

    case: NewCase
    opened_at: datetime
    status: str = CaseStatus.OPEN
    owner_email: str = ""
    closed_at: datetime | None = None
    messages: list[ImportedMessage] = field(default_factory=list)
    external_id: str = ""


def _imported(actor: User, item: ImportedCase, moment: datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The case's fields and its messages, checked; raises ValidationFailed with every error."""
    errors: dict[str, str] = {}
    try:
        fields = _case_fields(actor, item.case, entitlement=False)  # history is not refused for today's contracts
    except ValidationFailed as exc:
        fields, errors = {}, dict(exc.fields)
    opened = item.opened_at
    if opened.tzinfo is None:
        errors["opened_at"] = "Give the time with its offset, e.g. 2024-03-01T09:30:00+01:00."
    elif opened > moment:
        errors["opened_at"] = "A case cannot have been opened in the future."
    elif opened.year < IMPORT_EARLIEST_YEAR:
        errors["opened_at"] = f"No case here predates {IMPORT_EARLIEST_YEAR}."
    if item.status not in CaseStatus.values:
        errors["status"] = f"One of {', '.join(CaseStatus.values)}."
    owner = None
    if item.owner_email:
        owner = User.objects.select_related("organisation").filter(email=item.owner_email.strip().lower()).first()
        if owner is None or not owner.is_vendor_staff:
            errors["owner_email"] = "The owner must be a member of the vendor's staff."
        elif fields and fields["organisation"].government and not owner.gov_cleared:
            errors["owner_email"] = "Government cases go to cleared staff only."
    messages: list[dict[str, Any]] = []
    for n, m in sorted(enumerate(item.messages), key=lambda nm: nm[1].at if nm[1].at.tzinfo else moment):
        where = f"messages.{n}"  # the position in the input, whatever the order of times
        if m.at.tzinfo is None or opened.tzinfo is None or not opened <= m.at <= moment:
            errors[f"{where}.at"] = "Between the case's opening and now, with its offset."
            continue
        try:
            body = clean_text(m.body, field="body", max_length=MESSAGE_MAX)
        except ValidationFailed as exc:
            errors[f"{where}.body"] = next(iter(exc.fields.values()))
            continue
        author = (
            User.objects.select_related("organisation").filter(email=(m.author_email or "").strip().lower()).first()
        )
        if m.author_email and author is None:
            errors[f"{where}.author_email"] = "No such user; give author_name for people of the old system."
        elif (
            author is not None
            and fields
            and not (
                author.is_vendor_staff
                or author.organisation_id == fields["organisation"].pk
                or author.associations.filter(pk=fields["organisation"].pk).exists()
            )
        ):
            errors[f"{where}.author_email"] = "The author must be staff or a user of the case's organisation."
        staff = author.is_vendor_staff if author is not None else m.from_staff
        name = (author.full_name if author is not None else m.author_name.strip())[:200]
        if not name:
            errors[f"{where}.author_name"] = "Name the author who has no user here."
        if m.internal and not staff:
            errors[f"{where}.internal"] = "Only staff wrote internal notes."
        kind = CaseMessage.Kind.NOTE if m.internal else CaseMessage.Kind.REPLY
        messages.append({"author": author or actor, "author_name": name, "from_staff": staff, "body": body,
                         "created_at": m.at, "kind": kind})  # fmt: skip
    closed_at = item.closed_at
    if item.status == CaseStatus.CLOSED:
        last = max([opened, *(m["created_at"] for m in messages)]) if opened.tzinfo else None
        closed_at = closed_at or last
        if closed_at is not None and (closed_at.tzinfo is None or last is None or not last <= closed_at <= moment):
            errors["closed_at"] = "After the case's last message and not in the future, with its offset."
    elif closed_at is not None:
        errors["closed_at"] = "Only a closed case has a closing time."
    if errors:
        raise ValidationFailed("The case cannot be imported: some fields need attention.", fields=errors)
    return {**fields, "status": item.status, "owner": owner, "closed_at": closed_at}, messages


@transaction.atomic
def import_cases(actor: User, items: list[ImportedCase]) -> list[Case]:
    """Create cases with their past (opening time, messages, state) for a migration from
    another system: administrators only, all or none, and nobody is notified. Ids are
    dated by each case's opening (D-3.1) and due times computed from it (D-4.1); lateness
    and escalation levels that lie in the past are marked as passed, so the sweeps do not
    tell of history."""
    if not actor.has_role("admin") and not actor.is_superuser:
        raise Forbidden("Only administrators import cases.")
    if not items:
        raise ValidationFailed("Nothing to import.", fields={"cases": "Give at least one case."})
    if len(items) > IMPORT_MAX:
        raise ValidationFailed("Too many cases at once.", fields={"cases": f"At most {IMPORT_MAX} per call."})
    moment = now()
    checked, errors = [], {}
    for n, item in enumerate(items):
        try:
            checked.append(_imported(actor, item, moment))
        except ValidationFailed as exc:
            errors.update({f"cases.{n}.{name}": text for name, text in exc.fields.items()})
    if errors:
        raise ValidationFailed("Nothing was imported: some cases need attention.", fields=errors)
    made = []
    for item, (fields, messages) in zip(items, checked, strict=True):
        opened = item.opened_at
        staff_public = [m["created_at"] for m in messages if m["from_staff"] and m["kind"] == CaseMessage.Kind.REPLY]
        first_response = min(staff_public) if staff_public else None
        timing = _targets(fields["priority"], opened, escalation_level=0)
        due = timing["response_due_at"]
        late = due is not None and due <= moment and (first_response is None or first_response > due)
        level, next_due = 0, None
        if fields["status"] in UNRESOLVED:
            for step, after in escalation_steps(fields["priority"]):
                if opened + after <= moment:
                    level = step
                else:
                    next_due = opened + after
                    break
        updated = max([opened, *(m["created_at"] for m in messages), fields["closed_at"] or opened])
        case = Case.objects.create(
            case_id=allocate_case_id(opened),
            created_at=opened,
            updated_at=updated,
            response_due_at=due,
            first_response_at=first_response,
            response_breached_at=moment if late else None,
            escalation_level=level,
            escalation_due_at=next_due,
            # The customer's silence is counted from the import, not from the old system (D-3.5).
            resolution_proposed_at=moment if fields["status"] == CaseStatus.RESOLUTION_PROPOSED else None,
            closed_reason="imported" if fields["status"] == CaseStatus.CLOSED else "",
            **fields,
            opened_off_hours=False,  # history: not for today's on-call queue
            waits_until=None,
        )
        CaseMessage.objects.bulk_create([CaseMessage(case=case, **m) for m in messages])
        audit.record(
            case,
            "imported",
            actor,
            {"opened_at": opened.isoformat(), "status": case.status, "messages": len(messages),
             "external_id": item.external_id},
        )  # fmt: skip
        made.append(case)
    return made


def _moment(value: Any, name: str, errors: dict[str, str]) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            pass
    errors[name] = "A time in ISO 8601 with its offset, e.g. 2024-03-01T09:30:00+01:00."
    return None


def imported_case(data: Any) -> ImportedCase:
    """An ``ImportedCase`` from one JSON object of an import (API body or file line)."""
    if not isinstance(data, dict):
        raise ValidationFailed("A case is a JSON object.", fields={"case": "Not an object."})
    if holds_nul(data):  # the database cannot even compare such text
        raise ValidationFailed("Text may not contain NUL characters.", fields={"case": "Contains a NUL character."})
    errors: dict[str, str] = {}
    known = {f for f in NewCase.__dataclass_fields__}
    extra = set(data) - known - {"opened_at", "status", "owner_email", "closed_at", "messages", "external_id"}
    for name in sorted(extra):
        errors[name] = "Unknown field."
    strings = {}
    for name in known - {"template_data", "organisation_id"}:
        value = data.get(name, "")
        if not isinstance(value, str):
            errors[name] = "Text expected."
        strings[name] = value if isinstance(value, str) else ""
    organisation_id = data.get("organisation_id")
    if organisation_id is not None and (isinstance(organisation_id, bool) or not isinstance(organisation_id, int)):
        errors["organisation_id"] = "A number expected."
        organisation_id = None
    template = data.get("template_data", {})
    if not isinstance(template, dict):
        errors["template_data"] = "An object expected."
        template = {}
    opened = _moment(data.get("opened_at"), "opened_at", errors)
    closed = _moment(data["closed_at"], "closed_at", errors) if data.get("closed_at") is not None else None
    messages = []
    raw_messages = data.get("messages", [])
    if not isinstance(raw_messages, list):
        errors["messages"] = "A list expected."
        raw_messages = []
    for n, raw in enumerate(raw_messages):
        if not isinstance(raw, dict):
            errors[f"messages.{n}"] = "An object expected."
            continue
        at = _moment(raw.get("at"), f"messages.{n}.at", errors)
        texts = {k: raw.get(k, "") for k in ("body", "author_email", "author_name")}
        if not all(isinstance(v, str) for v in texts.values()):
            errors[f"messages.{n}"] = "body, author_email and author_name are text."
            continue
        if at is not None:
            messages.append(ImportedMessage(at=at, from_staff=raw.get("from_staff") is True,
                                            internal=raw.get("internal") is True, **texts))  # fmt: skip
    status, owner, external = (
        data.get("status", CaseStatus.OPEN),
        data.get("owner_email", ""),
        data.get("external_id", ""),
    )
    if not all(isinstance(v, str) for v in (status, owner, external)):
        errors["status"] = "status, owner_email and external_id are text."
    if errors:
        raise ValidationFailed("The case cannot be read.", fields=errors)
    new = NewCase(**strings, template_data=template, organisation_id=organisation_id)  # type: ignore[arg-type]
    return ImportedCase(new, opened, status, owner, closed, messages, str(external)[:100])

"""Case import for migrations from another helpdesk (D-3.1: ids dated by the opening)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, may, require
from caredesk.accounts.models import User
from caredesk.cases.models import (
    Case,
    CaseMessage,
    CaseStatus,
)
from caredesk.cases.services.opening import NewCase, case_fields
from caredesk.cases.services.shared import MESSAGE_MAX, UNRESOLVED, record_units, targets
from caredesk.core import audit
from caredesk.core.clock import now
from caredesk.core.errors import ValidationFailed
from caredesk.core.identifiers import allocate_case_id
from caredesk.core.validation import clean_text, holds_nul
from caredesk.sla.queries import escalation_steps

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
        fields = case_fields(
            actor, item.case, entitlement=False, claimed=True
        )  # history: not refused for today's rules
    except ValidationFailed as exc:
        fields, errors = {}, dict(exc.fields)
    opened = item.opened_at
    if opened.tzinfo is None:
        errors["opened_at"] = _("Give the time with its offset, e.g. 2024-03-01T09:30:00+01:00.")
    elif opened > moment:
        errors["opened_at"] = _("A case cannot have been opened in the future.")
    elif opened.year < IMPORT_EARLIEST_YEAR:
        errors["opened_at"] = _("No case here predates %(year)s.") % {"year": IMPORT_EARLIEST_YEAR}
    if item.status not in CaseStatus.values:
        errors["status"] = _("One of %(statuses)s.") % {"statuses": ", ".join(CaseStatus.values)}
    owner = None
    if item.owner_email:
        owner = User.objects.select_related("organisation").filter(email=item.owner_email.strip().lower()).first()
        if owner is None or not may(owner, Capability.WORK_CASES):
            errors["owner_email"] = _("The owner must be a member of the vendor's staff.")
        elif fields and fields["organisation"].government and not owner.gov_cleared:
            errors["owner_email"] = _("Government cases go to cleared staff only.")
    messages: list[dict[str, Any]] = []
    for n, m in sorted(enumerate(item.messages), key=lambda nm: nm[1].at if nm[1].at.tzinfo else moment):
        where = f"messages.{n}"  # the position in the input, whatever the order of times
        if m.at.tzinfo is None or opened.tzinfo is None or not opened <= m.at <= moment:
            errors[f"{where}.at"] = _("Between the case's opening and now, with its offset.")
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
            errors[f"{where}.author_email"] = _("No such user; give author_name for people of the old system.")
        elif (
            author is not None
            and fields
            and not (
                author.is_vendor_staff
                or author.organisation_id == fields["organisation"].pk
                or author.associations.filter(pk=fields["organisation"].pk).exists()
            )
        ):
            errors[f"{where}.author_email"] = _("The author must be staff or a user of the case's organisation.")
        staff = author.is_vendor_staff if author is not None else m.from_staff
        name = (author.full_name if author is not None else m.author_name.strip())[:200]
        if not name:
            errors[f"{where}.author_name"] = _("Name the author who has no user here.")
        if m.internal and not staff:
            errors[f"{where}.internal"] = _("Only staff wrote internal notes.")
        kind = CaseMessage.Kind.NOTE if m.internal else CaseMessage.Kind.REPLY
        messages.append({"author": author or actor, "author_name": name, "from_staff": staff, "body": body,
                         "created_at": m.at, "kind": kind})  # fmt: skip
    closed_at = item.closed_at
    if item.status == CaseStatus.CLOSED:
        last = max([opened, *(m["created_at"] for m in messages)]) if opened.tzinfo else None
        closed_at = closed_at or last
        if closed_at is not None and (closed_at.tzinfo is None or last is None or not last <= closed_at <= moment):
            errors["closed_at"] = _("After the case's last message and not in the future, with its offset.")
    elif closed_at is not None:
        errors["closed_at"] = _("Only a closed case has a closing time.")
    if errors:
        raise ValidationFailed(_("The case cannot be imported: some fields need attention."), fields=errors)
    return {**fields, "status": item.status, "owner": owner, "closed_at": closed_at}, messages


@transaction.atomic
def import_cases(actor: User, items: list[ImportedCase]) -> list[Case]:
    """Create cases with their past (opening time, messages, state) for a migration from
    another system: administrators only, all or none, and nobody is notified. Ids are
    dated by each case's opening (D-3.1) and due times computed from it (D-4.1); lateness
    and escalation levels that lie in the past are marked as passed, so the sweeps do not
    tell of history."""
    require(actor, Capability.IMPORT_CASES)
    if not items:
        raise ValidationFailed(_("Nothing to import."), fields={"cases": _("Give at least one case.")})
    if len(items) > IMPORT_MAX:
        raise ValidationFailed(
            _("Too many cases at once."), fields={"cases": _("At most %(max)s per call.") % {"max": IMPORT_MAX}}
        )
    moment = now()
    checked, errors = [], {}
    for n, item in enumerate(items):
        try:
            checked.append(_imported(actor, item, moment))
        except ValidationFailed as exc:
            errors.update({f"cases.{n}.{name}": text for name, text in exc.fields.items()})
    if errors:
        raise ValidationFailed(_("Nothing was imported: some cases need attention."), fields=errors)
    made = []
    for item, (fields, messages) in zip(items, checked, strict=True):
        opened = item.opened_at
        staff_public = [m["created_at"] for m in messages if m["from_staff"] and m["kind"] == CaseMessage.Kind.REPLY]
        first_response = min(staff_public) if staff_public else None
        timing = targets(fields["priority"], opened, escalation_level=0)
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
        record_units(case)
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
    errors[name] = _("A time in ISO 8601 with its offset, e.g. 2024-03-01T09:30:00+01:00.")
    return None


def imported_case(data: Any) -> ImportedCase:
    """An ``ImportedCase`` from one JSON object of an import (API body or file line)."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("A case is a JSON object."), fields={"case": _("Not an object.")})
    if holds_nul(data):  # the database cannot even compare such text
        raise ValidationFailed(
            _("Text may not contain NUL characters."), fields={"case": _("Contains a NUL character.")}
        )
    errors: dict[str, str] = {}
    known = {f for f in NewCase.__dataclass_fields__}
    extra = set(data) - known - {"opened_at", "status", "owner_email", "closed_at", "messages", "external_id"}
    for name in sorted(extra):
        errors[name] = _("Unknown field.")
    strings = {}
    for name in known - {"template_data", "organisation_id"}:
        value = data.get(name, "")
        if not isinstance(value, str):
            errors[name] = _("Text expected.")
        strings[name] = value if isinstance(value, str) else ""
    organisation_id = data.get("organisation_id")
    if organisation_id is not None and (isinstance(organisation_id, bool) or not isinstance(organisation_id, int)):
        errors["organisation_id"] = _("A number expected.")
        organisation_id = None
    template = data.get("template_data", {})
    if not isinstance(template, dict):
        errors["template_data"] = _("An object expected.")
        template = {}
    opened = _moment(data.get("opened_at"), "opened_at", errors)
    closed = _moment(data["closed_at"], "closed_at", errors) if data.get("closed_at") is not None else None
    messages = []
    raw_messages = data.get("messages", [])
    if not isinstance(raw_messages, list):
        errors["messages"] = _("A list expected.")
        raw_messages = []
    for n, raw in enumerate(raw_messages):
        if not isinstance(raw, dict):
            errors[f"messages.{n}"] = _("An object expected.")
            continue
        at = _moment(raw.get("at"), f"messages.{n}.at", errors)
        texts = {k: raw.get(k, "") for k in ("body", "author_email", "author_name")}
        if not all(isinstance(v, str) for v in texts.values()):
            errors[f"messages.{n}"] = _("body, author_email and author_name are text.")
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
        errors["status"] = _("status, owner_email and external_id are text.")
    if errors:
        raise ValidationFailed(_("The case cannot be read."), fields=errors)
    new = NewCase(**strings, template_data=template, organisation_id=organisation_id)
    return ImportedCase(new, opened, status, owner, closed, messages, str(external)[:100])

"""Opening a case (D-3.4): every field checked, the product filled from the installed base,
the entitlement of a technical case (D-3.2), its id (D-3.1) and its targets (D-4.1, D-4.6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, may, require
from caredesk.accounts.models import OrganisationKind, Site, User
from caredesk.accounts.queries import visible_organisations
from caredesk.cases import events
from caredesk.cases.models import (
    Case,
    CaseKind,
    CaseStatus,
    FollowUpMethod,
    Priority,
    RequestSubType,
    RequestType,
)
from caredesk.cases.queries import active_subtype
from caredesk.cases.services.shared import (
    DESCRIPTION_MAX,
    SUMMARY_MAX,
    checked_serial,
    choice,
    off_hours,
    record_units,
    targets,
)
from caredesk.cases.services.templates import SLUG_RE, validate_template_data
from caredesk.core import audit
from caredesk.core.clock import now
from caredesk.core.errors import ValidationFailed
from caredesk.core.identifiers import allocate_case_id
from caredesk.core.inserts import insert
from caredesk.core.validation import clean_text, e164
from caredesk.entitlements.queries import product_identity, technical_case_refusal


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


@transaction.atomic
def open_case(actor: User, data: NewCase, *, claimed: bool = False) -> Case:
    """Open a case for the actor's organisation (or one they act for) and give it its id.
    ``claimed``: opened by the claim service of its request type (``CLAIMED_TYPES``)."""
    require(actor, Capability.OPEN_CASES)
    fields = case_fields(actor, data, claimed=claimed)
    opened = now()
    case = insert(
        Case(
            case_id=allocate_case_id(opened),
            status=CaseStatus.NEW,
            created_at=opened,
            updated_at=opened,
            **fields,
            **targets(fields["priority"], opened, escalation_level=0),
            **off_hours(fields["priority"], opened),
        )
    )
    record_units(case)
    audit.record(case, "opened", actor, {"status": [None, CaseStatus.NEW], "priority": [None, case.priority]})
    events.emit(events.CaseOpened(case, actor))
    return case


# Request types whose cases carry a claim, opened only by its service with it: a
# *Mis-shipment* case is the claim against a sales order (D-5.7, ``rma.claims``), which
# checks who ordered and the 90 days. Opened plainly, it would skip those checks.
CLAIMED_TYPES = {"mis-shipment"}


def case_fields(actor: User, data: NewCase, *, entitlement: bool = True, claimed: bool = False) -> dict[str, Any]:
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

    kind = check(choice, data.kind, CaseKind.values, "kind")
    priority = check(choice, data.priority, Priority.values, "priority")
    method = check(choice, data.follow_up_method, FollowUpMethod.values, "follow_up_method")
    phone = check(e164, data.callback_phone, field="callback_phone")
    summary = check(clean_text, " ".join((data.summary or "").split()), field="summary", max_length=SUMMARY_MAX)
    description = check(clean_text, data.description, field="description", max_length=DESCRIPTION_MAX)
    serial = check(checked_serial, data.serial_number, "serial_number")
    ssrn = check(checked_serial, data.ssrn, "ssrn")
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
        elif not data.request_type:
            errors["request_type"] = _("Choose a request type from the catalogue.")  # D-3.3: admin cases carry one
        elif not SLUG_RE.match(data.request_type):
            request_type = None  # not a code at all: no need to ask the database (a NUL would upset it)
            errors["request_type"] = _("Choose a request type from the catalogue.")
        else:
            request_type = RequestType.objects.filter(code=data.request_type, active=True).first()
            if request_type is None:
                errors["request_type"] = _("Choose a request type from the catalogue.")
            else:
                errors["request_subtype"] = _("Choose a sub-type of this request type.")
        if request_type is not None and request_type.code in CLAIMED_TYPES and not claimed:
            errors["request_type"] = _(
                "A mis-shipment is claimed with its sales order and the lines concerned: use the mis-shipment "
                "claim form (POST /mis-shipment-claims in the API)."
            )
        if request_type is not None:
            template = check(validate_template_data, request_type, data.template_data) or {}
    elif data.template_data:
        errors["template_data"] = _("Only admin cases with a request type take template fields.")

    # Whose case it is: the actor's organisation unless they act for another one. Staff
    # open cases on a customer's behalf only, naming the organisation and the contact.
    on_behalf = may(actor, Capability.OPEN_CASES_FOR_CUSTOMERS)
    if data.organisation_id is not None:
        organisation = visible_organisations(actor).filter(pk=data.organisation_id).first()
    elif on_behalf:
        organisation = None
    else:
        organisation = actor.organisation
    if organisation is None:
        errors["organisation_id"] = _("Choose the customer organisation the case is for.")
    elif organisation.kind == OrganisationKind.VENDOR:
        errors["organisation_id"] = _("Cases are opened for a customer or partner organisation.")

    contact = actor
    if on_behalf:
        contact_user = User.objects.filter(email=(data.contact_email or "").strip().lower(), is_active=True).first()
        if (
            contact_user is None
            or organisation is None
            or contact_user.organisation_id != organisation.pk
            and not contact_user.associations.filter(pk=organisation.pk).exists()
        ):
            errors["contact_email"] = _("Name a user of the customer organisation as the contact.")
        else:
            contact = contact_user
    elif data.contact_email:
        errors["contact_email"] = _("Only staff open cases on someone else's behalf.")

    site: Site | None = None
    if data.site_code:
        site = (
            Site.objects.filter(code=data.site_code.strip(), organisation=organisation).first()
            if organisation
            else None
        )
        if site is None:
            errors["site_code"] = _("No such site for this organisation.")

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
        raise ValidationFailed(_("The case could not be opened: some fields need attention."), fields=errors)
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

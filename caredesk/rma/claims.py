"""Mis-shipment claims (D-5.7): a claim that an order arrived wrong, and the correct part
shipped for it.

- ``claim_mis_shipment``: the organisation that placed a sales order with the vendor
  claims, within the claim period, that lines of it arrived wrong; the claim opens a
  *Mis-shipment* admin case under the sub-type of its kind and is recorded on it, in one
  transaction. A refusal says why and opens nothing: no case, no claim.
- ``record_part_shipped``: staff record the correct part's carrier and tracking number.

Who ordered a line: the partner it was bought through, else the organisation that bought
it directly (its first owner, if it has changed hands since, D-2.9). A grey-market unit
was not ordered from the vendor by anyone here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from caredesk.accounts.access import Capability, owner_scope, require
from caredesk.accounts.models import Organisation, User
from caredesk.accounts.queries import visible_organisations
from caredesk.cases import services as cases
from caredesk.cases.models import Case
from caredesk.cases.queries import visible_cases
from caredesk.core import audit
from caredesk.core.clock import local_date, now
from caredesk.core.errors import Conflict, NotFound, ValidationFailed
from caredesk.core.identifiers import normalise_case_id
from caredesk.core.validation import clean_text
from caredesk.installbase.models import Asset, OwnershipTransfer, PurchaseChannel, TransferStatus
from caredesk.installbase.queries import visible_assets
from caredesk.rma.models import (
    MIS_SHIPMENT_TYPE,
    SUBTYPE_OF_KIND,
    ClaimStatus,
    MisShipmentClaim,
    MisShipmentKind,
)

ORDER_MAX = 64
LINES_MAX = 200
CARRIER_MAX = 64
TRACKING_MAX = 64


@dataclass
class NewClaim:
    """What a mis-shipment claim names (D-5.7), with the fields of its case (D-3.4)."""

    sales_order: str
    kind: str
    order_lines: Sequence[int]
    priority: str
    follow_up_method: str
    callback_phone: str
    summary: str
    description: str
    organisation_id: int | None = None  # default: the actor's organisation
    contact_email: str = ""  # staff claiming on a customer's behalf
    site_code: str = ""


@dataclass(frozen=True)
class OrderLine:
    """One line of a sales order as the installed base knows it: its units, when it
    shipped and who ordered it."""

    number: int
    serials: tuple[str, ...]
    skus: tuple[str, ...]
    shipped_on: date | None
    ordered_by: int | None  # the organisation that placed it with the vendor; None: nobody here
    bought_through: int | None  # the partner, where it was bought through one
    owner: int


def claim_deadline_passed(shipped_on: date, day: date) -> bool:
    """D-5.7: the claim period's last day is the ``MIS_SHIPMENT_CLAIM_DAYS``-th calendar day
    after shipping (day 90 accepted, day 91 refused). Pure."""
    return (day - shipped_on).days > settings.MIS_SHIPMENT_CLAIM_DAYS


def order_lines(user: User, sales_order: str) -> list[OrderLine]:
    """The lines of ``sales_order`` whose units ``user`` sees (D-1.3), by line number."""
    text = (sales_order or "").strip()
    if not text or len(text) > ORDER_MAX or "\x00" in text:
        return []
    assets = list(
        visible_assets(user)
        .filter(sales_order=text, order_line__isnull=False)
        .select_related("product")
        .order_by("order_line", "serial")
    )
    # A unit that changed hands was ordered by its first owner: the earliest approved
    # transfer's giver.
    first_owner: dict[int, int] = {}
    transfers = OwnershipTransfer.objects.filter(
        asset__in=[a.pk for a in assets], status=TransferStatus.APPROVED
    ).order_by("requested_at", "id")
    for asset_id, from_owner in transfers.values_list("asset_id", "from_owner_id"):
        first_owner.setdefault(asset_id, from_owner)
    grouped: dict[int, list[Asset]] = {}
    for asset in assets:
        assert asset.order_line is not None
        grouped.setdefault(asset.order_line, []).append(asset)
    lines = []
    for number, units in grouped.items():
        unit = units[0]
        if unit.channel == PurchaseChannel.PARTNER and unit.partner_id is not None:
            ordered_by: int | None = unit.partner_id
        elif unit.channel == PurchaseChannel.UNAUTHORISED:
            ordered_by = None
        else:
            ordered_by = first_owner.get(unit.pk, unit.owner_id)
        shipped = [u.ship_date for u in units if u.ship_date is not None]
        lines.append(
            OrderLine(
                number=number,
                serials=tuple(u.serial for u in units),
                skus=tuple(dict.fromkeys(u.product.sku for u in units)),
                shipped_on=min(shipped) if shipped else None,
                ordered_by=ordered_by,
                bought_through=unit.partner_id if unit.channel == PurchaseChannel.PARTNER else None,
                owner=unit.owner_id,
            )
        )
    return lines


def _claimant(actor: User, data: NewClaim) -> Organisation | None:
    if data.organisation_id is not None:
        return visible_organisations(actor).filter(pk=data.organisation_id).first()
    return None if actor.is_vendor_staff else actor.organisation


def _claim_errors(actor: User, data: NewClaim, claimant: Organisation | None) -> tuple[dict[str, str], list[OrderLine]]:
    """Every reason the claim cannot be made, by field, and the lines it names."""
    errors: dict[str, str] = {}
    order = (data.sales_order or "").strip()
    if data.kind not in MisShipmentKind.values:
        errors["kind"] = _("Choose what was shipped wrong.")
    lines = order_lines(actor, order)
    if not order:
        errors["sales_order"] = _("Enter the sales order number.")
        return errors, []
    if not lines:
        errors["sales_order"] = _("No sales order %(order)s with units you can see.") % {"order": order[:ORDER_MAX]}
        return errors, []
    by_number = {line.number: line for line in lines}
    wanted = sorted(set(data.order_lines or []))
    if not wanted:
        errors["order_lines"] = _("Choose the order lines that arrived wrong.")
    elif len(wanted) > LINES_MAX:
        errors["order_lines"] = _("At most %(n)s lines.") % {"n": LINES_MAX}
    elif unknown := [n for n in wanted if n not in by_number]:
        errors["order_lines"] = _("Order %(order)s has no line %(line)s.") % {"order": order, "line": unknown[0]}
    if "order_lines" in errors or claimant is None:
        return errors, []
    chosen = [by_number[n] for n in wanted]
    # D-5.7: only the organisation that placed the order with the vendor may claim. A
    # partner's end customer is told to go to the partner, who may.
    for line in chosen:
        if line.ordered_by == claimant.pk:
            continue
        if line.bought_through is not None and line.owner == claimant.pk:
            partner = Organisation.objects.filter(pk=line.bought_through).values_list("name", flat=True).first()
            errors["sales_order"] = _(
                "Order %(order)s was placed by your partner %(partner)s. Please ask %(partner)s to claim the "
                "mis-shipment: only the organisation that ordered from us directly can claim it."
            ) % {"order": order, "partner": partner or ""}
        else:
            errors["sales_order"] = _(
                "Only the organisation that placed order %(order)s with us can claim a mis-shipment on it."
            ) % {"order": order}
        return errors, []
    day = local_date(now())
    for line in chosen:
        # A ship date still ahead (an order line booked to ship) is not shipped yet either.
        if line.shipped_on is None or line.shipped_on > day:
            errors["order_lines"] = _("Line %(line)s of order %(order)s has not shipped yet.") % {
                "line": line.number,
                "order": order,
            }
            break
        if claim_deadline_passed(line.shipped_on, day):
            errors["order_lines"] = _(
                "Line %(line)s shipped on %(date)s, %(days)s days ago: a mis-shipment can be claimed up to "
                "%(limit)s days after shipping."
            ) % {
                "line": line.number,
                "date": line.shipped_on.isoformat(),
                "days": (day - line.shipped_on).days,
                "limit": settings.MIS_SHIPMENT_CLAIM_DAYS,
            }
            break
    return errors, chosen


@transaction.atomic
def claim_mis_shipment(actor: User, data: NewClaim) -> MisShipmentClaim:
    """The organisation that ordered claims lines of a sales order arrived wrong (D-5.7):
    a *Mis-shipment* admin case under the kind's sub-type, and the claim on it. Every
    problem is reported at once, the claim's and the case's; nothing is kept then."""
    require(actor, Capability.OPEN_CASES)
    claimant = _claimant(actor, data)
    errors, chosen = _claim_errors(actor, data, claimant)
    shipped_on = min((line.shipped_on for line in chosen if line.shipped_on), default=None)
    new_case = cases.NewCase(
        kind="admin",
        request_type=MIS_SHIPMENT_TYPE,
        request_subtype=SUBTYPE_OF_KIND.get(data.kind, SUBTYPE_OF_KIND[MisShipmentKind.LINE_ITEMS]),
        priority=data.priority,
        follow_up_method=data.follow_up_method,
        callback_phone=data.callback_phone,
        summary=data.summary,
        description=data.description,
        template_data={
            "sales_order": (data.sales_order or "").strip()[:ORDER_MAX] or "-",
            "ship_date": (shipped_on or local_date(now())).isoformat(),
        },
        organisation_id=data.organisation_id,
        contact_email=data.contact_email,
        site_code=data.site_code,
    )
    # The case's own checks run too, so that one answer names everything to correct; it
    # is opened in a savepoint and undone when the claim is refused.
    case: Case | None = None
    try:
        with transaction.atomic():
            case = cases.open_case(actor, new_case, claimed=True)
            if errors:
                raise ValidationFailed("")
    except ValidationFailed as exc:
        errors = {**exc.fields, **errors}
        case = None
    if errors or case is None:
        raise ValidationFailed(_("The mis-shipment could not be claimed: some fields need attention."), fields=errors)
    assert shipped_on is not None  # every line chosen has shipped, or the claim was refused
    claim = MisShipmentClaim.objects.create(
        case=case,
        organisation_id=case.organisation_id,
        sales_order=(data.sales_order or "").strip(),
        kind=data.kind,
        order_lines=[line.number for line in chosen],
        shipped_on=shipped_on,
        claimed_by=actor,
        created_at=case.created_at,
    )
    recorded = {"sales_order": claim.sales_order, "kind": claim.kind, "order_lines": claim.order_lines}
    audit.record(claim, "claimed", actor, {**recorded, "case": case.case_id})
    audit.record(case, "mis_shipment_claimed", actor, recorded)
    return claim


def visible_claims(user: User) -> QuerySet[MisShipmentClaim]:
    """The claims ``user`` may see: through the claiming organisation, as its cases (D-1.3)."""
    return owner_scope(user, MisShipmentClaim.objects, "organisation")


def get_claim(user: User, case_id: str) -> MisShipmentClaim:
    """The claim recorded on the visible case ``case_id`` (dashes optional), else NotFound."""
    canonical = normalise_case_id(case_id or "")
    case = visible_cases(user).filter(case_id=canonical).values_list("pk", flat=True).first() if canonical else None
    claim = (
        visible_claims(user).filter(case_id=case).select_related("case", "organisation").first()
        if case is not None
        else None
    )
    if claim is None:
        raise NotFound(_("No mis-shipment claim on this case."))
    return claim


def claim_of_case(case: Case) -> MisShipmentClaim | None:
    """The claim a case the caller sees records, if any. Only *Mis-shipment* cases carry
    one, so every other case page costs no query for it."""
    if case.request_type is None or case.request_type.code != MIS_SHIPMENT_TYPE:
        return None
    return MisShipmentClaim.objects.filter(case=case).first()


def claim_rows(claim: MisShipmentClaim) -> list[tuple[str, str]]:
    """What a case page shows of the claim, label and value, in the reader's language."""
    rows = [
        (_("Sales order"), claim.sales_order),
        (_("What was shipped wrong"), claim.get_kind_display()),
        (_("Order lines"), ", ".join(str(n) for n in claim.order_lines)),
        (_("Shipped on"), claim.shipped_on.isoformat()),
        (_("Claim status"), claim.get_status_display()),
    ]
    if claim.status == ClaimStatus.SHIPPED:
        rows += [(_("Carrier"), claim.carrier), (pgettext("parcel", "Tracking number"), claim.tracking_number)]
    return rows


@transaction.atomic
def record_part_shipped(actor: User, case_id: str, carrier: str, tracking_number: str) -> MisShipmentClaim:
    """Staff record that the correct part has shipped (D-5.7): its carrier and tracking
    number, which the claim shows from then on."""
    require(actor, Capability.WORK_CASES)
    found = get_claim(actor, case_id)
    claim = MisShipmentClaim.objects.select_for_update().select_related("case").get(pk=found.pk)
    errors: dict[str, str] = {}
    carrier_text = tracking = ""
    try:
        carrier_text = clean_text(carrier, field="carrier", max_length=CARRIER_MAX)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        tracking = clean_text(tracking_number, field="tracking_number", max_length=TRACKING_MAX)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(_("Name the carrier and the tracking number."), fields=errors)
    if claim.status != ClaimStatus.OPEN:
        raise Conflict(
            _("The correct part has already shipped, tracking number %(tracking)s.")
            % {"tracking": claim.tracking_number}
        )
    claim.status = ClaimStatus.SHIPPED
    claim.carrier = carrier_text
    claim.tracking_number = tracking
    claim.part_shipped_at = now()
    claim.part_shipped_by = actor
    claim.save(update_fields=["status", "carrier", "tracking_number", "part_shipped_at", "part_shipped_by"])
    changes = {
        "status": [ClaimStatus.OPEN.value, ClaimStatus.SHIPPED.value],
        "carrier": [None, carrier_text],
        "tracking_number": [None, tracking],
    }
    audit.record(claim, "part_shipped", actor, changes)
    audit.record(claim.case, "mis_shipment_part_shipped", actor, changes)
    return claim

"""Every change to the installed base (D-2.1 – D-2.3): one function per use case, one
transaction each, recorded in the audit trail. The bulk sales-order import lives in
``installbase.orders`` and is reached through ``import_orders`` here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, require
from caredesk.accounts.models import Organisation, OrganisationKind, Site, User
from caredesk.core import audit
from caredesk.core.clock import local_date, now
from caredesk.core.errors import Conflict, NotFound, ValidationFailed
from caredesk.core.validation import clean_text
from caredesk.installbase import orders
from caredesk.installbase.models import (
    Asset,
    OwnershipTransfer,
    Product,
    PurchaseChannel,
    Reinstatement,
    ReinstatementStatus,
    SupportStanding,
    TransferStatus,
)
from caredesk.installbase.queries import SERIAL_MAX, SERIAL_RE, normalise_serial


def check_serial(text: str, field: str = "serial") -> str:
    """A serial number as stored: upper case, a letter or digit then letters, digits and
    - _ . (D-2.2)."""
    serial = normalise_serial(text)
    if not serial:
        raise ValidationFailed(_("The serial number is required."), fields={field: _("Required.")})
    if len(serial) > SERIAL_MAX or not SERIAL_RE.match(serial):
        raise ValidationFailed(
            _("That is not a serial number."),
            fields={field: _("A letter or digit, then letters, digits and - _ . only; at most 64.")},
        )
    return serial


def _ensure_staff(actor: User | None) -> None:
    """The installed base is changed by Customer Care (``None``: the system, an import)."""
    if actor is not None:
        require(actor, Capability.MANAGE_INSTALLED_BASE)


@dataclass
class NewProduct:
    sku: str
    name: str
    series: str
    platform: str
    list_price: Decimal | str | int
    currency: str = "USD"
    hw_warranty_months: int | None = None
    sw_warranty_days: int | None = None
    eol_announced_on: date | None = None
    end_of_sale_on: date | None = None
    end_of_support_on: date | None = None


@transaction.atomic
def create_product(data: NewProduct, *, actor: User | None = None) -> Product:
    from django.conf import settings

    _ensure_staff(actor)
    sku = clean_text(data.sku, field="sku", max_length=64)
    if Product.objects.filter(sku=sku).exists():
        raise Conflict(_("A product with this SKU exists already."))
    try:
        price = Decimal(str(data.list_price))
    except InvalidOperation:
        raise ValidationFailed(_("The list price is not a number."), fields={"list_price": _("A number.")}) from None
    if not price.is_finite() or price < 0 or price >= Decimal("1e10"):
        raise ValidationFailed(_("The list price is out of range."), fields={"list_price": _("0 or more.")})
    dates = [d for d in (data.eol_announced_on, data.end_of_sale_on, data.end_of_support_on) if d is not None]
    if dates != sorted(dates):
        raise ValidationFailed(
            _("End-of-life dates must come in order: announcement, end of sale, end of support."),
            fields={"end_of_support_on": _("Not before the earlier dates.")},
        )
    product = Product.objects.create(
        sku=sku,
        name=clean_text(data.name, field="name", max_length=200),
        series=clean_text(data.series, field="series", max_length=100),
        platform=clean_text(data.platform, field="platform", max_length=100),
        list_price=price,
        currency=(data.currency or "USD").upper()[:3],
        hw_warranty_months=settings.HW_WARRANTY_MONTHS if data.hw_warranty_months is None else data.hw_warranty_months,
        sw_warranty_days=settings.SW_WARRANTY_DAYS if data.sw_warranty_days is None else data.sw_warranty_days,
        eol_announced_on=data.eol_announced_on,
        end_of_sale_on=data.end_of_sale_on,
        end_of_support_on=data.end_of_support_on,
    )
    audit.record(product, "created", actor, {"sku": sku, "platform": product.platform})
    return product


@dataclass
class NewAsset:
    serial: str
    product: Product
    owner: Organisation
    site: Site | None = None
    ship_date: date | None = None
    sales_order: str = ""
    order_line: int | None = None
    channel: str = PurchaseChannel.DIRECT
    partner: Organisation | None = None


def _asset_fields(data: NewAsset) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if data.owner.kind == OrganisationKind.VENDOR:
        errors["owner"] = _("Assets belong to a customer or a partner.")
    if data.site is not None and data.site.organisation_id != data.owner.pk:
        errors["site"] = _("The site belongs to another organisation.")
    if data.channel not in PurchaseChannel.values:
        errors["channel"] = _("direct, partner or unauthorised.")
    if data.partner is not None and data.partner.kind != OrganisationKind.PARTNER:
        errors["partner"] = _("Not an authorised partner.")
    if data.channel == PurchaseChannel.PARTNER and data.partner is None:
        errors["partner"] = _("Name the partner the unit was bought through.")
    if errors:
        raise ValidationFailed(_("The asset could not be registered."), fields=errors)
    return {
        "product": data.product,
        "owner": data.owner,
        "site": data.site,
        "ship_date": data.ship_date,
        "sales_order": (data.sales_order or "").strip()[:64],
        "order_line": data.order_line,
        "channel": data.channel,
        "partner": data.partner,
        # D-2.9: a grey-market unit is not entitled until inspected and reinstated.
        "standing": (
            SupportStanding.NEEDS_REINSTATEMENT
            if data.channel == PurchaseChannel.UNAUTHORISED
            else SupportStanding.GOOD
        ),
    }


@transaction.atomic
def register_asset(data: NewAsset, *, actor: User | None = None) -> Asset:
    """Register one unit by hand (the order import registers them in bulk)."""
    _ensure_staff(actor)
    serial = check_serial(data.serial)
    if Asset.objects.filter(serial=serial).exists():
        raise Conflict(_("This serial number is registered already."))
    moment = now()
    asset = Asset.objects.create(serial=serial, created_at=moment, updated_at=moment, **_asset_fields(data))
    audit.record(asset, "registered", actor, {"product": asset.product.sku, "owner": asset.owner_id})
    return asset


def move_asset(actor: User | None, asset: Asset, site: Site, *, reference: str = "") -> Asset:
    """Put a unit at another of its owner's sites (D-2.8). Called inside the caller's
    transaction (the installed-base update of a case)."""
    if site.organisation_id != asset.owner_id:
        raise ValidationFailed(
            _("The site belongs to another organisation."), fields={"target_site": _("Not the owner's.")}
        )
    before = asset.site_id
    asset.site = site
    asset.updated_at = now()
    asset.save(update_fields=["site", "updated_at"])
    audit.record(asset, "moved", actor, {"site": [before, site.pk], "reference": reference})
    return asset


def register_replacement(actor: User | None, defective: Asset, serial: str, *, reference: str = "") -> Asset:
    """Register the unit that replaces ``defective`` (an RMA's advance replacement): a unit
    of the same product, owner and site, bought the same way, shipped today; the defective
    unit is marked replaced by it. Recorded on both units. Called inside the caller's
    transaction by the RMA service, which has checked the actor's right to ship it."""
    new_serial = check_serial(serial, "replacement_serial")
    if Asset.objects.filter(serial=new_serial).exists():
        raise ValidationFailed(
            _("This serial number is registered already."),
            fields={"replacement_serial": _("Give the serial of a new unit.")},
        )
    if defective.replaced_by_id is not None:
        raise Conflict(_("The unit has been replaced already."))
    moment = now()
    replacement = Asset.objects.create(
        serial=new_serial,
        product_id=defective.product_id,
        owner_id=defective.owner_id,
        site_id=defective.site_id,
        ship_date=local_date(moment),
        channel=defective.channel,
        partner_id=defective.partner_id,
        standing=defective.standing,
        created_at=moment,
        updated_at=moment,
    )
    defective.replaced_by = replacement
    defective.replaced_at = moment
    defective.updated_at = moment
    defective.save(update_fields=["replaced_by", "replaced_at", "updated_at"])
    audit.record(
        replacement,
        "registered_as_replacement",
        actor,
        {"replaces": defective.serial, "owner": defective.owner_id, "site": defective.site_id, "reference": reference},
    )
    audit.record(defective, "replaced", actor, {"replaced_by": new_serial, "reference": reference})
    return replacement


# --- ownership transfer and reinstatement (D-2.9) ---------------------------------------------

OwnerChangeHook = Callable[[Asset], list[str]]
_owner_change_hooks: list[OwnerChangeHook] = []


def on_owner_change(hook: OwnerChangeHook) -> None:
    """Let a domain that holds things for a unit's owner (contracts) let go of them when the
    unit changes hands; the hook returns what it ended, for the history. Called from that
    app's ``ready()``: the installed base does not know the domains above it."""
    if hook not in _owner_change_hooks:
        _owner_change_hooks.append(hook)


def _visible_asset_for_update(actor: User, serial: str) -> Asset:
    from caredesk.installbase.queries import visible_assets

    asset = (
        visible_assets(actor)
        .select_for_update(of=("self",))
        .select_related("owner")
        .filter(serial=normalise_serial(serial))
        .first()
    )
    if asset is None:
        raise NotFound(_("No such unit."))
    return asset


@transaction.atomic
def request_transfer(actor: User, serial: str, new_owner_account: str, *, reference: str = "") -> OwnershipTransfer:
    """The owner's side (its people, consultants, its partners) or staff ask for a unit to
    change hands (D-2.9); the unit is found through the owner scope."""
    require(actor, Capability.REQUEST_TRANSFERS)
    asset = _visible_asset_for_update(actor, serial)
    account = (new_owner_account or "").strip()
    new_owner = Organisation.objects.filter(account_number=account).exclude(kind=OrganisationKind.VENDOR).first()
    if not account or new_owner is None:
        raise ValidationFailed(
            _("No customer has this account number."), fields={"new_owner": _("The new owner's account number.")}
        )
    if new_owner.pk == asset.owner_id:
        raise ValidationFailed(_("The unit belongs to that customer already."), fields={"new_owner": _("Same owner.")})
    if asset.transfers.filter(status=TransferStatus.REQUESTED).exists():
        raise Conflict(_("A transfer of this unit is waiting for a decision already."))
    transfer = OwnershipTransfer.objects.create(
        asset=asset, from_owner=asset.owner, to_owner=new_owner, requested_by=actor, reference=reference[:40]
    )
    audit.record(asset, "transfer_requested", actor, {"to_owner": new_owner.pk, "transfer": transfer.pk})
    return transfer


@transaction.atomic
def decide_transfer(actor: User, transfer_id: int, *, approve: bool, note: str = "") -> OwnershipTransfer:
    """Staff decide. Approved, the unit changes owner, needs reinstatement (it is no longer
    with its original purchaser) and leaves the old owner's contracts."""
    require(actor, Capability.DECIDE_TRANSFERS)
    transfer = OwnershipTransfer.objects.select_for_update().select_related("asset").filter(pk=transfer_id).first()
    if transfer is None or not _staff_sees(actor, transfer.asset):
        raise NotFound(_("No such transfer."))
    if transfer.status != TransferStatus.REQUESTED:
        raise Conflict(_("This transfer is decided already."))
    moment = now()
    transfer.status = TransferStatus.APPROVED if approve else TransferStatus.REFUSED
    transfer.decided_by = actor
    transfer.decided_at = moment
    transfer.note = clean_text(note, field="note", max_length=500, required=False)
    transfer.save()
    asset = Asset.objects.select_for_update().get(pk=transfer.asset_id)
    changes: dict[str, Any] = {"transfer": transfer.pk, "approved": approve}
    if approve:
        # The domains above (contracts) let go of the unit: support is the original purchaser's.
        ended = [name for hook in _owner_change_hooks for name in hook(asset)]
        changes.update(
            owner=[asset.owner_id, transfer.to_owner_id], standing=[asset.standing, "needs_reinstatement"],
            contracts_ended=ended,
        )  # fmt: skip
        # The old owner's reinstatement, if one was under way, is not the new owner's.
        Reinstatement.objects.filter(asset=asset, status__in=OPEN_REINSTATEMENT).update(
            status=ReinstatementStatus.REFUSED, decided_by=actor, decided_at=moment, note="The unit changed owner."
        )
        asset.owner_id = transfer.to_owner_id
        asset.site = None
        asset.standing = SupportStanding.NEEDS_REINSTATEMENT
        asset.best_effort = False
        asset.updated_at = moment
        asset.save()
    audit.record(asset, "transfer_decided", actor, changes)
    return transfer


def _staff_sees(actor: User, asset: Asset) -> bool:
    from caredesk.installbase.queries import visible_assets

    return visible_assets(actor).filter(pk=asset.pk).exists()


@transaction.atomic
def request_reinstatement(actor: User, serial: str, *, reference: str = "") -> Reinstatement:
    require(actor, Capability.REQUEST_REINSTATEMENTS)
    asset = _visible_asset_for_update(actor, serial)
    if asset.standing == SupportStanding.GOOD:
        raise Conflict(_("This unit is with its original purchaser: it needs no reinstatement."))
    if asset.reinstatements.filter(status__in=OPEN_REINSTATEMENT).exists():
        raise Conflict(_("A reinstatement of this unit is under way already."))
    request = Reinstatement.objects.create(asset=asset, requested_by=actor, reference=reference[:40])
    audit.record(asset, "reinstatement_requested", actor, {"reinstatement": request.pk})
    return request


OPEN_REINSTATEMENT = (ReinstatementStatus.REQUESTED, ReinstatementStatus.INSPECTING, ReinstatementStatus.FEE_DUE)

# What each staff step does: from which states, to which state.
_STEPS = {
    "inspect": ((ReinstatementStatus.REQUESTED,), ReinstatementStatus.INSPECTING),
    "pass": ((ReinstatementStatus.INSPECTING,), ReinstatementStatus.FEE_DUE),
    "fail": ((ReinstatementStatus.INSPECTING,), ReinstatementStatus.REFUSED),
    "paid": ((ReinstatementStatus.FEE_DUE,), ReinstatementStatus.REINSTATED),
    "refuse": (OPEN_REINSTATEMENT, ReinstatementStatus.REFUSED),
}


@transaction.atomic
def advance_reinstatement(
    actor: User, reinstatement_id: int, step: str, *, note: str = "", fee: Decimal | str | None = None
) -> Reinstatement:
    """A staff decision in the reinstatement of D-2.9: ``inspect`` (the unit is being
    inspected), ``pass`` with the ``fee`` to pay, or ``fail``; ``paid`` (the fee is
    received: the unit is reinstated); ``refuse`` at any open step."""
    require(actor, Capability.DECIDE_REINSTATEMENTS)
    if step not in _STEPS:
        raise ValidationFailed(_("Unknown step."), fields={"step": ", ".join(_STEPS)})
    item = Reinstatement.objects.select_for_update().select_related("asset").filter(pk=reinstatement_id).first()
    if item is None or not _staff_sees(actor, item.asset):
        raise NotFound(_("No such reinstatement."))
    sources, target = _STEPS[step]
    if item.status not in sources:
        status = ReinstatementStatus(item.status).label
        raise Conflict(_("A reinstatement in the state “%(status)s” cannot do that.") % {"status": status})
    text = clean_text(note, field="note", max_length=500, required=False)
    changes: dict[str, Any] = {"status": [item.status, target]}
    if step == "pass":
        try:
            amount = Decimal(str(fee).strip())
        except InvalidOperation:
            raise ValidationFailed(
                _("Give the reinstatement fee."), fields={"fee": _("A number, 0 or more.")}
            ) from None
        if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
            raise ValidationFailed(_("Give the reinstatement fee."), fields={"fee": _("A number, 0 or more.")})
        item.fee = amount
        changes["fee"] = str(amount)
    if step in ("pass", "fail"):
        item.inspection_note = text
    else:
        item.note = text or item.note
    moment = now()
    if step == "paid":
        item.fee_paid_at = moment
    if target in (ReinstatementStatus.REINSTATED, ReinstatementStatus.REFUSED):
        item.decided_by = actor
        item.decided_at = moment
    item.status = target
    item.save()
    if target == ReinstatementStatus.REINSTATED:
        Asset.objects.filter(pk=item.asset_id).update(standing=SupportStanding.GOOD, updated_at=moment)
        changes["standing"] = ["needs_reinstatement", "good"]
    audit.record(item.asset, f"reinstatement_{step}", actor, {"reinstatement": item.pk, **changes})
    return item


# The sales-order import (D-2.3) is a pipeline of its own module; these are its entry points.
import_orders = orders.import_orders
rejection_report = orders.rejection_report
ImportResult = orders.ImportResult
ORDER_COLUMNS = orders.COLUMNS

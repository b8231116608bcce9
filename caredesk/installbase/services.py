"""Every change to the installed base (D-2.1 – D-2.3): one function per use case, one
transaction each, recorded in the audit trail. The bulk sales-order import lives in
``installbase.orders`` and is reached through ``import_orders`` here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from caredesk.accounts.models import Organisation, OrganisationKind, Site, User
from caredesk.core import audit
from caredesk.core.clock import now
from caredesk.core.errors import Conflict, Forbidden, ValidationFailed
from caredesk.core.validation import clean_text
from caredesk.installbase.models import Asset, Product, PurchaseChannel, SupportStanding
from caredesk.installbase.queries import SERIAL_MAX, normalise_serial

SERIAL_RE = re.compile(r"^[A-Z0-9][A-Z0-9\-_./]{0,63}$")


def check_serial(text: str, field: str = "serial") -> str:
    """A serial number as stored: upper case, letters, digits and - _ . / (D-2.2)."""
    serial = normalise_serial(text)
    if not serial:
        raise ValidationFailed("The serial number is required.", fields={field: "Required."})
    if len(serial) > SERIAL_MAX or not SERIAL_RE.match(serial):
        raise ValidationFailed(
            "That is not a serial number.", fields={field: "Letters, digits and - _ . / only, at most 64."}
        )
    return serial


def _ensure_staff(actor: User | None) -> None:
    if actor is not None and not actor.is_vendor_staff:
        raise Forbidden("Only the vendor's staff can change the installed base.")


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
        raise Conflict("A product with this SKU exists already.")
    try:
        price = Decimal(str(data.list_price))
    except InvalidOperation:
        raise ValidationFailed("The list price is not a number.", fields={"list_price": "A number."}) from None
    if price < 0 or price >= Decimal("1e10"):
        raise ValidationFailed("The list price is out of range.", fields={"list_price": "0 or more."})
    dates = [d for d in (data.eol_announced_on, data.end_of_sale_on, data.end_of_support_on) if d is not None]
    if dates != sorted(dates):
        raise ValidationFailed(
            "End-of-life dates must come in order: announcement, end of sale, end of support.",
            fields={"end_of_support_on": "Not before the earlier dates."},
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
        errors["owner"] = "Assets belong to a customer or a partner."
    if data.site is not None and data.site.organisation_id != data.owner.pk:
        errors["site"] = "The site belongs to another organisation."
    if data.channel not in PurchaseChannel.values:
        errors["channel"] = "direct, partner or unauthorised."
    if data.partner is not None and data.partner.kind != OrganisationKind.PARTNER:
        errors["partner"] = "Not an authorised partner."
    if data.channel == PurchaseChannel.PARTNER and data.partner is None:
        errors["partner"] = "Name the partner the unit was bought through."
    if errors:
        raise ValidationFailed("The asset could not be registered.", fields=errors)
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
        raise Conflict("This serial number is registered already.")
    moment = now()
    asset = Asset.objects.create(serial=serial, created_at=moment, updated_at=moment, **_asset_fields(data))
    audit.record(asset, "registered", actor, {"product": asset.product.sku, "owner": asset.owner_id})
    return asset


def import_orders(*args: Any, **kwargs: Any) -> Any:
    """See ``installbase.orders.import_orders``."""
    from caredesk.installbase.orders import import_orders as run

    return run(*args, **kwargs)

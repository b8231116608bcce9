"""Read side of the installed base, filtered by the caller's access (D-1.3 through the
owner: a customer sees its own and its associated organisations' assets, a partner those
of the customers it sells to, staff all but government customers' unless cleared)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, may, owner_scope, require
from caredesk.accounts.models import Organisation, User
from caredesk.core.clock import local_date, now
from caredesk.core.errors import NotFound, ValidationFailed
from caredesk.core.paging import Page, keyset_page
from caredesk.installbase.models import (
    Asset,
    OrderImport,
    OwnershipTransfer,
    Product,
    Reinstatement,
    ReinstatementStatus,
    TransferStatus,
)

SERIAL_MAX = 64
# A serial number (D-2.2): a letter or digit, then letters, digits and - _ . ; at most 64,
# compared upper-case. The same rule is written in SQL for the order import (orders.py).
SERIAL_RE = re.compile(r"^[A-Z0-9][A-Z0-9_.\-]{0,63}$")


def normalise_serial(text: str) -> str:
    """Serials compare without case and surrounding spaces (D-2.2)."""
    return (text or "").strip().upper()


def is_serial(text: str) -> bool:
    return bool(SERIAL_RE.match(normalise_serial(text)))


def visible_assets(user: User) -> QuerySet[Asset]:
    """Assets ``user`` may see, through their owner (D-1.3)."""
    return owner_scope(user, Asset.objects, "owner")


def get_asset(user: User, serial: str) -> Asset:
    """The visible asset with this serial, with its product, owner and site; else NotFound."""
    key = normalise_serial(serial)
    found = (
        list(visible_assets(user).select_related("product", "owner", "site").filter(serial=key)[:1])
        if 0 < len(key) <= SERIAL_MAX
        else []
    )
    if not found:
        raise NotFound(_("No such serial number."))
    return found[0]


def today() -> date:
    return local_date(now())


def eol_condition(day: date) -> Q:
    """Assets whose product has an announced end of life (D-2.1)."""
    return Q(product__eol_announced_on__lte=day)


def nearing_end_of_support(day: date, days: int | None = None) -> Q:
    """Products whose end of support falls within ``days`` (setting) from ``day``."""
    window = settings.END_OF_SUPPORT_NOTICE_DAYS if days is None else days
    return Q(product__end_of_support_on__gte=day, product__end_of_support_on__lte=day + timedelta(days=window))


ASSET_SORTS = {
    "serial": "serial",
    "ship_date": "ship_date",
    "created": "created_at",
}


def list_assets(
    user: User,
    *,
    query: str = "",
    organisation_id: int | None = None,
    eol_only: bool = False,
    nearing_end_of_support_only: bool = False,
    sort: str = "serial",
    cursor: str | None = None,
    limit: int = 25,
) -> Page[Asset]:
    """A page of the assets ``user`` sees; ``query`` matches the start of a serial or a
    sales order exactly."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in ASSET_SORTS:
        raise ValidationFailed(
            _("Unknown sort column."),
            fields={"sort": _("One of %(sorts)s.") % {"sorts": ", ".join(sorted(ASSET_SORTS))}},
        )
    if not 1 <= limit <= 100:
        raise ValidationFailed(_("The page size must be between 1 and 100."), fields={"limit": _("1 to 100.")})
    assets = visible_assets(user).select_related("product", "owner", "site")
    text = query.strip()
    if len(text) > SERIAL_MAX:
        raise ValidationFailed(
            _("The search text is too long."), fields={"q": _("At most %(n)s characters.") % {"n": SERIAL_MAX}}
        )
    if text:
        assets = assets.filter(Q(serial__startswith=normalise_serial(text)) | Q(sales_order=text))
    if organisation_id is not None:
        assets = assets.filter(owner_id=organisation_id)
    day = today()
    if eol_only:
        assets = assets.filter(eol_condition(day))
    if nearing_end_of_support_only:
        assets = assets.filter(nearing_end_of_support(day))
    return keyset_page(assets, field=ASSET_SORTS[key], descending=descending, cursor=cursor, limit=limit)


def product_by_sku(sku: str) -> Product | None:
    return Product.objects.filter(sku=(sku or "").strip()).first()


def organisation_proved_by_serial(proof: str) -> Organisation | None:
    """The owner of the unit with this serial, for registration step 3 (D-1.4). A
    government customer is never joined this way: its accounts are approved by a care
    agent."""
    serial = normalise_serial(proof)
    if not serial or len(serial) > SERIAL_MAX:
        return None
    asset = Asset.objects.select_related("owner").filter(serial=serial, owner__government=False).first()
    return asset.owner if asset else None


def visible_order_imports(user: User) -> QuerySet[OrderImport]:
    """Order imports and their reports: for the staff who may import (D-2.3)."""
    if not may(user, Capability.IMPORT_ORDERS):
        return OrderImport.objects.none()
    return OrderImport.objects.all()


def get_order_import(user: User, import_id: int) -> OrderImport:
    """One import, for the staff who may import (D-2.3): anyone else is refused whichever
    import they name, so the refusal does not tell which ones exist; NotFound otherwise."""
    require(user, Capability.IMPORT_ORDERS)
    found = OrderImport.objects.filter(pk=import_id).first() if 0 < import_id < 2**62 else None
    if found is None:
        raise NotFound(_("No such import."))
    return found


def open_requests(user: User) -> tuple[QuerySet[OwnershipTransfer], QuerySet[Reinstatement]]:
    """Transfers and reinstatements waiting for staff (D-2.9), of units ``user`` sees."""
    assets = visible_assets(user)
    transfers = OwnershipTransfer.objects.filter(asset__in=assets, status=TransferStatus.REQUESTED)
    reinstatements = Reinstatement.objects.filter(
        asset__in=assets,
        status__in=[ReinstatementStatus.REQUESTED, ReinstatementStatus.INSPECTING, ReinstatementStatus.FEE_DUE],
    )
    return (
        transfers.select_related("asset", "from_owner", "to_owner").order_by("requested_at"),
        reinstatements.select_related("asset", "asset__owner").order_by("requested_at"),
    )

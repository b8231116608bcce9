"""Installed-base updates asked for by an admin case (D-2.8)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, require
from caredesk.accounts.models import Site, User
from caredesk.cases.services.resolution import require_customer_of
from caredesk.cases.services.shared import locked_case, not_closed, touch
from caredesk.core import audit
from caredesk.core.clock import local_date, now
from caredesk.core.errors import Conflict, NotFound, ValidationFailed
from caredesk.entitlements.models import Contract, ServiceLevelOffer
from caredesk.entitlements.services import accept_offer, offer_after_move
from caredesk.installbase.models import Asset
from caredesk.installbase.services import move_asset

# --- installed-base updates through an admin case (D-2.8) -------------------------------------

INSTALLED_BASE_UPDATE = "installed-base-update"


@transaction.atomic
def apply_installed_base_update(actor: User, case_id: str) -> list[Any]:
    """Staff apply the move an "Installed Base Update" case asks for: the units named in its
    template go to the target site. Where a unit's contract level cannot be delivered
    there, the customer is offered the best level that can, and the unit's replacement is
    best effort until they accept. Everything is in the case history. Returns the offers."""

    case = locked_case(actor, case_id)
    require(actor, Capability.WORK_CASES)
    not_closed(case)
    if case.request_type is None or case.request_type.code != INSTALLED_BASE_UPDATE:
        raise Conflict(_("Only an Installed Base Update case moves units."))
    if case.request_subtype is None or case.request_subtype.code != "move":
        raise Conflict(_("Only a move is applied here; additions and changes are made to the installed base by hand."))
    if audit.history(case, include_internal=True).filter(action="installed_base_updated").exists():
        raise Conflict(_("This case's installed-base update is applied already."))
    serials = list(dict.fromkeys(str(s).upper() for s in case.template_data.get("serials", [])))  # once each
    target = str(case.template_data.get("target_site", "")).strip()
    site = Site.objects.filter(code=target, organisation_id=case.organisation_id).first()
    if site is None:
        raise ValidationFailed(
            _("The case names no site of the customer to move to."),
            fields={"target_site": _("No site %(site)s.") % {"site": repr(target)}},
        )
    units = {
        a.serial: a for a in Asset.objects.select_for_update().filter(serial__in=serials, owner_id=case.organisation_id)
    }
    missing = [s for s in serials if s not in units]
    if not serials or missing:
        raise ValidationFailed(
            _("Some serial numbers are not the customer's units."),
            fields={"serials": ", ".join(missing) or _("None given.")},
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
            offer = offer_after_move(actor, contract, asset, site, case.case_id)
            if offer is not None:
                offers.append(offer)
    diff = touch(case)
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

    case = locked_case(actor, case_id)
    require_customer_of(actor, case)
    if not ServiceLevelOffer.objects.filter(pk=offer_id, reference=case.case_id).exists():
        raise NotFound(_("No such offer on this case."))
    offer = accept_offer(actor, offer_id)
    touch(case)
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

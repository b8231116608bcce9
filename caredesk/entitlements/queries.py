"""The entitlement query (D-2.6) and the read side of contracts, filtered by access (D-1.3
through the contract's organisation).

One function answers "what is this unit (or SSRN, or contract) entitled to?" for every
interface: the API, the console, the portal and case creation (D-3.2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import models
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caredesk.accounts.access import Capability, owner_scope, require
from caredesk.accounts.models import Organisation, OrganisationKind, User
from caredesk.core.clock import months_period_end
from caredesk.core.errors import NotFound, ValidationFailed
from caredesk.core.snapshot import Snapshot
from caredesk.entitlements.models import (
    Contract,
    CoveredAsset,
    Depot,
    ECertificate,
    HardwareReplacement,
    ServiceLevel,
    ServiceLevelOffer,
)
from caredesk.installbase.models import Asset, Product, SupportStanding
from caredesk.installbase.queries import SERIAL_MAX, normalise_serial, today, visible_assets

QUERY_MAX = 64
# D-2.8: the hardware replacement of a unit that moved where its contracted level is not
# delivered, until the customer accepts the level offered there. Not a speed a service
# level can have, so not a HardwareReplacement choice.
BEST_EFFORT = "best_effort"


def visible_contracts(user: User) -> QuerySet[Contract]:
    """Contracts ``user`` may see, through the organisation they belong to (D-1.3)."""
    return owner_scope(user, Contract.objects, "organisation")


def visible_ecertificates(user: User) -> QuerySet[ECertificate]:
    """Support e-certificates ``user`` may see, through the buying organisation (D-1.3)."""
    return owner_scope(user, ECertificate.objects, "organisation")


def get_ecertificate(user: User, code: str) -> ECertificate:
    """The visible certificate with this code, with its level, region and buyer; else NotFound."""
    text = (code or "").strip()
    found = (
        list(
            visible_ecertificates(user)
            .select_related("service_level", "sales_region", "organisation", "asset", "contract")
            .filter(code=text)[:1]
        )
        if 0 < len(text) <= 32
        else []
    )
    if not found:
        raise NotFound(_("No such certificate."))
    return found[0]


def depots(user: User) -> QuerySet[Depot]:
    """Depot coverage (D-2.8) with the areas each depot serves. It is the vendor's own
    data, owned by no customer: staff read it, nobody else."""
    require(user, Capability.SEE_INTERNAL, _("Depot coverage is for the vendor's staff."))
    return Depot.objects.prefetch_related("areas").order_by("name", "id")


def get_depot(user: User, depot_id: int) -> Depot:
    found = depots(user).filter(pk=depot_id).first() if 0 < depot_id < 2**62 else None
    if found is None:
        raise NotFound(_("No such depot."))
    return found


@dataclass
class Coverage:
    """A contract as it bears on one asset."""

    contract_id: str
    ssrn: str
    service_level: ServiceLevel
    starts_on: date
    ends_on: date
    active: bool


@dataclass
class Warranty:
    hardware_until: date | None  # None: no hardware warranty (software product, or no ship date)
    software_until: date | None
    hardware_active: bool
    software_active: bool


@dataclass
class AssetEntitlement:
    """Everything D-2.6 asks about one unit."""

    asset: Asset
    product: Product
    contracts: list[Coverage]
    warranty: Warranty
    eol_announced: bool
    includes_24x7: bool
    technical_cases: bool
    # The best active level's speed, "none" without one; BEST_EFFORT and nothing else while
    # the unit waits for a move to be settled (D-2.8).
    hardware_replacement: str
    best_effort: bool  # D-2.8: hardware replacement best effort until a move is settled
    reasons: list[str] = field(default_factory=list)  # why not entitled
    options: list[str] = field(default_factory=list)  # what the customer can do

    @property
    def active_contracts(self) -> list[Coverage]:
        return [c for c in self.contracts if c.active]


@dataclass
class Entitlement:
    """The answer to one query: by serial number (one asset), by SSRN or contract id (the
    contract and every asset it covers)."""

    query: str
    found_by: str  # "serial", "ssrn" or "contract"
    assets: list[AssetEntitlement]
    contract: Coverage | None = None
    contract_organisation: Organisation | None = None

    @property
    def technical_cases(self) -> bool:
        if self.found_by == "serial":
            return bool(self.assets) and self.assets[0].technical_cases
        # Software support by SSRN or contract: the contract must be active, and the units it
        # covers (if any) not all waiting for reinstatement (D-2.9).
        if self.contract is None or not self.contract.active:
            return False
        return not self.assets or any(a.asset.standing == SupportStanding.GOOD for a in self.assets)


def warranty_of(asset: Asset, product: Product, day: date) -> Warranty:
    """D-2.5: hardware warranty from the ship date for the product's months, software for its days."""
    if asset.ship_date is None:
        return Warranty(None, None, False, False)
    # Twelve months from 1 March run to 28 February; from 29 February, to 28 February too.
    months = product.hw_warranty_months
    hw_until = months_period_end(asset.ship_date, months) if months else None
    # Ninety days count the ship date as the first.
    sw_until = asset.ship_date + timedelta(days=product.sw_warranty_days - 1) if product.sw_warranty_days else None
    return Warranty(
        hardware_until=hw_until,
        software_until=sw_until,
        hardware_active=hw_until is not None and asset.ship_date <= day <= hw_until,
        software_active=sw_until is not None and asset.ship_date <= day <= sw_until,
    )


def _coverage(contract: Contract, day: date) -> Coverage:
    return Coverage(
        contract_id=contract.contract_id,
        ssrn=contract.ssrn or "",
        service_level=contract.service_level,
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
        active=contract.active_on(day),
    )


RENEW = gettext_lazy(
    "Buy or renew a support contract through an authorised partner; the vendor's partner locator lists them."
)
RENEW_THROUGH = gettext_lazy(
    "Buy or renew a support contract through an authorised partner (%(partners)s); "
    "the vendor's partner locator lists them."
)
TIME_AND_MATERIAL = gettext_lazy(
    "Ask Customer Care for time-and-material support: a quote per incident, without a contract."
)
REINSTATE = gettext_lazy(
    "Ask for inspection and reinstatement (an admin case of type Grey Market / Reinstatement); "
    "after it, a support contract can be bought for the unit."
)


def assess(asset: Asset, contracts: list[Coverage], day: date, partner_names: list[str]) -> AssetEntitlement:
    """The entitlement of one asset on ``day`` from the contracts covering it: pure, no queries."""
    product = asset.product
    coverage = sorted(contracts, key=lambda c: (not c.active, -c.ends_on.toordinal()))
    active = [c for c in coverage if c.active]
    warranty = warranty_of(asset, product, day)
    reinstated = asset.standing == SupportStanding.GOOD
    best = max(active, key=lambda c: c.service_level.replacement_rank, default=None)
    reasons: list[str] = []
    options: list[str] = []
    if not reinstated:
        reasons.append(
            _(
                "The unit was bought outside the authorised channel or changed owner: support needs "
                "inspection and reinstatement first."
            )
        )
        options.append(str(REINSTATE))
    entitled = reinstated and (bool(active) or warranty.hardware_active or warranty.software_active)
    if reinstated and not entitled:
        if coverage:
            reasons.append(_("The support contract ended on %(date)s.") % {"date": coverage[0].ends_on.isoformat()})
        else:
            reasons.append(_("No support contract covers the unit."))
        if warranty.hardware_until or warranty.software_until:
            ended = max(d for d in (warranty.hardware_until, warranty.software_until) if d is not None)
            reasons.append(_("The warranty ended on %(date)s.") % {"date": ended.isoformat()})
        elif asset.ship_date is None:
            reasons.append(_("The unit has no recorded ship date, so no warranty can be counted."))
    if not entitled:
        renew = RENEW_THROUGH % {"partners": ", ".join(partner_names)} if partner_names else str(RENEW)
        options += [renew, str(TIME_AND_MATERIAL)]
    replacement = best.service_level.hw_replacement if best and reinstated else HardwareReplacement.NONE.value
    if asset.best_effort and reinstated:
        # D-2.8: the contracted speed is not deliverable at the new site; until the customer
        # accepts the level offered there, best effort is all that is promised.
        replacement = BEST_EFFORT
    return AssetEntitlement(
        asset=asset,
        product=product,
        contracts=coverage,
        warranty=warranty,
        eol_announced=product.eol_announced(day),
        # D-2.4: 24x7 phone and web support comes with an active contract whose level has
        # it (PAR levels never do); a warranty alone does not include it.
        includes_24x7=reinstated and any(c.service_level.includes_24x7 for c in active),
        technical_cases=entitled,
        hardware_replacement=replacement,
        best_effort=asset.best_effort,
        reasons=reasons,
        options=options,
    )


def _contracts_by_asset(asset_ids: list[int], day: date) -> dict[int, list[Coverage]]:
    """The contracts covering each asset, as plain rows (no model objects: this is the hot
    half of every lookup), with their service levels from the catalogue."""
    # Only the owner's own contracts count: a unit that changed hands leaves the old owner's
    # contracts (D-2.9), and a contract of someone else must not show through it.
    rows = (
        CoveredAsset.objects.filter(asset_id__in=asset_ids, contract__organisation_id=F("asset__owner_id"))
        .order_by()
        .values_list(
            "asset_id",
            "contract__contract_id",
            "contract__ssrn",
            "contract__service_level_id",
            "contract__starts_on",
            "contract__ends_on",
        )
    )
    found: dict[int, list[Coverage]] = {pk: [] for pk in asset_ids}
    levels: dict[int, ServiceLevel] | None = None
    for asset_id, contract_id, ssrn, level_id, starts, ends in rows:
        if levels is None:
            levels = _service_levels()
        if level_id not in levels:
            levels = _service_levels(reload=True)
        found[asset_id].append(Coverage(contract_id, ssrn or "", levels[level_id], starts, ends, starts <= day <= ends))
    return found


# The service-level catalogue by id, a per-process snapshot like the request types.
service_levels: Snapshot[dict[int, ServiceLevel]] = Snapshot(
    lambda: {level.pk: level for level in ServiceLevel.objects.order_by()}
)


def _service_levels(*, reload: bool = False) -> dict[int, ServiceLevel]:
    return service_levels.get(reload=reload)


def _partner_names(assets: list[Asset]) -> dict[int, list[str]]:
    """The partners a customer can renew through: the one that sold the unit, else those
    linked to the owner. Asked only for units that are not entitled."""
    owners = {a.owner_id for a in assets}
    linked: dict[int, list[str]] = {pk: [] for pk in owners}
    links = (
        Organisation.customers.through.objects.filter(to_organisation_id__in=owners)
        .select_related("from_organisation")
        .order_by()
    )
    for link in links:
        if link.from_organisation.kind == OrganisationKind.PARTNER:
            linked[link.to_organisation_id].append(link.from_organisation.name)
    names = {}
    for asset in assets:
        sold_by = [asset.partner.name] if asset.partner_id and asset.partner else []
        names[asset.pk] = sold_by or sorted(linked.get(asset.owner_id, []))[:3]
    return names


def _assess_all(assets: list[Asset], day: date) -> list[AssetEntitlement]:
    contracts = _contracts_by_asset([a.pk for a in assets], day)
    first = [assess(a, contracts[a.pk], day, []) for a in assets]
    lacking = [e.asset for e in first if not e.technical_cases]
    if not lacking:
        return first
    names = _partner_names(lacking)
    return [
        assess(a, contracts[a.pk], day, names[a.pk]) if a.pk in names else e for a, e in zip(assets, first, strict=True)
    ]


def entitlement(user: User, text: str, *, kind: str = "") -> Entitlement:
    """D-2.6 for a serial number, an SSRN or a contract id that ``user`` may see. ``kind``
    ("serial", "ssrn", "contract") says which; without it they are tried in that order.
    Anything not visible is NotFound (D-1.3)."""
    query = (text or "").strip()
    if not query or len(query) > QUERY_MAX:
        raise ValidationFailed(
            _("Give a serial number, SSRN or contract id."),
            fields={"q": _("1 to %(n)s characters.") % {"n": QUERY_MAX}},
        )
    if kind not in ("", "serial", "ssrn", "contract"):
        raise ValidationFailed(_("Unknown kind."), fields={"kind": _("serial, ssrn or contract")})
    day = today()
    if kind in ("", "serial") and len(query) <= SERIAL_MAX:
        serial = normalise_serial(query)
        # What every answer shows comes in this one query: the unit, its product, owner and
        # site. (The selling partner is read only for a unit that is not entitled.)
        found = list(
            visible_assets(user).select_related("product", "owner", "site").filter(serial=serial).order_by()[:1]
        )
        if found:
            return Entitlement(query=query, found_by="serial", assets=_assess_all(found, day))
    contracts = visible_contracts(user).select_related("service_level", "organisation")
    contract = None
    found_by = ""
    if kind in ("", "ssrn"):
        contract = contracts.filter(ssrn=query.upper()).first()
        found_by = "ssrn"
    if contract is None and kind in ("", "contract"):
        contract = contracts.filter(contract_id=query).first()
        found_by = "contract"
    if contract is None:
        raise NotFound(_("No unit, SSRN or contract with that number."))
    covered = list(
        visible_assets(user)
        .select_related("product", "owner", "site")
        .filter(coverage__contract=contract)
        .order_by("serial")[:500]
    )
    return Entitlement(
        query=query,
        found_by=found_by,
        assets=_assess_all(covered, day),
        contract=_coverage(contract, day),
        contract_organisation=contract.organisation,
    )


def product_identity(
    user: User, serial: str, ssrn: str, *, organisation_id: int | None = None
) -> tuple[str, str] | None:
    """(product series, platform) for a serial number or SSRN that ``user`` may see (D-3.4),
    of ``organisation_id`` when given; None when neither is known. An SSRN names a product
    when every unit of its contract is of one series and platform."""
    serial = normalise_serial(serial)
    if serial and len(serial) <= SERIAL_MAX:
        assets = visible_assets(user).filter(serial=serial)
        if organisation_id is not None:
            assets = assets.filter(owner_id=organisation_id)
        row = assets.values_list("product__series", "product__platform").first()
        if row is not None:
            return row[0], row[1]
    if ssrn:
        contracts = visible_contracts(user).filter(ssrn=ssrn.strip().upper())
        if organisation_id is not None:
            contracts = contracts.filter(organisation_id=organisation_id)
        rows = set(
            Asset.objects.filter(coverage__contract__in=contracts)
            .values_list("product__series", "product__platform")
            .distinct()[:2]
        )
        if len(rows) == 1:
            return next(iter(rows))
    return None


def technical_case_refusal(user: User, serial: str, ssrn: str, *, organisation_id: int) -> str:
    """Why a technical case (D-3.2) cannot be opened for this serial or SSRN of the
    organisation, or "" when it can: the serial must be entitled (D-2.6), the SSRN's
    software support active."""
    if not serial and not ssrn:
        return _("Technical cases need a serial number or SSRN with active support (contract or warranty).")
    value, kind = (serial, "serial") if serial else (ssrn, "ssrn")
    try:
        answer = entitlement(user, value, kind=kind)
    except NotFound:
        answer = None
    owner = None
    if answer is not None:
        owner = answer.assets[0].asset.owner_id if kind == "serial" else answer.contract_organisation.pk  # type: ignore[union-attr]
    if answer is None or owner != organisation_id:
        if kind == "serial":
            return _("No unit with serial number %(value)s is registered to this organisation.") % {"value": value}
        return _("No software support reference number %(value)s is registered to this organisation.") % {
            "value": value
        }
    if answer.technical_cases:
        return ""
    if kind == "serial":
        item = answer.assets[0]
        return " ".join([*item.reasons, *item.options])
    return _("The software support contract of this SSRN is not active.") + " " + str(RENEW)


def organisation_proved_by_contract(proof: str) -> Organisation | None:
    """The organisation of the contract with this id (or SSRN), for registration step 3
    (D-1.4); never a government customer, whose accounts a care agent approves."""
    text = (proof or "").strip()
    if not text or len(text) > QUERY_MAX:
        return None
    contract = (
        Contract.objects.select_related("organisation")
        .filter(organisation__government=False)
        .filter(models.Q(contract_id=text) | models.Q(ssrn=text.upper()))
        .first()
    )
    return contract.organisation if contract else None


def offers_of_case(reference: str) -> QuerySet[ServiceLevelOffer]:
    """The service levels offered after the move of this case (D-2.8); the caller has
    checked that the case is visible."""
    return (
        ServiceLevelOffer.objects.filter(reference=reference)
        .select_related("contract", "asset", "from_level", "offered_level")
        .order_by("created_at", "id")
    )

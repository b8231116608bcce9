"""Every change to contracts and e-certificates (D-2.4, D-2.7): one function per use
case, one transaction each, recorded in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, acts_for, owner_scope, require
from caredesk.accounts.models import Organisation, OrganisationKind, Site, User
from caredesk.core import audit
from caredesk.core.clock import months_period_end, now
from caredesk.core.errors import Conflict, NotFound, ValidationFailed
from caredesk.core.geography import is_continental_us, is_eu
from caredesk.core.validation import clean_text
from caredesk.entitlements.models import (
    Contract,
    CoveredAsset,
    Depot,
    DepotArea,
    ECertificate,
    ECertificateStatus,
    HardwareReplacement,
    OfferStatus,
    SalesRegion,
    ServiceLevel,
    ServiceLevelOffer,
    area_errors,
    postal_key,
)
from caredesk.entitlements.queries import visible_ecertificates
from caredesk.installbase.models import Asset, SupportStanding
from caredesk.installbase.queries import normalise_serial, today, visible_assets

ID_MAX = 32


def _ensure_staff(actor: User | None) -> None:
    """Contracts are changed by Customer Care and licensing (``None``: the system)."""
    if actor is not None:
        require(actor, Capability.MANAGE_CONTRACTS)


def _identifier(value: str, name: str) -> str:
    text = (value or "").strip()
    if not text or len(text) > ID_MAX or any(c.isspace() for c in text):
        messages = {
            "contract_id": _("Not a valid contract id."),
            "ssrn": _("Not a valid SSRN."),
            "code": _("Not a valid code."),
        }
        raise ValidationFailed(messages[name], fields={name: _("1 to %(n)s, no spaces.") % {"n": ID_MAX}})
    return text


@dataclass
class NewContract:
    contract_id: str
    organisation: Organisation
    service_level: ServiceLevel
    starts_on: date
    ends_on: date
    assets: list[Asset] = field(default_factory=list)
    ssrn: str = ""
    sold_by: Organisation | None = None


@transaction.atomic
def create_contract(data: NewContract, *, actor: User | None = None) -> Contract:
    """A support contract over some of the organisation's assets (D-2.4)."""
    _ensure_staff(actor)
    errors: dict[str, str] = {}
    contract_id = _identifier(data.contract_id, "contract_id")
    # SSRNs are compared upper-case, like serial numbers: customers type them either way.
    ssrn = _identifier(data.ssrn, "ssrn").upper() if data.ssrn else None
    if data.ends_on < data.starts_on:
        errors["ends_on"] = _("Not before the start.")
    if data.organisation.kind == OrganisationKind.VENDOR:
        errors["organisation"] = _("Contracts are for customers and partners.")
    if data.sold_by is not None and data.sold_by.kind != OrganisationKind.PARTNER:
        errors["sold_by"] = _("Not an authorised partner.")
    strangers = [a.serial for a in data.assets if a.owner_id != data.organisation.pk]
    if strangers:
        errors["assets"] = _("Not the organisation's: %(serials)s.") % {"serials": ", ".join(strangers[:5])}
    grey = [a.serial for a in data.assets if a.standing != SupportStanding.GOOD]
    if grey:  # D-2.9: a contract only after inspection and reinstatement
        errors["assets"] = _("Need inspection and reinstatement first: %(serials)s.") % {"serials": ", ".join(grey[:5])}
    if errors:
        raise ValidationFailed(_("The contract could not be created."), fields=errors)
    if Contract.objects.filter(contract_id=contract_id).exists():
        raise Conflict(_("A contract with this id exists already."))
    if ssrn and Contract.objects.filter(ssrn=ssrn).exists():
        raise Conflict(_("A contract with this SSRN exists already."))
    contract = Contract.objects.create(
        contract_id=contract_id,
        organisation=data.organisation,
        service_level=data.service_level,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        ssrn=ssrn,
        sold_by=data.sold_by,
    )
    CoveredAsset.objects.bulk_create([CoveredAsset(contract=contract, asset=a) for a in data.assets])
    audit.record(
        contract,
        "created",
        actor,
        {"service_level": data.service_level.code, "assets": [a.serial for a in data.assets][:100]},
    )
    return contract


def end_coverage_of(asset: Asset) -> list[str]:
    """Take the unit out of every contract (its owner changed, D-2.9), and withdraw the
    service levels still offered for it; the contract ids."""
    rows = CoveredAsset.objects.filter(asset=asset)
    ended = list(rows.values_list("contract__contract_id", flat=True))
    rows.delete()
    ServiceLevelOffer.objects.filter(asset=asset, status=OfferStatus.PENDING).delete()
    return ended


def cover_replacement(defective: Asset, replacement: Asset) -> list[str]:
    """The contracts that covered ``defective`` cover ``replacement`` instead (an RMA's
    replacement takes the defective unit's place); the contract ids. Called inside the
    caller's transaction."""
    rows = CoveredAsset.objects.filter(asset=defective)
    contract_ids = list(rows.values_list("contract_id", flat=True))
    CoveredAsset.objects.bulk_create([CoveredAsset(contract_id=c, asset=replacement) for c in contract_ids])
    moved = list(
        Contract.objects.filter(pk__in=contract_ids).order_by("contract_id").values_list("contract_id", flat=True)
    )
    rows.delete()
    return moved


# --- support e-certificates (D-2.7) ---------------------------------------------------------


def coverage_start(received_on: date, activated_on: date) -> date:
    """D-2.7: coverage starts on the earlier of receipt + 30 days (setting) and activation."""
    return min(received_on + timedelta(days=settings.ECERT_GRACE_DAYS), activated_on)


def ecertificate_refusal(certificate: ECertificate, asset: Asset) -> dict[str, str]:
    """Why ``certificate`` cannot be activated for ``asset`` ({} when it can): the asset
    must be the buyer's, at a site in the region where the certificate was bought, and for
    a next-day certificate in the continental USA or an EU member state."""
    if asset.owner_id != certificate.organisation_id:
        return {"serial": _("The unit does not belong to the organisation that bought the certificate.")}
    if asset.standing != SupportStanding.GOOD:
        return {"serial": _("The unit needs inspection and reinstatement before it can have a support contract.")}
    site = asset.site
    if site is None:
        return {"serial": _("The unit has no site, so its region cannot be checked. Update the installed base first.")}
    region: SalesRegion = certificate.sales_region
    if site.country.upper() not in {c.upper() for c in region.countries}:
        return {
            "serial": _(
                "The certificate was bought in %(region)s and is valid only there; the unit's site is in %(country)s."
            )
            % {"region": region.name, "country": site.country}
        }
    if certificate.next_day:
        continental = is_continental_us(site.country, site.subdivision)
        if continental is None:
            return {"serial": _("Next-day certificates need the US state of the site; add it to the site first.")}
        if not (continental or is_eu(site.country)):
            return {
                "serial": _(
                    "A next-day certificate is valid only for sites in the continental USA or an EU member state."
                )
            }
    return {}


@transaction.atomic
def activate_ecertificate(actor: User, code: str, serial: str) -> Contract:
    """The customer activates a certificate for one of its units (D-2.7): it becomes a
    contract covering the unit, from the coverage start for the certificate's term."""
    require(actor, Capability.ACTIVATE_ECERTIFICATES)
    certificate = (
        visible_ecertificates(actor)
        .select_for_update(of=("self",))
        .select_related("service_level", "sales_region", "organisation")
        .filter(code=(code or "").strip())
        .first()
    )
    if certificate is None:
        raise NotFound(_("No such certificate."))
    if certificate.status == ECertificateStatus.ACTIVATED:
        raise Conflict(_("This certificate is activated already."))
    asset = visible_assets(actor).select_related("site").filter(serial=normalise_serial(serial)).first()
    if asset is None:
        raise ValidationFailed(_("No such unit."), fields={"serial": _("Not a serial number you can see.")})
    refusal = ecertificate_refusal(certificate, asset)
    if refusal:
        raise ValidationFailed(_("The certificate cannot be activated for this unit."), fields=refusal)
    activated = today()
    start = coverage_start(certificate.received_on, activated)
    end = months_period_end(start, certificate.term_months)
    contract_id = f"E-{certificate.code}" if len(certificate.code) <= ID_MAX - 2 else f"E-{certificate.pk}"
    if Contract.objects.filter(contract_id=contract_id).exists():
        raise Conflict(
            _("A contract %(id)s exists already; ask Customer Care to activate this certificate.") % {"id": contract_id}
        )
    contract = Contract.objects.create(
        contract_id=contract_id,
        organisation=certificate.organisation,
        service_level=certificate.service_level,
        starts_on=start,
        ends_on=end,
    )
    CoveredAsset.objects.create(contract=contract, asset=asset)
    certificate.status = ECertificateStatus.ACTIVATED
    certificate.activated_on = activated
    certificate.asset = asset
    certificate.contract = contract
    certificate.save(update_fields=["status", "activated_on", "asset", "contract"])
    audit.record(
        certificate,
        "activated",
        actor,
        {"serial": asset.serial, "contract": contract.contract_id, "starts_on": start.isoformat()},
    )
    audit.record(contract, "created", actor, {"from_ecertificate": certificate.code, "assets": [asset.serial]})
    return contract


# --- depot coverage after a move (D-2.8) ----------------------------------------------------


def deliverable_replacements(site: Site) -> set[str]:
    """The hardware-replacement speeds some depot delivers at ``site``: a depot serves it
    when one of its areas holds the site (its country, or the part of it named by a
    subdivision or postal-code prefix). Return to factory needs no depot and is
    deliverable everywhere."""
    country = (site.country or "").upper()
    speeds = {HardwareReplacement.RETURN_TO_FACTORY.value, HardwareReplacement.NONE.value}
    for area in DepotArea.objects.filter(country=country).select_related("depot"):
        if area.covers(country, site.subdivision, site.postal_code):
            speeds.update(area.depot.replacements)
    return speeds


def depot_delivering(site: Site, speed: str) -> Depot | None:
    """The depot that delivers hardware replacement at ``speed`` to ``site`` (D-2.8), by
    name when several do; None when none does."""
    country = (site.country or "").upper()
    areas = DepotArea.objects.filter(country=country).select_related("depot").order_by("depot__name", "depot_id")
    for area in areas:
        if speed in area.depot.replacements and area.covers(country, site.subdivision, site.postal_code):
            return area.depot
    return None


def best_deliverable_level(level: ServiceLevel, site: Site) -> ServiceLevel | None:
    """None when ``level`` can be delivered at ``site``; otherwise the best level of the
    catalogue that can (D-2.8), preferring one like ``level`` in its other terms."""
    speeds = deliverable_replacements(site)
    if level.hw_replacement in speeds:
        return None
    # A level that replaces hardware is replaced by one that does; "none" is software only.
    deliverable = [
        c
        for c in ServiceLevel.objects.all()
        if c.hw_replacement in speeds and c.pk != level.pk and c.hw_replacement != HardwareReplacement.NONE
    ]
    # Preferably a move adds no support the contract did not have: no 24x7 for a level
    # without it (so PAR stays without it, D-2.4), no software support it lacked, and PAR
    # stays PAR. Where the catalogue has no such level, the best deliverable one is still
    # offered: the rule is that the customer is offered what can be delivered there.
    alike = [
        c
        for c in deliverable
        if c.par == level.par
        and (level.includes_24x7 or not c.includes_24x7)
        and (level.software_support or not c.software_support)
    ]
    candidates = alike or deliverable
    if not candidates:
        return None

    def fit(candidate: ServiceLevel) -> tuple[int, int, str]:
        same = sum(
            getattr(candidate, name) == getattr(level, name) for name in ("includes_24x7", "software_support", "par")
        )
        return (candidate.replacement_rank, same, candidate.code)

    return max(candidates, key=fit)


def offer_after_move(
    actor: User, contract: Contract, asset: Asset, site: Site, reference: str
) -> ServiceLevelOffer | None:
    """After ``asset`` moved to ``site``: nothing when its contract's level is delivered
    there; otherwise an offer of the best level that is, and best-effort replacement until
    the customer accepts (D-2.8). Inside the caller's transaction."""
    # Whatever was offered for an earlier move no longer applies.
    ServiceLevelOffer.objects.filter(contract=contract, asset=asset, status=OfferStatus.PENDING).delete()
    if contract.service_level.hw_replacement in deliverable_replacements(site):
        if not ServiceLevelOffer.objects.filter(asset=asset, status=OfferStatus.PENDING).exists():
            Asset.objects.filter(pk=asset.pk).update(best_effort=False)
        return None
    offered = best_deliverable_level(contract.service_level, site)
    if offered is None:
        # Nothing in the catalogue is like it and deliverable there: best effort until
        # Customer Care agrees a new contract with the customer.
        Asset.objects.filter(pk=asset.pk).update(best_effort=True)
        audit.record(
            contract,
            "service_level_not_deliverable",
            actor,
            {
                "asset": asset.serial,
                "level": contract.service_level.code,
                "site": site.code,
                "country": site.country,
                "reference": reference,
            },
        )
        return None
    offer = ServiceLevelOffer.objects.create(
        contract=contract, asset=asset, from_level=contract.service_level, offered_level=offered, reference=reference
    )
    Asset.objects.filter(pk=asset.pk).update(best_effort=True)
    audit.record(
        contract,
        "service_level_offered",
        actor,
        {"asset": asset.serial, "from": contract.service_level.code, "offered": offered.code, "reference": reference},
    )
    return offer


@transaction.atomic
def accept_offer(actor: User, offer_id: int) -> ServiceLevelOffer:
    """The customer accepts: the contract takes the offered level, and the unit's hardware
    replacement is no longer best effort (D-2.8)."""
    require(actor, Capability.ACCEPT_SERVICE_LEVELS)
    offer = (
        ServiceLevelOffer.objects.select_for_update(of=("self",))
        .select_related("contract", "offered_level", "asset")
        .filter(pk=offer_id)
        .first()
    )
    if offer is None or not acts_for(actor, offer.contract.organisation_id):
        raise NotFound(_("No such offer."))
    if offer.status != OfferStatus.PENDING:
        raise Conflict(_("This offer is answered already."))
    contract = Contract.objects.select_for_update().get(pk=offer.contract_id)
    before = contract.service_level.code
    contract.service_level = offer.offered_level
    contract.save(update_fields=["service_level"])
    offer.status = OfferStatus.ACCEPTED
    offer.decided_at = now()
    offer.decided_by = actor
    offer.save(update_fields=["status", "decided_at", "decided_by"])
    if not ServiceLevelOffer.objects.filter(asset=offer.asset, status=OfferStatus.PENDING).exists():
        Asset.objects.filter(pk=offer.asset_id).update(best_effort=False)
    audit.record(
        contract,
        "service_level_changed",
        actor,
        {"service_level": [before, offer.offered_level.code], "offer": offer.pk, "reference": offer.reference},
    )
    return offer


# --- issuing support e-certificates (D-2.7) -------------------------------------------------

TERM_MONTHS_MAX = 120


@dataclass
class NewECertificate:
    """A certificate sold to a customer, to be activated later for one of its units."""

    code: str
    organisation_id: int
    service_level: str  # catalogue code
    sales_region: str  # code of the region where it was bought
    received_on: date | None = None  # default: today
    term_months: int = 12


@transaction.atomic
def issue_ecertificate(actor: User, data: NewECertificate) -> ECertificate:
    """Issue a support e-certificate (D-2.7): who bought it, where (its sales region, the
    only one it can be activated in), which service level for how long, and when the
    customer received it (coverage starts 30 days later at the latest). Every bad field
    at once; nothing is written unless all are right."""
    require(actor, Capability.ISSUE_ECERTIFICATES)
    errors: dict[str, str] = {}
    code = ""
    try:
        code = _identifier(data.code, "code")
    except ValidationFailed as exc:
        errors.update(exc.fields)
    # Only an organisation the issuer may see (D-1.3); one out of sight reads as unknown.
    organisation = owner_scope(actor, Organisation.objects, "").filter(pk=data.organisation_id).first()
    if organisation is None:
        errors["organisation_id"] = _("No such organisation.")
    elif organisation.kind == OrganisationKind.VENDOR:
        errors["organisation_id"] = _("Certificates are sold to customers and partners.")
    level = ServiceLevel.objects.filter(code=(data.service_level or "").strip()).first()
    if level is None:
        errors["service_level"] = _("Not a service level of the catalogue.")
    region = SalesRegion.objects.filter(code=(data.sales_region or "").strip()).first()
    if region is None:
        errors["sales_region"] = _("Not a sales region.")
    received = data.received_on or today()
    if received > today():
        errors["received_on"] = _("The customer cannot have received it in the future.")
    if isinstance(data.term_months, bool) or not 1 <= data.term_months <= TERM_MONTHS_MAX:
        errors["term_months"] = _("From 1 to %(most)d months.") % {"most": TERM_MONTHS_MAX}
    if errors:
        raise ValidationFailed(_("The certificate could not be issued."), fields=errors)
    assert organisation is not None and level is not None and region is not None
    if ECertificate.objects.filter(code=code).exists():
        raise Conflict(_("A certificate with this code exists already."))
    certificate = ECertificate.objects.create(
        code=code,
        organisation=organisation,
        service_level=level,
        sales_region=region,
        term_months=data.term_months,
        received_on=received,
    )
    audit.record(
        certificate,
        "issued",
        actor,
        {
            "organisation": organisation.pk,
            "service_level": level.code,
            "sales_region": region.code,
            "term_months": data.term_months,
            "received_on": received.isoformat(),
        },
    )
    return certificate


# --- depot maintenance (D-2.8) --------------------------------------------------------------

# The speeds a depot can deliver: return to factory needs no depot, "none" is no speed.
DEPOT_SPEEDS = (HardwareReplacement.SAME_DAY_4H.value, HardwareReplacement.NEXT_BUSINESS_DAY.value)
DEPOT_AREAS_MAX = 500


@dataclass
class Area:
    """A country, or part of one (ISO 3166-2 subdivision, postal-code prefix)."""

    country: str
    subdivision: str = ""
    postal_prefix: str = ""


@dataclass
class DepotData:
    name: str
    areas: list[Area]
    replacements: list[str]


def _depot_fields(data: DepotData, *, exclude: int | None = None) -> tuple[str, list[Area], list[str]]:
    """The depot's fields checked and normalised, or every error at once."""
    errors: dict[str, str] = {}
    name = ""
    try:
        name = clean_text(data.name, field="name", max_length=100)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    areas: list[Area] = []
    seen: set[tuple[str, str, str]] = set()
    if not data.areas:
        errors["areas"] = _("Name at least one country or part of a country.")
    elif len(data.areas) > DEPOT_AREAS_MAX:
        errors["areas"] = _("At most %(most)d areas.") % {"most": DEPOT_AREAS_MAX}
    else:
        for n, area in enumerate(data.areas):
            country = (area.country or "").strip().upper()
            subdivision = (area.subdivision or "").strip().upper()
            prefix = postal_key(area.postal_prefix)
            for key, problem in area_errors(country, subdivision, prefix).items():
                errors[f"areas.{n}.{key}"] = problem
            if (country, subdivision, prefix) in seen:
                errors[f"areas.{n}"] = _("Named twice.")
            seen.add((country, subdivision, prefix))
            areas.append(Area(country, subdivision, prefix))
    speeds = list(dict.fromkeys(str(s) for s in data.replacements))
    if not speeds or any(s not in DEPOT_SPEEDS for s in speeds):
        errors["replacements"] = _("One or both of: %(speeds)s.") % {"speeds": ", ".join(DEPOT_SPEEDS)}
    if errors:
        raise ValidationFailed(_("The depot could not be saved."), fields=errors)
    same_name = Depot.objects.filter(name__iexact=name)
    if exclude is not None:
        same_name = same_name.exclude(pk=exclude)
    if same_name.exists():
        raise Conflict(_("A depot with this name exists already."))
    return name, areas, [s for s in DEPOT_SPEEDS if s in speeds]


def _area_list(depot: Depot) -> list[str]:
    return [str(a) for a in depot.areas.order_by("country", "subdivision", "postal_prefix")]


def _set_areas(depot: Depot, areas: list[Area]) -> None:
    depot.areas.all().delete()
    DepotArea.objects.bulk_create(
        DepotArea(depot=depot, country=a.country, subdivision=a.subdivision, postal_prefix=a.postal_prefix)
        for a in areas
    )


@transaction.atomic
def create_depot(actor: User, data: DepotData) -> Depot:
    """A depot, the areas it serves and the speeds it delivers there (D-2.8). Units moved
    later are offered levels by the new coverage; units moved before keep their offers."""
    require(actor, Capability.MANAGE_DEPOTS)
    name, areas, speeds = _depot_fields(data)
    depot = Depot.objects.create(name=name, replacements=speeds)
    _set_areas(depot, areas)
    audit.record(depot, "created", actor, {"name": name, "areas": _area_list(depot), "replacements": speeds})
    return depot


def _locked_depot(depot_id: int) -> Depot:
    depot = Depot.objects.select_for_update().filter(pk=depot_id).first() if 0 < depot_id < 2**62 else None
    if depot is None:
        raise NotFound(_("No such depot."))
    return depot


@transaction.atomic
def change_depot(actor: User, depot_id: int, data: DepotData) -> Depot:
    """Replace a depot's name, areas and speeds; the history keeps what they were."""
    require(actor, Capability.MANAGE_DEPOTS)
    depot = _locked_depot(depot_id)
    name, areas, speeds = _depot_fields(data, exclude=depot.pk)
    before = {"name": depot.name, "areas": _area_list(depot), "replacements": list(depot.replacements)}
    depot.name, depot.replacements = name, speeds
    depot.save(update_fields=["name", "replacements"])
    _set_areas(depot, areas)
    after = {"name": name, "areas": _area_list(depot), "replacements": speeds}
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changes:
        audit.record(depot, "changed", actor, changes)
    return depot


@transaction.atomic
def remove_depot(actor: User, depot_id: int) -> None:
    """Take a depot out of the coverage data; its history stays in the audit trail."""
    require(actor, Capability.MANAGE_DEPOTS)
    depot = _locked_depot(depot_id)
    audit.record(depot, "removed", actor, {"name": depot.name, "areas": _area_list(depot)})
    depot.delete()

"""Every change to contracts and e-certificates (D-2.4, D-2.7): one function per use
case, one transaction each, recorded in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction

from caredesk.accounts.models import Organisation, OrganisationKind, User
from caredesk.core import audit
from caredesk.core.clock import add_months_to_date
from caredesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caredesk.core.geography import is_continental_us, is_eu
from caredesk.entitlements.models import (
    Contract,
    CoveredAsset,
    ECertificate,
    ECertificateStatus,
    SalesRegion,
    ServiceLevel,
)
from caredesk.entitlements.queries import visible_ecertificates
from caredesk.installbase.models import Asset
from caredesk.installbase.queries import normalise_serial, today, visible_assets

ID_MAX = 32


def _ensure_staff(actor: User | None) -> None:
    if actor is not None and not actor.is_vendor_staff:
        raise Forbidden("Only the vendor's staff can change contracts.")


def _identifier(value: str, name: str) -> str:
    text = (value or "").strip()
    if not text or len(text) > ID_MAX or any(c.isspace() for c in text):
        raise ValidationFailed(f"Not a valid {name.replace('_', ' ')}.", fields={name: f"1 to {ID_MAX}, no spaces."})
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
    ssrn = _identifier(data.ssrn, "ssrn") if data.ssrn else None
    if data.ends_on < data.starts_on:
        errors["ends_on"] = "Not before the start."
    if data.organisation.kind == OrganisationKind.VENDOR:
        errors["organisation"] = "Contracts are for customers and partners."
    if data.sold_by is not None and data.sold_by.kind != OrganisationKind.PARTNER:
        errors["sold_by"] = "Not an authorised partner."
    strangers = [a.serial for a in data.assets if a.owner_id != data.organisation.pk]
    if strangers:
        errors["assets"] = f"Not the organisation's: {', '.join(strangers[:5])}."
    if errors:
        raise ValidationFailed("The contract could not be created.", fields=errors)
    if Contract.objects.filter(contract_id=contract_id).exists():
        raise Conflict("A contract with this id exists already.")
    if ssrn and Contract.objects.filter(ssrn=ssrn).exists():
        raise Conflict("A contract with this SSRN exists already.")
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


# --- support e-certificates (D-2.7) ---------------------------------------------------------


def coverage_start(received_on: date, activated_on: date) -> date:
    """D-2.7: coverage starts on the earlier of receipt + 30 days (setting) and activation."""
    return min(received_on + timedelta(days=settings.ECERT_GRACE_DAYS), activated_on)


def ecertificate_refusal(certificate: ECertificate, asset: Asset) -> dict[str, str]:
    """Why ``certificate`` cannot be activated for ``asset`` ({} when it can): the asset
    must be the buyer's, at a site in the region where the certificate was bought, and for
    a next-day certificate in the continental USA or an EU member state."""
    if asset.owner_id != certificate.organisation_id:
        return {"serial": "The unit does not belong to the organisation that bought the certificate."}
    site = asset.site
    if site is None:
        return {"serial": "The unit has no site, so its region cannot be checked. Update the installed base first."}
    region: SalesRegion = certificate.sales_region
    if site.country.upper() not in {c.upper() for c in region.countries}:
        return {
            "serial": f"The certificate was bought in {region.name} and is valid only there; "
            f"the unit's site is in {site.country}."
        }
    if certificate.next_day:
        continental = is_continental_us(site.country, site.subdivision)
        if continental is None:
            return {"serial": "Next-day certificates need the US state of the site; add it to the site first."}
        if not (continental or is_eu(site.country)):
            return {
                "serial": "A next-day certificate is valid only for sites in the continental USA or an EU member state."
            }
    return {}


@transaction.atomic
def activate_ecertificate(actor: User, code: str, serial: str) -> Contract:
    """The customer activates a certificate for one of its units (D-2.7): it becomes a
    contract covering the unit, from the coverage start for the certificate's term."""
    certificate = (
        visible_ecertificates(actor)
        .select_for_update(of=("self",))
        .select_related("service_level", "sales_region", "organisation")
        .filter(code=(code or "").strip())
        .first()
    )
    if certificate is None:
        raise NotFound("No such certificate.")
    if certificate.status == ECertificateStatus.ACTIVATED:
        raise Conflict("This certificate is activated already.")
    asset = visible_assets(actor).select_related("site").filter(serial=normalise_serial(serial)).first()
    if asset is None:
        raise ValidationFailed("No such unit.", fields={"serial": "Not a serial number you can see."})
    refusal = ecertificate_refusal(certificate, asset)
    if refusal:
        raise ValidationFailed("The certificate cannot be activated for this unit.", fields=refusal)
    activated = today()
    start = coverage_start(certificate.received_on, activated)
    end = add_months_to_date(start, certificate.term_months) - timedelta(days=1)
    contract = Contract.objects.create(
        contract_id=f"E-{certificate.code}"[:ID_MAX],
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

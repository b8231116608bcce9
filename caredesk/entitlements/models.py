"""What covers a unit (D-2.4 – D-2.8): service levels, support contracts and the assets
they cover, software support reference numbers, support e-certificates, sales regions
and the depots that deliver hardware replacement."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from caredesk.accounts.models import Organisation
from caredesk.core.clock import now
from caredesk.core.geography import is_country
from caredesk.core.labels import NAMES_HELP, check_names, in_language
from caredesk.installbase.models import Asset


class HardwareReplacement(models.TextChoices):
    """How fast a defective unit is replaced, best first (``rank`` orders them)."""

    SAME_DAY_4H = "same_day_4h", _("Same day, 4 hours")
    NEXT_BUSINESS_DAY = "next_business_day", _("Next business day")
    RETURN_TO_FACTORY = "return_to_factory", _("Return to factory")
    NONE = "none", _("No hardware replacement")


REPLACEMENT_RANK = {
    HardwareReplacement.SAME_DAY_4H: 3,
    HardwareReplacement.NEXT_BUSINESS_DAY: 2,
    HardwareReplacement.RETURN_TO_FACTORY: 1,
    HardwareReplacement.NONE: 0,
}


class ServiceLevel(models.Model):
    """A support offering from the catalogue (D-2.4). *PAR* levels never include 24x7
    phone and web support; the database refuses the combination."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    names = models.JSONField(default=dict, blank=True, validators=[check_names], help_text=NAMES_HELP)
    hw_replacement = models.CharField(
        "hardware replacement", max_length=24, choices=HardwareReplacement.choices, default=HardwareReplacement.NONE
    )
    includes_24x7 = models.BooleanField("24x7 phone and web support", default=False)
    software_support = models.BooleanField(default=True, help_text="Software updates and downloads (D-6.4)")
    par = models.BooleanField("PAR", default=False, help_text="Partner-delivered support: never 24x7")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(par=True, includes_24x7=True), name="service_level_par_not_24x7")
        ]

    def __str__(self) -> str:
        return self.name

    def label(self) -> str:
        """The name in the active language (D-7.5), or the English one."""
        return in_language(self.name, self.names)

    @property
    def replacement_rank(self) -> int:
        return REPLACEMENT_RANK[HardwareReplacement(self.hw_replacement)]


class Contract(models.Model):
    """A support contract (D-2.4): one service level for the assets it covers, from
    ``starts_on`` to ``ends_on`` inclusive. A contract with an ``ssrn`` is software-only
    support identified by that software support reference number."""

    contract_id = models.CharField("contract id", max_length=32, unique=True)
    service_level = models.ForeignKey(ServiceLevel, on_delete=models.PROTECT, related_name="contracts")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="contracts")
    starts_on = models.DateField()
    ends_on = models.DateField()
    ssrn = models.CharField("SSRN", max_length=32, unique=True, null=True, blank=True)
    sold_by = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="sold_contracts"
    )
    assets: models.ManyToManyField[Asset, CoveredAsset] = models.ManyToManyField(
        Asset, through="CoveredAsset", related_name="contracts"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["contract_id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="contract_dates")
        ]

    def __str__(self) -> str:
        return self.contract_id

    def active_on(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class CoveredAsset(models.Model):
    """An asset under a contract."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="coverage")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="coverage")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["asset", "contract"], name="covered_asset_unique")]

    def __str__(self) -> str:
        return f"{self.asset_id} under {self.contract_id}"

    def clean(self) -> None:
        # The admin site's contract page adds units by id: only the contract holder's own.
        if self.asset_id and self.contract_id and self.asset.owner_id != self.contract.organisation_id:
            raise ValidationError({"asset": _("The unit belongs to another organisation than the contract.")})


class SalesRegion(models.Model):
    """A region the vendor sells in (D-2.7: an e-certificate is valid only in the region
    where it was bought). Data, with the countries it holds."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    countries = models.JSONField(default=list, help_text="ISO 3166 alpha-2 codes")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ECertificateStatus(models.TextChoices):
    ISSUED = "issued", _("Issued, not activated")
    ACTIVATED = "activated", _("Activated")


class ECertificate(models.Model):
    """A support contract sold as a certificate that the customer activates (D-2.7). On
    activation it becomes a ``Contract`` whose coverage starts on the earlier of receipt
    + 30 days and the activation date, for ``term_months``."""

    code = models.CharField(max_length=32, unique=True)
    service_level = models.ForeignKey(ServiceLevel, on_delete=models.PROTECT, related_name="ecertificates")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="ecertificates")
    sales_region = models.ForeignKey(SalesRegion, on_delete=models.PROTECT, related_name="ecertificates")
    term_months = models.PositiveSmallIntegerField(default=12)
    received_on = models.DateField()
    status = models.CharField(max_length=16, choices=ECertificateStatus.choices, default=ECertificateStatus.ISSUED)
    activated_on = models.DateField(null=True, blank=True)
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.PROTECT, related_name="ecertificates")
    contract = models.OneToOneField(
        Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="ecertificate"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    @property
    def next_day(self) -> bool:
        """A *next-day* certificate (D-2.7): valid only in the continental USA and the EU."""
        return self.service_level.hw_replacement == HardwareReplacement.NEXT_BUSINESS_DAY


class Depot(models.Model):
    """A spares depot (D-2.8): the areas it serves (``DepotArea``: countries or parts of
    them) and the replacement speeds it can deliver there. A site is covered at a level
    when some depot serving one of its areas delivers that speed."""

    name = models.CharField(max_length=100)
    replacements = models.JSONField(default=list, help_text="Hardware replacement speeds it delivers")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


SUBDIVISION_RE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")  # ISO 3166-2, e.g. US-CA, DE-BY, GB-LND
POSTAL_PREFIX_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,9}$")


def postal_key(code: str) -> str:
    """A postal code as areas compare it: capitals, without spaces ("sw1a 1aa" -> "SW1A1AA")."""
    return "".join((code or "").split()).upper()


class DepotArea(models.Model):
    """Where a depot serves (D-2.8): a whole country, one of its subdivisions (ISO 3166-2),
    or the part of a country whose postal codes start with a prefix, where subdivisions
    are too coarse. With both a subdivision and a prefix, a site must match both."""

    depot = models.ForeignKey(Depot, on_delete=models.CASCADE, related_name="areas")
    country = models.CharField(max_length=2, help_text="ISO 3166 alpha-2, e.g. DE")
    subdivision = models.CharField(max_length=6, blank=True, help_text="ISO 3166-2 code, e.g. US-CA; empty: all")
    postal_prefix = models.CharField(
        max_length=10, blank=True, help_text="Postal codes starting with this, spaces ignored; empty: all"
    )

    class Meta:
        ordering = ["country", "subdivision", "postal_prefix"]
        constraints = [
            models.UniqueConstraint(
                fields=["depot", "country", "subdivision", "postal_prefix"], name="depot_area_unique"
            )
        ]
        # Deliverability reads the areas of one country (entitlements.services).
        indexes = [models.Index(fields=["country"], name="depot_area_country_idx")]

    def __str__(self) -> str:
        part = self.subdivision or self.country
        return f"{part} {self.postal_prefix}*" if self.postal_prefix else part

    def covers(self, country: str, subdivision: str, postal_code: str) -> bool:
        """Whether a site in ``country`` (its subdivision and postal code) lies in this area."""
        if (country or "").upper() != self.country:
            return False
        if self.subdivision and (subdivision or "").strip().upper() != self.subdivision:
            return False
        return not self.postal_prefix or postal_key(postal_code).startswith(self.postal_prefix)

    def clean(self) -> None:
        # The admin site's inline: the same rules as the depot services.
        self.country = (self.country or "").strip().upper()
        self.subdivision = (self.subdivision or "").strip().upper()
        self.postal_prefix = postal_key(self.postal_prefix)
        errors = area_errors(self.country, self.subdivision, self.postal_prefix)
        if errors:
            raise ValidationError(errors)


def area_errors(country: str, subdivision: str, postal_prefix: str) -> dict[str, str]:
    """What is wrong with an area given in capitals ({} when nothing is)."""
    errors: dict[str, str] = {}
    if not is_country(country):
        errors["country"] = str(_("An ISO 3166 country code, such as DE or US."))
    if subdivision and (not SUBDIVISION_RE.match(subdivision) or subdivision[:2] != country):
        errors["subdivision"] = str(_("An ISO 3166-2 code of a part of that country, such as US-CA."))
    if postal_prefix and not POSTAL_PREFIX_RE.match(postal_prefix):
        errors["postal_prefix"] = str(_("The start of a postal code: letters, digits and dashes, at most 10."))
    return errors


class OfferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the customer")
    ACCEPTED = "accepted", _("Accepted")


class ServiceLevelOffer(models.Model):
    """After a move to a site no depot serves at the contracted level (D-2.8): the best
    level that can be delivered there, offered to the customer. Until it is accepted the
    unit's hardware replacement is best effort; on acceptance the contract changes."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="offers")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="service_level_offers")
    from_level = models.ForeignKey(ServiceLevel, on_delete=models.PROTECT, related_name="+")
    offered_level = models.ForeignKey(ServiceLevel, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=OfferStatus.choices, default=OfferStatus.PENDING)
    reference = models.CharField(max_length=40, blank=True, help_text="The case of the installed-base update")
    created_at = models.DateTimeField(default=now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.offered_level} for {self.contract_id}"

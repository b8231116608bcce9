"""The installed base (D-2.1 – D-2.3, D-2.9): the product catalogue, every serialised unit
the vendor shipped, the sales-order lines that registered them, and order imports."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from caredesk.accounts.models import Organisation, Site
from caredesk.core.clock import now


class Product(models.Model):
    """A product the vendor sells (D-2.1): what a serial number is a unit of.

    Warranty terms are per product (D-2.5): hardware from the ship date for
    ``hw_warranty_months`` (0 for software-only products), software for
    ``sw_warranty_days``. The end-of-life dates are optional; once ``eol_announced_on``
    has passed, every list flags the product's units.
    """

    sku = models.CharField("SKU", max_length=64, unique=True)
    name = models.CharField(max_length=200)
    series = models.CharField("product series", max_length=100)
    platform = models.CharField(max_length=100)
    list_price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    hw_warranty_months = models.PositiveSmallIntegerField(default=12)
    sw_warranty_days = models.PositiveSmallIntegerField(default=90)
    eol_announced_on = models.DateField("EOL announced", null=True, blank=True)
    end_of_sale_on = models.DateField("end of sale", null=True, blank=True)
    end_of_support_on = models.DateField("end of support", null=True, blank=True)

    class Meta:
        ordering = ["series", "platform", "sku"]

    def __str__(self) -> str:
        return f"{self.platform} ({self.sku})"

    def eol_announced(self, today: date) -> bool:
        return self.eol_announced_on is not None and self.eol_announced_on <= today


class PurchaseChannel(models.TextChoices):
    """How a unit was bought (D-2.2). Only the first two make the owner the original
    purchaser; an unauthorised (grey-market) unit needs reinstatement (D-2.9)."""

    DIRECT = "direct", _("Direct from the vendor")
    PARTNER = "partner", _("Through an authorised partner")
    UNAUTHORISED = "unauthorised", _("Unauthorised (grey market)")


class SupportStanding(models.TextChoices):
    """Whether the owner may have support for a unit at all (D-2.9)."""

    GOOD = "good", _("Original purchaser")
    NEEDS_REINSTATEMENT = "needs_reinstatement", _("Needs inspection and reinstatement")


class Asset(models.Model):
    """One serialised unit (D-2.2). The serial is unique whatever its case and stored in
    capitals. ``best_effort`` (its hardware replacement is best effort) is set while a move
    to a site that no depot serves at the contracted level waits for the customer's answer
    (D-2.8); the entitlement answer carries the same name."""

    serial = models.CharField("serial number", max_length=64, unique=True)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="assets")
    # No index of its own: (owner, serial) below serves every lookup by owner, and each
    # index is work for every unit a sales-order import registers.
    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="assets", db_index=False)
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="assets")
    ship_date = models.DateField(null=True, blank=True)
    sales_order = models.CharField(max_length=64, blank=True)
    order_line = models.PositiveIntegerField(null=True, blank=True)
    channel = models.CharField(max_length=16, choices=PurchaseChannel.choices, default=PurchaseChannel.DIRECT)
    partner = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="sold_assets", db_index=False
    )
    standing = models.CharField(max_length=24, choices=SupportStanding.choices, default=SupportStanding.GOOD)
    best_effort = models.BooleanField("hardware replacement best effort", default=False)
    # Replaced through an RMA: the unit that took its place, and when. The replaced unit
    # goes back to the vendor; its owner keeps the replacement.
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces", db_index=False
    )
    replaced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["serial"]
        indexes = [
            models.Index(fields=["owner", "serial"], name="asset_owner_serial_idx"),
            models.Index(fields=["sales_order", "order_line"], name="asset_order_idx"),
        ]
        constraints = [
            # The service layer stores serials upper-cased; the database refuses anything else.
            models.CheckConstraint(condition=models.Q(serial=Upper("serial")), name="asset_serial_upper"),
        ]

    def __str__(self) -> str:
        return self.serial


class OrderImportStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", pgettext_lazy("order import status", "Failed")


class OrderImport(models.Model):
    """One run of the sales-order import (D-2.3), with what it did. Its rejected rows are
    ``OrderImportRejection`` rows, downloadable as a report."""

    source = models.CharField(max_length=200, help_text="File name or 'api'")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(default=now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=OrderImportStatus.choices, default=OrderImportStatus.RUNNING)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"order import {self.pk} ({self.source})"


class OrderImportRejection(models.Model):
    """A row of an order file that was not applied, and why."""

    order_import = models.ForeignKey(OrderImport, on_delete=models.CASCADE, related_name="rejections")
    row_number = models.PositiveIntegerField(help_text="Line of the file, the header being line 1")
    sales_order = models.CharField(max_length=200, blank=True)
    order_line = models.CharField(max_length=200, blank=True)
    serial = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["order_import", "row_number"]
        indexes = [models.Index(fields=["order_import", "row_number"], name="rejection_import_row_idx")]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.reason}"


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", pgettext_lazy("request status", "Refused")


class OwnershipTransfer(models.Model):
    """A unit changing hands (D-2.9). Once approved the new owner holds it, but support
    depends on being the original purchaser: the unit needs reinstatement, and the old
    owner's contracts stop covering it."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="transfers")
    from_owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    to_owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=TransferStatus.choices, default=TransferStatus.REQUESTED)
    reference = models.CharField(max_length=40, blank=True, help_text="The case it was asked in, if any")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"transfer of {self.asset_id} ({self.status})"


class ReinstatementStatus(models.TextChoices):
    """Request, inspection, fee, decision (D-2.9)."""

    REQUESTED = "requested", _("Requested")
    INSPECTING = "inspecting", _("Being inspected")
    FEE_DUE = "fee_due", _("Inspection passed; fee due")
    REINSTATED = "reinstated", _("Reinstated")
    REFUSED = "refused", pgettext_lazy("request status", "Refused")


class Reinstatement(models.Model):
    """Bringing a grey-market or transferred unit back into support (D-2.9)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="reinstatements")
    status = models.CharField(max_length=16, choices=ReinstatementStatus.choices, default=ReinstatementStatus.REQUESTED)
    reference = models.CharField(max_length=40, blank=True, help_text="The case it was asked in, if any")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=now)
    inspection_note = models.CharField(max_length=500, blank=True)
    fee = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    fee_paid_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request per unit at a time.
            models.UniqueConstraint(
                fields=["asset"],
                condition=models.Q(status__in=["requested", "inspecting", "fee_due"]),
                name="reinstatement_one_open_per_asset",
            )
        ]

    def __str__(self) -> str:
        return f"reinstatement of {self.asset_id} ({self.status})"

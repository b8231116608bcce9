"""RMA requests and their lines (D-5.1 – D-5.3): a TSE's request to take back defective
units, the specialist's review, and the RMA number and line items an approval gives."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from caredesk.core.clock import now


class RmaStatus(models.TextChoices):
    """Where a request stands. Pending requests carry only their validation number;
    approved ones their RMA number too."""

    PENDING = "pending", _("Pending review")
    AWAITING_TSE = "awaiting_tse", _("Waiting for the engineer")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    REFUSED = "refused", _("Not covered")  # D-5.3: damage that no RMA covers
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = frozenset({RmaStatus.PENDING, RmaStatus.AWAITING_TSE})


class FaultCategory(models.TextChoices):
    """What failed, as structured data (D-5.3 decides on it, never on the free text)."""

    NO_POWER = "no_power", _("Does not power on")
    NO_BOOT = "no_boot", _("Does not start up")
    HARDWARE_FAULT = "hardware_fault", _("Hardware fault")
    PORT_FAULT = "port_fault", _("Port or interface fault")
    POWER_SUPPLY_OR_FAN = "power_supply_or_fan", _("Power supply or fan fault")
    DAMAGED_IN_TRANSIT = "damaged_in_transit", _("Damaged in transit")
    OTHER = "other", _("Other fault")
    FIRE = "fire", _("Fire damage")
    FLOOD = "flood", _("Flood or water damage")
    ACT_OF_NATURE = "act_of_nature", _("Other act of nature (lightning, storm, earthquake)")


# D-5.3: damage from fire, flood or other acts of nature is not taken back.
EXCLUDED_FAULTS = frozenset({FaultCategory.FIRE, FaultCategory.FLOOD, FaultCategory.ACT_OF_NATURE})
EXCLUSION_REASON = _("Damage caused by fire, flood or other acts of nature is not covered by an RMA.")


class RmaType(models.TextChoices):
    """How a unit comes back and what the customer gets (D-5.2), from its entitlement."""

    ADVANCE_REPLACEMENT = "advance_replacement", _("Advance replacement")
    RETURN_TO_FACTORY = "return_to_factory", _("Return to factory repair")
    DEAD_ON_ARRIVAL = "dead_on_arrival", _("Dead on arrival")
    WARRANTY = "warranty", _("Standard product warranty")
    TIME_AND_MATERIAL = "time_and_material", _("Time-and-material quote")


class TypeReason(models.TextChoices):
    """Why a line got its type; the label is the sentence shown, filled from ``type_basis``."""

    DEAD_ON_ARRIVAL = "dead_on_arrival", _("Shipped on %(ship_date)s, no more than %(days)s days ago.")
    ADVANCE_REPLACEMENT = "advance_replacement", _("Contract %(contract)s (%(level)s) replaces hardware ahead.")
    RETURN_TO_FACTORY = "return_to_factory", _("Contract %(contract)s (%(level)s) covers return to factory repair.")
    BEST_EFFORT = (
        "best_effort",
        _("Contract %(contract)s covers the unit, but hardware replacement at its new site is best effort."),
    )
    WARRANTY = "warranty", _("In hardware warranty until %(until)s.")
    NOT_ENTITLED = "not_entitled", _("No active contract or hardware warranty covers the unit.")


class QuoteStatus(models.TextChoices):
    """The customer's answer to a time-and-material quote (D-5.2)."""

    OFFERED = "offered", _("Awaiting the customer's answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class LineStatus(models.TextChoices):
    """Where a line stands in its logistics (D-5.4). Advance replacement: approved →
    replacement shipped → delivered → defective received → closed. The others (repair at
    the factory, dead on arrival, warranty, time and material): approved → awaiting return
    → received → repaired → shipped back → closed."""

    APPROVED = "approved", _("Approved")
    REPLACEMENT_SHIPPED = "replacement_shipped", _("Replacement shipped")
    DELIVERED = "delivered", _("Replacement delivered")
    DEFECTIVE_RECEIVED = "defective_received", _("Defective unit received")
    AWAITING_RETURN = "awaiting_return", _("Awaiting the unit")
    RECEIVED = "received", _("Unit received")
    REPAIRED = "repaired", _("Repaired")
    SHIPPED_BACK = "shipped_back", _("Shipped back")
    CLOSED = "closed", _("Closed")


class RmaRequest(models.Model):
    """A request to return defective units, raised by a TSE from a technical case (D-5.1).
    Owned by the case's organisation: whoever sees that organisation's cases sees it
    (D-1.3). While it is pending it is known by its validation number; an approval gives it
    an RMA number and numbers its lines."""

    validation_number = models.CharField(max_length=24, unique=True)
    rma_number = models.CharField(max_length=24, unique=True, null=True, blank=True)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="rma_requests")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=RmaStatus.choices, default=RmaStatus.PENDING)
    decision_reason = models.TextField(blank=True)  # why rejected, refused or cancelled
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    quote_status = models.CharField(max_length=16, choices=QuoteStatus.choices, blank=True)
    quote_total = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    quote_currency = models.CharField(max_length=3, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "updated_at", "id"], name="rma_org_updated"),
            models.Index(fields=["updated_at", "id"], name="rma_updated"),
        ]

    def __str__(self) -> str:
        return self.rma_number or self.validation_number

    @property
    def number(self) -> str:
        """What the request is called: its RMA number once approved, else its validation number."""
        return self.rma_number or self.validation_number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class RmaLine(models.Model):
    """One unit of a request, in the order it was requested (D-5.1), with its failure,
    its type and the reason for the type (D-5.2), and, once approved, its line number
    ``R…-n``."""

    request = models.ForeignKey(RmaRequest, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    asset = models.ForeignKey("installbase.Asset", on_delete=models.PROTECT, related_name="rma_lines")
    serial = models.CharField(max_length=64)
    fault_category = models.CharField(max_length=24, choices=FaultCategory.choices)
    failure_description = models.TextField()
    # D-5.3: words of the free text that speak of fire or flood, for the specialist to look at.
    flagged_words = models.JSONField(default=list, blank=True)
    rma_type = models.CharField(max_length=24, choices=RmaType.choices)
    type_reason = models.CharField(max_length=24, choices=TypeReason.choices)
    type_basis = models.JSONField(default=dict, blank=True)  # the values the reason names
    quote_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    withdrawn = models.BooleanField(default=False)  # a time-and-material line whose quote was declined
    line_number = models.CharField(max_length=32, unique=True, null=True, blank=True)
    # Logistics (D-5.4): the line's own state once approved ("" before), moved only by
    # ``services.move`` along ``TRANSITIONS``.
    status = models.CharField(max_length=24, choices=LineStatus.choices, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    carrier = models.CharField(max_length=64, blank=True)  # of the replacement, or of the repaired unit going back
    tracking_number = models.CharField(max_length=64, blank=True)
    replacement = models.ForeignKey(
        "installbase.Asset", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces_lines"
    )
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    # D-5.4: the serial found in a box booked against this line when it is not the line's.
    mismatched_serial = models.CharField(max_length=64, blank=True)
    # D-5.5: when the defective unit of an advance replacement must be back, an exact instant
    # on the business calendar; and when the sweep flagged it for a charge (once).
    return_due_at = models.DateTimeField(null=True, blank=True)
    # D-5.2: an advance replacement ships by this instant, by the contract's replacement
    # speed, from the depot that delivers that speed at the unit's site (set on approval;
    # empty where no depot does: the replacement ships as soon as it can, with no promise).
    ship_by = models.DateTimeField(null=True, blank=True)
    ship_from = models.CharField(max_length=100, blank=True)  # the depot's name
    charge_flagged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "position"], name="rma_line_position")]
        indexes = [
            models.Index(fields=["serial"], name="rma_line_serial"),
            # D-3.6: found by the tracking number of what shipped; most lines have none yet.
            models.Index(fields=["tracking_number"], name="rma_line_tracking", condition=~models.Q(tracking_number="")),
            # D-5.5: the sweep reads only lines still owed and not yet flagged; every other
            # line (received, flagged, never due) is outside the index.
            models.Index(
                fields=["return_due_at"],
                name="rma_line_return_owed",
                condition=models.Q(
                    return_due_at__isnull=False, received_at__isnull=True, charge_flagged_at__isnull=True
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.line_number or f"{self.request_id}/{self.position}"

    def reason_text(self) -> str:
        """Why the line has its type, in the reader's language."""
        basis: dict[str, Any] = dict(self.type_basis or {})
        return str(TypeReason(self.type_reason).label) % basis

    @property
    def excluded(self) -> bool:
        return self.fault_category in EXCLUDED_FAULTS


class RmaMessageKind(models.TextChoices):
    QUESTION = "question", _("Question from the customer")
    ANSWER = "answer", _("Answer from the RMA specialist")
    TO_TSE = "to_tse", _("Question to the engineer")
    FROM_TSE = "from_tse", _("Answer from the engineer")


# Between the specialist and the TSE: the vendor's own, never shown to the customer.
INTERNAL_KINDS = frozenset({RmaMessageKind.TO_TSE, RmaMessageKind.FROM_TSE})


class RmaMessage(models.Model):
    """A message on a request: the customer's question and the specialist's answer, or the
    specialist's question to the TSE and the TSE's answer (D-5.1)."""

    request = models.ForeignKey(RmaRequest, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=16, choices=RmaMessageKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=now)

    class Meta:
        indexes = [models.Index(fields=["request", "created_at", "id"], name="rma_message_order")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.request_id}"


# --- mis-shipment claims (D-5.7) ----------------------------------------------------------


class MisShipmentKind(models.TextChoices):
    """What was shipped wrong (D-5.7). Each kind is a sub-type of the *Mis-shipment*
    request type of the catalogue (``SUBTYPE_OF_KIND``), so the claim's case is filed
    under it."""

    LINE_ITEMS = "line_items", _("Missing or incorrect sales-order line items")
    COMPONENTS = "components", _("Missing or incorrect component parts or subassemblies")
    DOCUMENTATION = "documentation", _("Missing or incorrect documentation")


MIS_SHIPMENT_TYPE = "mis-shipment"  # the request type's catalogue code
SUBTYPE_OF_KIND: dict[str, str] = {
    MisShipmentKind.LINE_ITEMS: "missing-or-incorrect-sales-order-line-items",
    MisShipmentKind.COMPONENTS: "missing-or-incorrect-component-parts-or-subassemblies",
    MisShipmentKind.DOCUMENTATION: "missing-or-incorrect-documentation",
}


class ClaimStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the correct part")
    SHIPPED = "shipped", _("Correct part shipped")


class MisShipmentClaim(models.Model):
    """A claim that an order arrived wrong (D-5.7), made by the organisation that placed
    the order with the vendor, within the claim period after the lines shipped. It is the
    record of a *Mis-shipment* admin case, which carries the conversation; it is owned by
    the claiming organisation (the case's), so it is seen exactly as that case is (D-1.3).
    Once the correct part ships, it carries the carrier and tracking number."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="mis_shipment_claim")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    sales_order = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=MisShipmentKind.choices)
    order_lines = models.JSONField(default=list)  # the order's line numbers concerned, ascending
    shipped_on = models.DateField()  # when the earliest of those lines shipped
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.OPEN)
    carrier = models.CharField(max_length=64, blank=True)
    tracking_number = models.CharField(max_length=64, blank=True)
    part_shipped_at = models.DateTimeField(null=True, blank=True)
    part_shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=now)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "created_at", "id"], name="claim_org_created"),
            models.Index(fields=["sales_order"], name="claim_sales_order"),
            models.Index(fields=["tracking_number"], name="claim_tracking_number"),
        ]

    def __str__(self) -> str:
        return f"mis-shipment claim on {self.sales_order}"


class ReturnRegion(models.Model):
    """Where a unit goes back to (D-5.4): a region by the countries it holds, its return
    address and the instructions the customer follows. Data, edited in the admin site; a
    unit's site country chooses the region."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    countries = models.JSONField(default=list, blank=True, help_text="ISO 3166 alpha-2 codes")
    address = models.TextField(help_text="The return address, as printed on the label, one line per line")
    instructions = models.TextField(help_text="What the customer does to send the unit back, in English")
    instructions_translations = models.JSONField(
        default=dict, blank=True, help_text='The instructions in other languages, as {"de": "…", "ja": "…"}'
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ParcelOutcome(models.TextChoices):
    """What the depot did with a box (D-5.4)."""

    RECEIVED = "received", _("Received")
    SERIAL_MISMATCH = "serial_mismatch", _("Held: the serial does not match the line")
    RETURN_TO_SENDER = "return_to_sender", _("Rejected: return to sender")


class Parcel(models.Model):
    """A box booked at the depot (D-5.4): what was scanned on it, the serial found inside,
    and what became of it. A box that matches no open line is rejected, returned to sender
    and kept here, booked against no RMA."""

    scanned = models.CharField(max_length=64)  # the RMA or line number on the box, or a serial
    serial = models.CharField(max_length=64, blank=True)  # the serial of the unit inside, where read
    line = models.ForeignKey(RmaLine, null=True, blank=True, on_delete=models.PROTECT, related_name="parcels")
    outcome = models.CharField(max_length=24, choices=ParcelOutcome.choices)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(default=now)

    class Meta:
        indexes = [models.Index(fields=["received_at", "id"], name="rma_parcel_received")]

    def __str__(self) -> str:
        return f"parcel {self.scanned} ({self.outcome})"


class ChargeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WAIVED = "waived", _("Waived")


class ReturnCharge(models.Model):
    """A charge for a defective unit not received in time (D-5.5): the product's full list
    price, flagged once by the sweep. Staff may waive it, saying why. Owned by the
    request's organisation, so it is seen as the request is (D-1.3)."""

    line = models.OneToOneField(RmaLine, on_delete=models.PROTECT, related_name="charge")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    due_at = models.DateTimeField()  # the deadline the unit missed
    flagged_at = models.DateTimeField(default=now)
    status = models.CharField(max_length=8, choices=ChargeStatus.choices, default=ChargeStatus.OPEN)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    waived_at = models.DateTimeField(null=True, blank=True)
    waive_reason = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["flagged_at", "id"], name="rma_charge_flagged")]

    def __str__(self) -> str:
        return f"charge on line {self.line_id}"

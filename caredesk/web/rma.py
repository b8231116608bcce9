"""Page helpers the portal's and the console's RMA pages share (D-5.1 – D-5.5): the lines
in words, with where each stands in its logistics, and the status filter. Interface
support only: the reading is ``rma.queries``'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from caredesk.rma.models import ChargeStatus, LineStatus, ReturnCharge, RmaLine, RmaRequest, RmaStatus
from caredesk.rma.queries import OPEN, return_instructions, return_region_of, rma_lines
from caredesk.rma.services import COMING_BACK


@dataclass
class LineRow:
    """One line of a request as a page shows it."""

    line: RmaLine
    number: str  # the line number once approved, else the unit's place on the request
    product: str
    state: str
    reason: str
    quote_price: Decimal | None
    replacement_serial: str = ""
    # D-5.5: when the defective unit of an advance replacement must be back, while it is owed
    return_due_at: datetime | None = None
    charge: ReturnCharge | None = None  # D-5.5: the charge for a unit not returned in time

    @property
    def quiet(self) -> bool:
        """Nothing of the line's shipping and return to show yet."""
        line = self.line
        return not (line.tracking_number or self.return_due_at or line.received_at or self.charge or line.ship_by)

    @property
    def charge_open(self) -> bool:
        return self.charge is not None and self.charge.status == ChargeStatus.OPEN


def line_state(request: RmaRequest, line: RmaLine) -> str:
    """Where a line stands: an approved line in its own logistics (D-5.4); before that,
    where its request is, unless the customer's declining the quote took it off."""
    if line.withdrawn:
        return _("Withdrawn: the quote was declined")
    if line.status:
        return str(LineStatus(line.status).label)
    return str(RmaStatus(request.status).label)


def _charge(line: RmaLine) -> ReturnCharge | None:
    try:
        return line.charge
    except ObjectDoesNotExist:
        return None


def line_rows(request: RmaRequest) -> list[LineRow]:
    return [
        LineRow(
            line=line,
            number=line.line_number or f"#{line.position}",
            product=line.asset.product.name if line.asset_id else "",
            state=line_state(request, line),
            reason=line.reason_text(),
            quote_price=line.quote_price,
            replacement_serial=line.replacement.serial if line.replacement_id and line.replacement else "",
            return_due_at=line.return_due_at if line.received_at is None else None,
            charge=_charge(line),
        )
        for line in rma_lines(request)
    ]


def status_choices(*, with_open: bool) -> list[tuple[str, str]]:
    choices = [("", _("Any status"))]
    if with_open:
        choices.insert(0, (OPEN, _("Waiting for review or for the engineer")))
    return choices + [(value, str(label)) for value, label in RmaStatus.choices]


@dataclass
class ReturnInstructions:
    """Where and how the units still to come back go (D-5.4): one per return region."""

    region: str
    address: list[str]
    instructions: str
    lines: list[str]


def return_instructions_of(lines: list[RmaLine]) -> list[ReturnInstructions]:
    """The return address and instructions of the region of each unit still to come back,
    in the reader's language; empty when none is (then there is no label to print)."""
    found: dict[int, ReturnInstructions] = {}
    for line in lines:
        if not line.line_number or line.status not in COMING_BACK:
            continue
        region = return_region_of(line)
        if region is None:
            continue
        entry = found.setdefault(
            region.pk,
            ReturnInstructions(
                region=region.name,
                address=[text for text in region.address.splitlines() if text.strip()],
                instructions=return_instructions(region),
                lines=[],
            ),
        )
        entry.lines.append(line.line_number)
    return list(found.values())

"""Page helpers the portal's and the console's RMA pages share (D-5.1 – D-5.3): the lines
in words and the status filter. Interface support only: the reading is ``rma.queries``'."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from caredesk.rma.models import LineStatus, RmaLine, RmaRequest, RmaStatus
from caredesk.rma.queries import OPEN, rma_lines


@dataclass
class LineRow:
    """One line of a request as a page shows it."""

    line: RmaLine
    number: str  # the line number once approved, else the unit's place on the request
    product: str
    state: str
    reason: str
    quote_price: Decimal | None


def line_state(request: RmaRequest, line: RmaLine) -> str:
    """Where a line stands: once approved, its own logistics state (D-5.4: replacement
    shipped, unit received…); before, where its request is, unless the customer's declining
    the quote took it off."""
    if line.withdrawn:
        return _("Withdrawn: the quote was declined")
    if line.status:
        return str(LineStatus(line.status).label)
    return str(RmaStatus(request.status).label)


def line_rows(request: RmaRequest) -> list[LineRow]:
    return [
        LineRow(
            line=line,
            number=line.line_number or f"#{line.position}",
            product=line.asset.product.name if line.asset_id else "",
            state=line_state(request, line),
            reason=line.reason_text(),
            quote_price=line.quote_price,
        )
        for line in rma_lines(request)
    ]


def status_choices(*, with_open: bool) -> list[tuple[str, str]]:
    choices = [("", _("Any status"))]
    if with_open:
        choices.insert(0, (OPEN, _("Waiting for review or for the engineer")))
    return choices + [(value, str(label)) for value, label in RmaStatus.choices]

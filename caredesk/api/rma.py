"""RMA requests (D-5.1 – D-5.3) in the API. Thin: every answer comes from ``rma``'s
queries and services. A request is named by its validation number, its RMA number once
approved, or one of its line numbers ``R…-n``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router
from pydantic import Field, StrictBool

from caredesk.accounts.access import Capability, may
from caredesk.accounts.models import User
from caredesk.api.idempotency import idempotent
from caredesk.api.schemas import ErrorOut, FollowUpIn, In, Out, PriorityIn, QueryIn
from caredesk.rma import claims, queries, services
from caredesk.rma.models import (
    FaultCategory,
    LineStatus,
    MisShipmentClaim,
    MisShipmentKind,
    ParcelOutcome,
    ReturnCharge,
    RmaLine,
    RmaMessage,
    RmaRequest,
    RmaStatus,
)

router = Router(tags=["RMAs"])
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Number = Path(..., max_length=40, description="Validation number (V…), RMA number (R…) or line number (R…-n)")
FaultKey = Literal[tuple(FaultCategory.values)]  # type: ignore[valid-type]


class RmaLineIn(In):
    serial: str = Field(min_length=1, max_length=64)
    fault_category: FaultKey = Field(description="What failed; fire, flood and act_of_nature are not covered")  # type: ignore[valid-type]
    failure_description: str = Field(min_length=1, max_length=services.DESCRIPTION_MAX)


class RmaRequestIn(In):
    case_id: str = Field(min_length=1, max_length=40, description="The technical case, YYYY-MMDD-NNNNN")
    lines: list[RmaLineIn] = Field(min_length=1, max_length=services.LINES_MAX)


class RmaLinesIn(In):
    lines: list[RmaLineIn] = Field(min_length=1, max_length=services.LINES_MAX)


class ReasonIn(In):
    reason: str = Field(min_length=1, max_length=services.REASON_MAX)


class CancelIn(In):
    reason: str = Field("", max_length=services.REASON_MAX)


class RmaMessageIn(In):
    body: str = Field(min_length=1, max_length=services.MESSAGE_MAX)


class QuoteAnswerIn(In):
    accept: StrictBool


class RmaQuery(QueryIn):
    status: str = Field("", max_length=16, description="pending, awaiting_tse, approved, rejected, refused, cancelled")
    case_id: str = Field("", max_length=40)
    q: str = Field(
        "", max_length=64, description="A validation number, an RMA number (whole or R…-n for one line) or a serial"
    )
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(25, ge=1, le=100)


class RmaLineOut(Out):
    position: int
    serial: str
    line_number: str | None
    fault_category: str
    fault_category_label: str
    failure_description: str
    rma_type: str
    rma_type_label: str
    type_reason: str = Field(description="Why the line has its type, in the caller's language")
    quote_price: Decimal | None
    withdrawn: bool
    flagged_words: list[str] | None = Field(description="Staff only: words of the text about fire or flood")
    logistics: RmaLineLogisticsOut


class RmaLineLogisticsOut(Out):
    status: str = Field(description="The line's logistics state; empty before approval")
    status_label: str
    next_actions: list[str] = Field(description="What support logistics can do to the line now")
    carrier: str
    tracking_number: str
    replacement_serial: str | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    received_at: datetime | None
    return_due_at: datetime | None = Field(description="Advance replacement: when the defective unit is due back")
    ship_by: datetime | None = Field(
        None, description="Advance replacement: when the replacement ships by, from the contract's replacement speed"
    )
    ship_from: str | None = Field(None, description="Advance replacement: the depot it ships from")
    charge_flagged: bool
    mismatched_serial: str | None = Field(description="Staff only: a serial found in a box booked against the line")
    return_region: str | None
    return_address: str | None
    return_instructions: str | None


class QuoteOut(Out):
    status: str
    total: Decimal | None
    currency: str


class RmaOut(Out):
    validation_number: str
    rma_number: str | None
    status: str
    status_label: str
    case_id: str
    organisation: dict[str, Any]
    decision_reason: str
    quote: QuoteOut | None
    created_at: datetime
    updated_at: datetime
    lines: list[RmaLineOut]


class RmaRowOut(Out):
    validation_number: str
    rma_number: str | None
    status: str
    case_id: str
    organisation: dict[str, Any]
    updated_at: datetime


class RmaPageOut(Out):
    items: list[RmaRowOut]
    next_cursor: str | None


class RmaMessageOut(Out):
    id: int
    kind: str
    author_name: str
    body: str
    created_at: datetime


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _lines(lines: list[RmaLineIn]) -> list[services.NewLine]:
    return [services.NewLine(line.serial, line.fault_category, line.failure_description) for line in lines]


def rma_out(user: User, request: RmaRequest) -> dict[str, Any]:
    staff = may(user, Capability.SEE_INTERNAL)
    return {
        "validation_number": request.validation_number,
        "rma_number": request.rma_number,
        "status": request.status,
        "status_label": str(RmaStatus(request.status).label),
        "case_id": request.case.case_id,
        "organisation": {"id": request.organisation_id, "name": request.organisation.name},
        "decision_reason": request.decision_reason,
        "quote": (
            {"status": request.quote_status, "total": request.quote_total, "currency": request.quote_currency}
            if request.quote_status
            else None
        ),
        "created_at": request.created_at,
        "updated_at": request.updated_at,
        "lines": [
            {
                "position": line.position,
                "serial": line.serial,
                "line_number": line.line_number,
                "fault_category": line.fault_category,
                "fault_category_label": line.get_fault_category_display(),
                "failure_description": line.failure_description,
                "rma_type": line.rma_type,
                "rma_type_label": line.get_rma_type_display(),
                "type_reason": line.reason_text(),
                "quote_price": line.quote_price,
                "withdrawn": line.withdrawn,
                "flagged_words": line.flagged_words if staff else None,
                "logistics": logistics_out(line, staff=staff),
            }
            for line in queries.rma_lines(request)
        ],
    }


def logistics_out(line: RmaLine, *, staff: bool) -> dict[str, Any]:
    region = queries.return_region_of(line) if line.status else None
    return {
        "status": line.status,
        "status_label": str(LineStatus(line.status).label) if line.status else "",
        "next_actions": [str(a) for a in services.next_actions(line)] if line.status else [],
        "carrier": line.carrier,
        "tracking_number": line.tracking_number,
        "replacement_serial": line.replacement.serial if line.replacement_id and line.replacement else None,
        "shipped_at": line.shipped_at,
        "delivered_at": line.delivered_at,
        "received_at": line.received_at,
        "return_due_at": line.return_due_at,
        "ship_by": line.ship_by,
        "ship_from": line.ship_from or None,
        "charge_flagged": line.charge_flagged_at is not None,
        "mismatched_serial": (line.mismatched_serial or None) if staff else None,
        "return_region": region.name if region else None,
        "return_address": region.address if region else None,
        "return_instructions": queries.return_instructions(region) if region else None,
    }


def _fresh(user: User, number: str) -> dict[str, Any]:
    return rma_out(user, queries.get_rma_request(user, number))


@router.post("/rmas", response={201: RmaOut, **ERRORS}, summary="TSE: request an RMA for units of a technical case")
@idempotent
def request_rma(request: HttpRequest, payload: RmaRequestIn) -> tuple[int, dict[str, Any]]:
    user = _user(request)
    made = services.request_rma(user, payload.case_id, _lines(payload.lines))
    return 201, _fresh(user, made.validation_number)


@router.get(
    "/rmas",
    response={200: RmaPageOut, 422: ErrorOut},
    summary="The RMA requests you can see, last changed first; found by number or serial",
)
def list_rmas(request: HttpRequest, filters: Query[RmaQuery]) -> dict[str, Any]:
    page = queries.list_rma_requests(
        _user(request),
        status=filters.status,
        case_id=filters.case_id,
        q=filters.q,
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {
        "items": [
            {
                "validation_number": r.validation_number,
                "rma_number": r.rma_number,
                "status": r.status,
                "case_id": r.case.case_id,
                "organisation": {"id": r.organisation_id, "name": r.organisation.name},
                "updated_at": r.updated_at,
            }
            for r in page.items
        ],
        "next_cursor": page.next_cursor,
    }


@router.get("/rmas/{number}", response={200: RmaOut, 404: ErrorOut}, summary="One RMA request with its lines")
def get_rma(request: HttpRequest, number: str = Number) -> dict[str, Any]:
    return _fresh(_user(request), number)


@router.get(
    "/rmas/{number}/messages",
    response={200: list[RmaMessageOut], 404: ErrorOut},
    summary="Questions and answers (and, for staff, those between the specialist and the TSE)",
)
def rma_messages(request: HttpRequest, number: str = Number) -> list[RmaMessage]:
    user = _user(request)
    return queries.rma_messages(user, queries.get_rma_request(user, number))


@router.put(
    "/rmas/{number}/lines", response={200: RmaOut, **ERRORS}, summary="Staff: replace the lines of a pending request"
)
def amend_lines(request: HttpRequest, payload: RmaLinesIn, number: str = Number) -> dict[str, Any]:
    user = _user(request)
    services.amend_lines(user, number, _lines(payload.lines))
    return _fresh(user, number)


@router.post("/rmas/{number}/approve", response={200: RmaOut, **ERRORS}, summary="RMA specialist: approve")
def approve(request: HttpRequest, number: str = Number) -> dict[str, Any]:
    user = _user(request)
    return rma_out(user, services.approve(user, number))


@router.post("/rmas/{number}/reject", response={200: RmaOut, **ERRORS}, summary="RMA specialist: reject, saying why")
def reject(request: HttpRequest, payload: ReasonIn, number: str = Number) -> dict[str, Any]:
    user = _user(request)
    return rma_out(user, services.reject(user, number, payload.reason))


@router.post(
    "/rmas/{number}/tse-questions", response={201: RmaMessageOut, **ERRORS}, summary="RMA specialist: ask the TSE"
)
@idempotent
def ask_tse(request: HttpRequest, payload: RmaMessageIn, number: str = Number) -> tuple[int, RmaMessage]:
    return 201, services.ask_tse(_user(request), number, payload.body)


@router.post(
    "/rmas/{number}/tse-answers", response={201: RmaMessageOut, **ERRORS}, summary="TSE: answer the RMA specialist"
)
@idempotent
def answer_specialist(request: HttpRequest, payload: RmaMessageIn, number: str = Number) -> tuple[int, RmaMessage]:
    return 201, services.answer_specialist(_user(request), number, payload.body)


@router.post(
    "/rmas/{number}/questions", response={201: RmaMessageOut, **ERRORS}, summary="Customer: ask about a pending request"
)
@idempotent
def ask_question(request: HttpRequest, payload: RmaMessageIn, number: str = Number) -> tuple[int, RmaMessage]:
    return 201, services.ask_question(_user(request), number, payload.body)


@router.post(
    "/rmas/{number}/answers", response={201: RmaMessageOut, **ERRORS}, summary="RMA specialist: answer the customer"
)
@idempotent
def answer_question(request: HttpRequest, payload: RmaMessageIn, number: str = Number) -> tuple[int, RmaMessage]:
    return 201, services.answer_question(_user(request), number, payload.body)


@router.post("/rmas/{number}/cancel", response={200: RmaOut, **ERRORS}, summary="Customer: cancel a pending request")
def cancel(request: HttpRequest, payload: CancelIn, number: str = Number) -> dict[str, Any]:
    user = _user(request)
    return rma_out(user, services.cancel(user, number, payload.reason))


@router.post(
    "/rmas/{number}/quote",
    response={200: RmaOut, **ERRORS},
    summary="Customer: accept or decline the time-and-material quote",
)
def answer_quote(request: HttpRequest, payload: QuoteAnswerIn, number: str = Number) -> dict[str, Any]:
    user = _user(request)
    return rma_out(user, services.answer_quote(user, number, payload.accept))


# --- mis-shipment claims (D-5.7) ----------------------------------------------------------

MisShipmentKindKey = Literal[tuple(MisShipmentKind.values)]  # type: ignore[valid-type]
CaseId = Path(..., max_length=40, description="The claim's case, YYYY-MMDD-NNNNN")


class MisShipmentClaimIn(In):
    sales_order: str = Field(min_length=1, max_length=claims.ORDER_MAX)
    kind: MisShipmentKindKey = Field(description="line_items, components or documentation")  # type: ignore[valid-type]
    order_lines: list[int] = Field(min_length=1, max_length=claims.LINES_MAX, description="The order's line numbers")
    priority: PriorityIn
    follow_up_method: FollowUpIn
    callback_phone: str = Field(min_length=1, max_length=40, description="International format, e.g. +1 408 555 0100")
    summary: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=20_000)
    organisation_id: int | None = Field(None, ge=1, le=2**62, description="Whom the claim is for, if not your own")
    contact_email: str = Field("", max_length=254, description="Staff: the customer's contact")
    site_code: str = Field("", max_length=32)


class PartShippedIn(In):
    carrier: str = Field(min_length=1, max_length=claims.CARRIER_MAX)
    tracking_number: str = Field(min_length=1, max_length=claims.TRACKING_MAX)


class MisShipmentClaimOut(Out):
    case_id: str
    organisation: dict[str, Any]
    sales_order: str
    kind: str
    kind_label: str
    order_lines: list[int]
    shipped_on: date
    status: str
    status_label: str
    carrier: str
    tracking_number: str
    part_shipped_at: datetime | None
    created_at: datetime


def claim_out(claim: MisShipmentClaim) -> dict[str, Any]:
    return {
        "case_id": claim.case.case_id,
        "organisation": {"id": claim.organisation_id, "name": claim.organisation.name},
        "sales_order": claim.sales_order,
        "kind": claim.kind,
        "kind_label": claim.get_kind_display(),
        "order_lines": claim.order_lines,
        "shipped_on": claim.shipped_on,
        "status": claim.status,
        "status_label": claim.get_status_display(),
        "carrier": claim.carrier,
        "tracking_number": claim.tracking_number,
        "part_shipped_at": claim.part_shipped_at,
        "created_at": claim.created_at,
    }


@router.post(
    "/mis-shipment-claims",
    response={201: MisShipmentClaimOut, **ERRORS},
    summary="Claim a mis-shipment on lines of a sales order your organisation placed (opens a Mis-shipment case)",
    tags=["Mis-shipment claims"],
)
@idempotent
def claim_mis_shipment(request: HttpRequest, payload: MisShipmentClaimIn) -> tuple[int, dict[str, Any]]:
    user = _user(request)
    made = claims.claim_mis_shipment(user, claims.NewClaim(**payload.dict()))
    return 201, claim_out(claims.get_claim(user, made.case.case_id))


@router.get(
    "/mis-shipment-claims/{case_id}",
    response={200: MisShipmentClaimOut, 404: ErrorOut},
    summary="The mis-shipment claim of a case, with the correct part's tracking number once shipped",
    tags=["Mis-shipment claims"],
)
def get_mis_shipment_claim(request: HttpRequest, case_id: str = CaseId) -> dict[str, Any]:
    return claim_out(claims.get_claim(_user(request), case_id))


@router.post(
    "/mis-shipment-claims/{case_id}/part-shipped",
    response={200: MisShipmentClaimOut, **ERRORS},
    summary="Staff: the correct part has shipped, with its carrier and tracking number",
    tags=["Mis-shipment claims"],
)
def record_part_shipped(request: HttpRequest, payload: PartShippedIn, case_id: str = CaseId) -> dict[str, Any]:
    user = _user(request)
    claims.record_part_shipped(user, case_id, payload.carrier, payload.tracking_number)
    return claim_out(claims.get_claim(user, case_id))


# --- logistics, labels, receiving, charges (D-5.4, D-5.5) ----------------------------------------

LineNumber = Path(..., max_length=40, description="Line number R…-n")
ActionKey = Literal[tuple(a.value for a in services.LineAction if a != services.LineAction.RECEIVE)]  # type: ignore[valid-type]


class LineMoveIn(In):
    action: ActionKey = Field(description="ship_replacement, deliver, await_return, repair, ship_back or close")  # type: ignore[valid-type]
    carrier: str = Field("", max_length=services.TRACKING_MAX, description="ship_replacement and ship_back")
    tracking_number: str = Field("", max_length=services.TRACKING_MAX, description="ship_replacement and ship_back")
    replacement_serial: str = Field("", max_length=64, description="ship_replacement: the new unit's serial")


class LineOut(Out):
    line_number: str
    rma_number: str
    serial: str
    rma_type: str
    logistics: RmaLineLogisticsOut


class ReceiptIn(In):
    scanned: str = Field(min_length=1, max_length=64, description="What is on the box: R…-n, R…, or a serial")
    serial: str = Field("", max_length=64, description="The serial of the unit inside, where read")


class ReceiptOut(Out):
    id: int
    outcome: str = Field(description="received, serial_mismatch (held) or return_to_sender (rejected)")
    outcome_label: str
    scanned: str
    serial: str
    line_number: str | None
    received_at: datetime


class ChargeQuery(QueryIn):
    status: str = Field("", max_length=8, description="open or waived")
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(50, ge=1, le=100)


class ChargeOut(Out):
    id: int
    line_number: str
    rma_number: str
    serial: str
    organisation: dict[str, Any]
    amount: Decimal
    currency: str
    due_at: datetime
    flagged_at: datetime
    status: str
    waived_at: datetime | None
    waive_reason: str


class ChargePageOut(Out):
    items: list[ChargeOut]
    next_cursor: str | None


def _line_out(user: User, line: RmaLine) -> dict[str, Any]:
    return {
        "line_number": line.line_number,
        "rma_number": line.request.rma_number,
        "serial": line.serial,
        "rma_type": line.rma_type,
        "logistics": logistics_out(line, staff=may(user, Capability.SEE_INTERNAL)),
    }


def _charge_out(charge: ReturnCharge) -> dict[str, Any]:
    return {
        "id": charge.pk,
        "line_number": charge.line.line_number,
        "rma_number": charge.line.request.rma_number,
        "serial": charge.line.serial,
        "organisation": {"id": charge.organisation_id, "name": charge.organisation.name},
        "amount": charge.amount,
        "currency": charge.currency,
        "due_at": charge.due_at,
        "flagged_at": charge.flagged_at,
        "status": charge.status,
        "waived_at": charge.waived_at,
        "waive_reason": charge.waive_reason,
    }


@router.get(
    "/rmas/{number}/label",
    response={200: None, 404: ErrorOut, 409: ErrorOut},
    summary="The return label (PDF): of one line (R…-n), or of every line whose unit is still expected (R…)",
)
def return_label(request: HttpRequest, number: str = Number) -> HttpResponse:
    label = services.return_label(_user(request), number)
    response = HttpResponse(label.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{label.filename}"'
    return response


@router.post(
    "/rma-lines/{line_number}/moves",
    response={200: LineOut, **ERRORS},
    summary="Support logistics: move a line on (ship the replacement, deliver, repair, ship back, close)",
)
def move_line(request: HttpRequest, payload: LineMoveIn, line_number: str = LineNumber) -> dict[str, Any]:
    user = _user(request)
    services.advance_line(
        user, line_number, payload.action, carrier=payload.carrier, tracking_number=payload.tracking_number,
        replacement_serial=payload.replacement_serial,
    )  # fmt: skip
    return _line_out(user, queries.get_rma_line(user, line_number))


@router.post(
    "/rma-receipts",
    response={201: ReceiptOut, **ERRORS},
    summary="Depot: book a box by line number, RMA number or serial; a box matching nothing is returned to sender",
)
@idempotent
def receive(request: HttpRequest, payload: ReceiptIn) -> tuple[int, dict[str, Any]]:
    booking = services.receive_parcel(_user(request), payload.scanned, payload.serial)
    parcel = booking.parcel
    return 201, {
        "id": parcel.pk,
        "outcome": parcel.outcome,
        "outcome_label": str(ParcelOutcome(parcel.outcome).label),
        "scanned": parcel.scanned,
        "serial": parcel.serial,
        "line_number": booking.line.line_number if booking.line else None,
        "received_at": parcel.received_at,
    }


@router.get(
    "/rma-charges",
    response={200: ChargePageOut, 403: ErrorOut, 422: ErrorOut},
    summary="Staff: charges for defective units not returned in time, newest first",
)
def list_charges(request: HttpRequest, filters: Query[ChargeQuery]) -> dict[str, Any]:
    page = queries.list_return_charges(
        _user(request), status=filters.status, cursor=filters.cursor, limit=filters.limit
    )
    return {"items": [_charge_out(c) for c in page.items], "next_cursor": page.next_cursor}


@router.post(
    "/rma-charges/{charge_id}/waive", response={200: ChargeOut, **ERRORS}, summary="Staff: waive a charge, saying why"
)
def waive_charge(request: HttpRequest, payload: ReasonIn, charge_id: int = Path(..., ge=1, le=2**62)) -> dict[str, Any]:
    user = _user(request)
    services.waive_charge(user, charge_id, payload.reason)
    return _charge_out(queries.get_return_charge(user, charge_id))

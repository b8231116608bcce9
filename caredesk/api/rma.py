"""RMA requests (D-5.1 – D-5.3) in the API. Thin: every answer comes from ``rma``'s
queries and services. A request is named by its validation number, its RMA number once
approved, or one of its line numbers ``R…-n``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Path, Query, Router
from pydantic import Field, StrictBool

from caredesk.accounts.access import Capability, may
from caredesk.accounts.models import User
from caredesk.api.idempotency import idempotent
from caredesk.api.schemas import ErrorOut, FollowUpIn, In, Out, PriorityIn, QueryIn
from caredesk.rma import claims, queries, services
from caredesk.rma.models import FaultCategory, MisShipmentClaim, MisShipmentKind, RmaMessage, RmaRequest, RmaStatus

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
            }
            for line in queries.rma_lines(request)
        ],
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

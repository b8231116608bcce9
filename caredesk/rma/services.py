"""Every state change of an RMA request (D-5.1 – D-5.3): one function per use case, one
transaction each, every change recorded in the history (the request's, and the technical
case's where the case's people should read it).

- ``request_rma``: a TSE asks for units of a technical case to come back; each line is
  typed from the unit's entitlement (D-5.2), and a request for excluded damage is refused
  (D-5.3)
- ``amend_lines``: staff change the lines of a pending request
- ``approve``, ``reject``, ``ask_tse``, ``answer_specialist``, ``answer_question``: the
  RMA specialist's review and the TSE's answer
- ``ask_question``, ``cancel``, ``answer_quote``: the customer's side
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, may, require
from caredesk.accounts.models import User
from caredesk.cases.models import Case, CaseKind, CaseStatus
from caredesk.cases.queries import get_case
from caredesk.core import audit
from caredesk.core.clock import now
from caredesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caredesk.core.identifiers import allocate_rma_number, allocate_validation_number
from caredesk.entitlements.models import HardwareReplacement
from caredesk.entitlements.queries import AssetEntitlement, entitlement
from caredesk.installbase.models import Asset
from caredesk.installbase.queries import SERIAL_MAX, normalise_serial, today
from caredesk.rma.models import (
    EXCLUDED_FAULTS,
    EXCLUSION_REASON,
    OPEN_STATUSES,
    FaultCategory,
    QuoteStatus,
    RmaLine,
    RmaMessage,
    RmaMessageKind,
    RmaRequest,
    RmaStatus,
    RmaType,
    TypeReason,
)
from caredesk.rma.queries import locked_rma_request

LINES_MAX = 50
DESCRIPTION_MAX = 5_000
MESSAGE_MAX = 5_000
REASON_MAX = 2_000
ADVANCE_SPEEDS = frozenset({HardwareReplacement.SAME_DAY_4H, HardwareReplacement.NEXT_BUSINESS_DAY})

# D-5.3: what the free text may say of fire or flood, in the product's five languages. Such
# a line is flagged for the specialist, never refused: the fault category decides.
FIRE_AND_FLOOD_WORDS = {
    "en": ["fire", "fires", "burnt", "burned", "flood", "flooded", "flooding"],
    "de": ["feuer", "brandschaden", "brände", "hochwasser", "überschwemmung", "überflutung", "flut"],
    "fr": ["feu", "incendie", "incendié", "inondation", "inondé", "inondée", "crue"],
    "es": ["fuego", "incendio", "incendiado", "inundación", "inundado", "inundada"],
    "ja": ["火災", "火事", "焼損", "洪水", "浸水", "水害"],
}
_LATIN_WORDS = re.compile(
    r"(?<!\w)("
    + "|".join(re.escape(w) for code, words in FIRE_AND_FLOOD_WORDS.items() if code != "ja" for w in words)
    + r")(?!\w)",
    re.IGNORECASE,
)
_JAPANESE_WORDS = re.compile("|".join(FIRE_AND_FLOOD_WORDS["ja"]))


def fire_or_flood_words(text: str) -> list[str]:
    """The words of ``text`` that speak of fire or flood, each once, in the order found."""
    found = [m.group(0).casefold() for m in _LATIN_WORDS.finditer(text or "")]
    found += _JAPANESE_WORDS.findall(text or "")
    return list(dict.fromkeys(found))


@dataclass
class NewLine:
    """One unit asked for: its serial, what failed (a category) and the TSE's description."""

    serial: str
    fault_category: str
    failure_description: str


@dataclass
class Typed:
    rma_type: RmaType
    reason: TypeReason
    basis: dict[str, Any]


def type_for(answer: AssetEntitlement, day: date) -> Typed:
    """The RMA type of a unit from its entitlement answer (D-2.6) on ``day`` (D-5.2):

    1. dead on arrival: entitled and shipped at most ``RMA_DOA_DAYS`` days ago;
    2. advance replacement: an active contract whose level replaces hardware ahead (same
       day or next business day), unless a move left the unit at best effort (D-2.8);
    3. return to factory repair: an active contract whose level repairs at the factory,
       or a contract whose speed the unit's site cannot be given;
    4. standard product warranty: the hardware warranty runs;
    5. otherwise a time-and-material quote.

    Pure: no queries."""
    asset = answer.asset
    entitled = answer.technical_cases
    if entitled and asset.ship_date is not None and 0 <= (day - asset.ship_date).days <= settings.RMA_DOA_DAYS:
        return Typed(
            RmaType.DEAD_ON_ARRIVAL,
            TypeReason.DEAD_ON_ARRIVAL,
            {"ship_date": asset.ship_date.isoformat(), "days": settings.RMA_DOA_DAYS},
        )
    hardware = [
        c for c in answer.active_contracts if entitled and c.service_level.hw_replacement != HardwareReplacement.NONE
    ]
    best = max(hardware, key=lambda c: c.service_level.replacement_rank, default=None)
    if best is not None:
        basis = {"contract": best.contract_id, "level": best.service_level.name}
        if answer.best_effort:
            return Typed(RmaType.RETURN_TO_FACTORY, TypeReason.BEST_EFFORT, {"contract": best.contract_id})
        if best.service_level.hw_replacement in ADVANCE_SPEEDS:
            return Typed(RmaType.ADVANCE_REPLACEMENT, TypeReason.ADVANCE_REPLACEMENT, basis)
        return Typed(RmaType.RETURN_TO_FACTORY, TypeReason.RETURN_TO_FACTORY, basis)
    if entitled and answer.warranty.hardware_active and answer.warranty.hardware_until is not None:
        return Typed(RmaType.WARRANTY, TypeReason.WARRANTY, {"until": answer.warranty.hardware_until.isoformat()})
    return Typed(RmaType.TIME_AND_MATERIAL, TypeReason.NOT_ENTITLED, {})


def quote_price(asset: Asset) -> Decimal:
    """A time-and-material repair's price (D-5.2): a share of the product's list price."""
    share = Decimal(settings.RMA_TIME_AND_MATERIAL_PERCENT) / Decimal(100)
    return (Decimal(asset.product.list_price) * share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _checked_lines(
    actor: User, case: Case, lines: Sequence[NewLine], *, amending: RmaRequest | None = None
) -> list[RmaLine]:
    """The lines, checked and typed, unsaved; every problem at once, by field. A unit may
    be on one open request only (``amending``'s own lines aside)."""
    if not lines:
        raise ValidationFailed(_("Name at least one unit."), fields={"lines": _("Add at least one unit.")})
    if len(lines) > LINES_MAX:
        raise ValidationFailed(
            _("Too many units for one request."), fields={"lines": _("At most %(n)s units.") % {"n": LINES_MAX}}
        )
    errors: dict[str, str] = {}
    built: list[RmaLine] = []
    seen: set[str] = set()
    day = today()
    for index, line in enumerate(lines):
        at = f"lines.{index}"
        serial = normalise_serial(line.serial or "")
        description = (line.failure_description or "").strip()
        if line.fault_category not in FaultCategory.values:
            errors[f"{at}.fault_category"] = _("Choose what failed.")
        if not description:
            errors[f"{at}.failure_description"] = _("Describe the failure.")
        elif len(description) > DESCRIPTION_MAX or "\x00" in description:
            errors[f"{at}.failure_description"] = _("At most %(n)s characters.") % {"n": DESCRIPTION_MAX}
        answer = None
        if not serial or len(serial) > SERIAL_MAX:
            errors[f"{at}.serial"] = _("Enter the unit's serial number.")
        elif serial in seen:
            errors[f"{at}.serial"] = _("This unit is already on the request.")
        else:
            seen.add(serial)
            try:
                found = entitlement(actor, serial, kind="serial")
                answer = found.assets[0] if found.found_by == "serial" and found.assets else None
            except NotFound:
                answer = None
            if answer is None or answer.asset.owner_id != case.organisation_id:
                errors[f"{at}.serial"] = _(
                    "No unit with serial number %(serial)s is registered to this organisation."
                ) % {"serial": serial}
                answer = None
        if answer is None or f"{at}.fault_category" in errors or f"{at}.failure_description" in errors:
            continue
        typed = type_for(answer, day)
        built.append(
            RmaLine(
                position=index + 1,
                asset=answer.asset,
                serial=answer.asset.serial,
                fault_category=line.fault_category,
                failure_description=description,
                flagged_words=fire_or_flood_words(description),
                rma_type=typed.rma_type,
                type_reason=typed.reason,
                type_basis=typed.basis,
                quote_price=quote_price(answer.asset) if typed.rma_type == RmaType.TIME_AND_MATERIAL else None,
            )
        )
    # The units are locked until the request commits, so that two requests made at once
    # cannot both take the same unit.
    list(Asset.objects.select_for_update().filter(pk__in=[line.asset_id for line in built]).values_list("pk"))
    busy = RmaLine.objects.filter(serial__in=[line.serial for line in built], request__status__in=OPEN_STATUSES)
    if amending is not None:
        busy = busy.exclude(request=amending)
    taken = set(busy.values_list("serial", flat=True))
    for index, line in enumerate(lines):
        if normalise_serial(line.serial or "") in taken and f"lines.{index}.serial" not in errors:
            errors[f"lines.{index}.serial"] = _("This unit is already on another pending RMA request.")
    if errors:
        raise ValidationFailed(_("Some lines of the request need attention."), fields=errors)
    return built


def _summary(lines: Sequence[RmaLine]) -> list[dict[str, Any]]:
    return [
        {
            "serial": line.serial,
            "fault_category": line.fault_category,
            "rma_type": line.rma_type,
            "type_reason": line.type_reason,
            "flagged_words": line.flagged_words,
            "quote_price": str(line.quote_price) if line.quote_price is not None else None,
        }
        for line in lines
    ]


def _apply_lines(request: RmaRequest, lines: list[RmaLine]) -> dict[str, Any]:
    """Store ``lines`` as the request's lines; set its quote, and refuse it when a line is
    for damage no RMA covers (D-5.3). Returns the request's changes for the history."""
    for line in lines:
        line.request = request
    RmaLine.objects.bulk_create(lines)
    changes: dict[str, Any] = {}
    priced = [line.quote_price for line in lines if line.quote_price is not None]
    quote = (QuoteStatus.OFFERED.value, sum(priced, Decimal("0.00"))) if priced else ("", None)
    currency = lines[0].asset.product.currency if priced else ""
    if (request.quote_status, request.quote_total, request.quote_currency) != (*quote, currency):
        changes["quote"] = [str(request.quote_total) if request.quote_total is not None else None,
                            str(quote[1]) if quote[1] is not None else None]  # fmt: skip
        request.quote_status, request.quote_total = quote
        request.quote_currency = currency
    if any(line.fault_category in EXCLUDED_FAULTS for line in lines):
        changes["status"] = [request.status, RmaStatus.REFUSED.value]
        request.status = RmaStatus.REFUSED
        request.decision_reason = str(EXCLUSION_REASON)
        request.decided_at = now()
    return changes


@transaction.atomic
def request_rma(actor: User, case_id: str, lines: Sequence[NewLine]) -> RmaRequest:
    """A TSE's request for units of a technical case to come back (D-5.1). It gets a
    validation number at once; each line its type from the unit's entitlement (D-5.2), and
    a time-and-material line its price. A line for damage by fire, flood or another act
    of nature refuses the whole request with that reason (D-5.3): it is kept, refused,
    and never gets an RMA number."""
    require(actor, Capability.CREATE_RMA_REQUESTS)
    case = get_case(actor, case_id)
    if case.kind != CaseKind.TECHNICAL:
        raise ValidationFailed(
            _("RMA requests are raised from technical cases."), fields={"case_id": _("Choose a technical case.")}
        )
    if case.status == CaseStatus.CLOSED:
        raise Conflict(_("The case is closed: reopen it before raising an RMA request."))
    built = _checked_lines(actor, case, lines)
    moment = now()
    request = RmaRequest.objects.create(
        validation_number=allocate_validation_number(moment),
        case=case,
        organisation_id=case.organisation_id,
        requested_by=actor,
        created_at=moment,
        updated_at=moment,
    )
    changes = _apply_lines(request, built)
    if changes:
        request.save()
    audit.record(
        request,
        "requested",
        actor,
        {"validation_number": request.validation_number, "case": case.case_id, "lines": _summary(built), **changes},
    )
    audit.record(case, "rma_requested", actor, {"rma": request.validation_number, "status": request.status})
    return request


def _open(request: RmaRequest) -> None:
    if request.status not in OPEN_STATUSES:
        raise Conflict(
            _("The RMA request is %(status)s: it can no longer be changed.")
            % {"status": RmaStatus(request.status).label.lower()}
        )


def _change(request: RmaRequest, actor: User, action: str, changes: dict[str, Any], **extra: Any) -> None:
    """Save the request's changed fields and record the change on it and on its case."""
    before = {name: getattr(request, name) for name in changes}
    for name, value in changes.items():
        setattr(request, name, value)
    request.updated_at = now()
    request.save(update_fields=[*changes, "updated_at"])
    diff = {name: [audit_value(before[name]), audit_value(value)] for name, value in changes.items()}
    audit.record(request, action, actor, {**diff, **extra})
    audit.record(request.case, f"rma_{action}", actor, {"rma": request.number, **diff})


def audit_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if hasattr(value, "pk"):
        return value.pk
    return str(value)


@transaction.atomic
def amend_lines(actor: User, number: str, lines: Sequence[NewLine]) -> RmaRequest:
    """Staff (the TSE or an RMA specialist) replace the lines of a pending request; they
    are typed and checked again, as when it was requested."""
    if not (may(actor, Capability.CREATE_RMA_REQUESTS) or may(actor, Capability.APPROVE_RMAS)):
        raise Forbidden(_("Only technical support engineers and RMA specialists change an RMA request."))
    request = locked_rma_request(actor, number)
    _open(request)
    built = _checked_lines(actor, request.case, lines, amending=request)
    before = _summary(rma_lines_of(request))
    request.lines.all().delete()
    changes = _apply_lines(request, built)
    request.updated_at = now()
    request.save()
    audit.record(request, "lines_amended", actor, {"lines": [before, _summary(built)], **changes})
    audit.record(request.case, "rma_lines_amended", actor, {"rma": request.number, **changes})
    return request


def rma_lines_of(request: RmaRequest) -> list[RmaLine]:
    return list(request.lines.order_by("position"))


@transaction.atomic
def approve(actor: User, number: str) -> RmaRequest:
    """An RMA specialist approves (D-5.1): the request gets the next RMA number of the one
    sequence, and each unit still on it a line number ``R…-1``, ``R…-2`` … in the order
    the units were requested. A quote must have been accepted first (D-5.2)."""
    require(actor, Capability.APPROVE_RMAS)
    request = locked_rma_request(actor, number)
    _open(request)
    lines = [line for line in rma_lines_of(request) if not line.withdrawn]
    if any(line.fault_category in EXCLUDED_FAULTS for line in lines):
        raise Conflict(str(EXCLUSION_REASON))
    if request.quote_status == QuoteStatus.OFFERED:
        raise Conflict(_("The customer has not accepted the time-and-material quote yet."))
    rma_number = allocate_rma_number(settings.RMA_NUMBER_START)
    for n, line in enumerate(lines, start=1):
        line.line_number = f"{rma_number}-{n}"
    RmaLine.objects.bulk_update(lines, ["line_number"])
    moment = now()
    _change(
        request,
        actor,
        "approved",
        {"status": RmaStatus.APPROVED, "rma_number": rma_number, "decided_by": actor, "decided_at": moment},
        lines=[line.line_number for line in lines],
    )
    return request


def _reason(text: str, field: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise ValidationFailed(_("Please give a reason."), fields={field: _("Please fill this in.")})
    if len(reason) > REASON_MAX or "\x00" in reason:
        raise ValidationFailed(
            _("The text is too long."), fields={field: _("At most %(n)s characters.") % {"n": REASON_MAX}}
        )
    return reason


@transaction.atomic
def reject(actor: User, number: str, reason: str) -> RmaRequest:
    """An RMA specialist rejects the request, saying why; it gets no RMA number."""
    require(actor, Capability.APPROVE_RMAS)
    text = _reason(reason, "reason")
    request = locked_rma_request(actor, number)
    _open(request)
    _change(
        request,
        actor,
        "rejected",
        {"status": RmaStatus.REJECTED, "decision_reason": text, "decided_by": actor, "decided_at": now()},
    )
    return request


def _message(request: RmaRequest, actor: User, kind: RmaMessageKind, body: str) -> RmaMessage:
    text = _reason(body, "body")
    return RmaMessage.objects.create(
        request=request, kind=kind, author=actor, author_name=actor.full_name or actor.email, body=text
    )


@transaction.atomic
def ask_tse(actor: User, number: str, question: str) -> RmaMessage:
    """An RMA specialist asks the TSE before deciding; the request waits for the answer."""
    require(actor, Capability.APPROVE_RMAS)
    request = locked_rma_request(actor, number)
    _open(request)
    message = _message(request, actor, RmaMessageKind.TO_TSE, question)
    before = request.status
    request.status = RmaStatus.AWAITING_TSE
    request.updated_at = now()
    request.save(update_fields=["status", "updated_at"])
    audit.record(
        request, "asked_tse", actor, {"message": message.pk, "status": [before, request.status]}, internal=True
    )
    return message


@transaction.atomic
def answer_specialist(actor: User, number: str, body: str) -> RmaMessage:
    """The TSE answers the specialist's question; the request is pending review again."""
    require(actor, Capability.CREATE_RMA_REQUESTS)
    request = locked_rma_request(actor, number)
    _open(request)
    message = _message(request, actor, RmaMessageKind.FROM_TSE, body)
    before = request.status
    request.status = RmaStatus.PENDING
    request.updated_at = now()
    request.save(update_fields=["status", "updated_at"])
    audit.record(
        request, "tse_answered", actor, {"message": message.pk, "status": [before, request.status]}, internal=True
    )
    return message


@transaction.atomic
def ask_question(actor: User, number: str, body: str) -> RmaMessage:
    """The customer asks a question on a pending request (D-5.1); an RMA specialist answers."""
    require(actor, Capability.ASK_ABOUT_RMAS)
    request = locked_rma_request(actor, number)
    _open(request)
    message = _message(request, actor, RmaMessageKind.QUESTION, body)
    request.updated_at = now()
    request.save(update_fields=["updated_at"])
    audit.record(request, "question_asked", actor, {"message": message.pk})
    audit.record(request.case, "rma_question_asked", actor, {"rma": request.number, "message": message.pk})
    return message


@transaction.atomic
def answer_question(actor: User, number: str, body: str) -> RmaMessage:
    """An RMA specialist answers the customer."""
    require(actor, Capability.APPROVE_RMAS)
    request = locked_rma_request(actor, number)
    if not request.messages.filter(kind=RmaMessageKind.QUESTION).exists():
        raise Conflict(_("The customer has asked no question on this request."))
    message = _message(request, actor, RmaMessageKind.ANSWER, body)
    request.updated_at = now()
    request.save(update_fields=["updated_at"])
    audit.record(request, "question_answered", actor, {"message": message.pk})
    audit.record(request.case, "rma_question_answered", actor, {"rma": request.number, "message": message.pk})
    return message


@transaction.atomic
def cancel(actor: User, number: str, reason: str = "") -> RmaRequest:
    """The customer cancels a pending request (D-5.1): nothing has been approved or shipped
    yet, so it is cancelled at once."""
    require(actor, Capability.ASK_ABOUT_RMAS)
    text = (reason or "").strip()
    if len(text) > REASON_MAX or "\x00" in text:
        raise ValidationFailed(
            _("The text is too long."), fields={"reason": _("At most %(n)s characters.") % {"n": REASON_MAX}}
        )
    request = locked_rma_request(actor, number)
    _open(request)
    _change(
        request,
        actor,
        "cancelled",
        {"status": RmaStatus.CANCELLED, "decision_reason": text, "decided_by": actor, "decided_at": now()},
    )
    return request


@transaction.atomic
def answer_quote(actor: User, number: str, accept: bool) -> RmaRequest:
    """The customer accepts or declines the time-and-material quote (D-5.2). Declined, the
    units it prices leave the request; a request with no unit left is cancelled."""
    require(actor, Capability.ANSWER_RMA_QUOTES)
    request = locked_rma_request(actor, number)
    _open(request)
    if request.quote_status != QuoteStatus.OFFERED:
        raise Conflict(_("There is no quote waiting for an answer on this request."))
    if accept:
        _change(request, actor, "quote_accepted", {"quote_status": QuoteStatus.ACCEPTED})
        return request
    priced = [line for line in rma_lines_of(request) if line.quote_price is not None]
    for line in priced:
        line.withdrawn = True
    RmaLine.objects.bulk_update(priced, ["withdrawn"])
    changes: dict[str, Any] = {"quote_status": QuoteStatus.DECLINED}
    if not request.lines.filter(withdrawn=False).exists():
        changes |= {
            "status": RmaStatus.CANCELLED,
            "decision_reason": _("The customer declined the time-and-material quote."),
            "decided_by": actor,
            "decided_at": now(),
        }
    _change(request, actor, "quote_declined", changes, withdrawn=[line.serial for line in priced])
    return request

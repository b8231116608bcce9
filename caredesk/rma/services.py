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
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, may, require
from caredesk.accounts.models import User
from caredesk.cases.models import Case, CaseKind, CaseStatus
from caredesk.cases.queries import get_case
from caredesk.core import audit
from caredesk.core.clock import now
from caredesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caredesk.core.identifiers import allocate_rma_number, allocate_validation_number, normalise_rma_number
from caredesk.entitlements.models import Contract, HardwareReplacement
from caredesk.entitlements.queries import AssetEntitlement, entitlement
from caredesk.entitlements.services import cover_replacement, depot_delivering
from caredesk.installbase.models import Asset
from caredesk.installbase.queries import SERIAL_MAX, normalise_serial, today
from caredesk.installbase.services import register_replacement
from caredesk.rma import events, labels
from caredesk.rma.models import (
    EXCLUDED_FAULTS,
    EXCLUSION_REASON,
    OPEN_STATUSES,
    ChargeStatus,
    FaultCategory,
    LineStatus,
    Parcel,
    ParcelOutcome,
    QuoteStatus,
    ReturnCharge,
    RmaLine,
    RmaMessage,
    RmaMessageKind,
    RmaRequest,
    RmaStatus,
    RmaType,
    TypeReason,
)
from caredesk.rma.queries import (
    get_rma_request,
    locked_rma_line,
    locked_rma_request,
    return_region_of,
    rma_lines,
    visible_return_charges,
    visible_rma_lines,
)
from caredesk.sla.queries import support_calendar

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
        basis = {"contract": best.contract_id, "level": best.service_level.name,
                 "speed": best.service_level.hw_replacement}  # fmt: skip
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
    _number_on_case(request)
    audit.record(
        request,
        "requested",
        actor,
        {"validation_number": request.validation_number, "case": case.case_id, "lines": _summary(built), **changes},
    )
    audit.record(case, "rma_requested", actor, {"rma": request.validation_number, "status": ["", request.status]})
    events.emit(events.RequestStatusChanged(request, actor, before="", after=request.status))
    return request


def _number_on_case(request: RmaRequest, *, instead_of: str = "") -> None:
    """Keep ``Case.rma_numbers``, the request numbers the case lists show (D-3.6): add the
    request's, or put its RMA number in place of its validation number. The case row is
    locked, so that two requests on one case at once both stay listed."""
    [numbers] = Case.objects.select_for_update().filter(pk=request.case_id).values_list("rma_numbers", flat=True)
    numbers = list(numbers or [])
    if instead_of in numbers:
        numbers[numbers.index(instead_of)] = request.number
    elif request.number not in numbers:
        numbers.append(request.number)
    Case.objects.filter(pk=request.case_id).update(rma_numbers=numbers)


def _open(request: RmaRequest) -> None:
    if request.status not in OPEN_STATUSES:
        raise Conflict(
            _("The RMA request is %(status)s: it can no longer be changed.")
            % {"status": RmaStatus(request.status).label.lower()}
        )


def _change(
    request: RmaRequest, actor: User, action: str, changes: dict[str, Any], *, internal: bool = False, **extra: Any
) -> None:
    """Save the request's changed fields and record the change on it and, unless it is
    between staff (``internal``), on its case; a new status is an event (D-5.6)."""
    before = {name: getattr(request, name) for name in changes}
    for name, value in changes.items():
        setattr(request, name, value)
    request.updated_at = now()
    request.save(update_fields=[*changes, "updated_at"])
    diff = {name: [audit_value(before[name]), audit_value(value)] for name, value in changes.items()}
    # on the request, and the copy in the case's history (between staff: seen by staff only)
    audit.record_each(
        [(request, action, {**diff, **extra}), (request.case, f"rma_{action}", {"rma": request.number, **diff})],
        actor,
        internal=internal,
    )
    if "status" in changes and before["status"] != request.status:
        events.emit(events.RequestStatusChanged(request, actor, before=str(before["status"]), after=request.status))


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
    if "status" in changes:  # amended to damage no RMA covers: refused (D-5.3), and told (D-5.6)
        old, new = changes["status"]
        events.emit(events.RequestStatusChanged(request, actor, before=str(old), after=str(new)))
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
    lines = [line for line in request.lines.select_related("asset__site").order_by("position") if not line.withdrawn]
    if any(line.fault_category in EXCLUDED_FAULTS for line in lines):
        raise Conflict(str(EXCLUSION_REASON))
    if request.quote_status == QuoteStatus.OFFERED:
        raise Conflict(_("The customer has not accepted the time-and-material quote yet."))
    rma_number = allocate_rma_number(settings.RMA_NUMBER_START)
    moment = now()
    for n, line in enumerate(lines, start=1):
        line.line_number = f"{rma_number}-{n}"
        # D-5.4: a line's logistics start here; every later state comes from ``move``.
        line.status, line.status_changed_at = LineStatus.APPROVED, moment
        if line.rma_type == RmaType.ADVANCE_REPLACEMENT:
            line.ship_by, line.ship_from = ship_by(line, moment)
    RmaLine.objects.bulk_update(lines, ["line_number", "status", "status_changed_at", "ship_by", "ship_from"])
    _change(
        request,
        actor,
        "approved",
        {"status": RmaStatus.APPROVED, "rma_number": rma_number, "decided_by": actor, "decided_at": moment},
        lines=[line.line_number for line in lines],
    )
    _number_on_case(request, instead_of=request.validation_number)
    return request


def ship_by(line: RmaLine, moment: datetime) -> tuple[datetime | None, str]:
    """D-5.2: when an advance replacement approved at ``moment`` ships, and from which
    depot: the contract's replacement speed at the depot that delivers it at the unit's
    site (D-2.8). Same day, 4 hours: within four hours, round the clock; next business
    day: within one business day of the support centre's calendar (D-4.2). ``(None, "")``
    where no depot delivers that speed there."""
    speed = line.type_basis.get("speed") if isinstance(line.type_basis, dict) else None
    if speed is None and isinstance(line.type_basis, dict) and line.type_basis.get("contract"):
        speed = (
            Contract.objects.filter(contract_id=line.type_basis["contract"])
            .values_list("service_level__hw_replacement", flat=True)
            .first()
        )
    site = line.asset.site
    depot = depot_delivering(site, speed) if site is not None and speed in ADVANCE_SPEEDS else None
    if depot is None:
        return None, ""
    if speed == HardwareReplacement.SAME_DAY_4H:
        return moment + timedelta(hours=4), depot.name
    return support_calendar().add_business_time(moment, timedelta(days=1)), depot.name


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
    _change(request, actor, "asked_tse", {"status": RmaStatus.AWAITING_TSE}, internal=True, message=message.pk)
    return message


@transaction.atomic
def answer_specialist(actor: User, number: str, body: str) -> RmaMessage:
    """The TSE answers the specialist's question; the request is pending review again."""
    require(actor, Capability.CREATE_RMA_REQUESTS)
    request = locked_rma_request(actor, number)
    _open(request)
    message = _message(request, actor, RmaMessageKind.FROM_TSE, body)
    _change(request, actor, "tse_answered", {"status": RmaStatus.PENDING}, internal=True, message=message.pk)
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
    events.emit(events.QuestionAnswered(request, actor, message=message))
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


# --- logistics (D-5.4): each line's own states ------------------------------------------------


REPAIR_TYPES = frozenset(
    {RmaType.RETURN_TO_FACTORY, RmaType.DEAD_ON_ARRIVAL, RmaType.WARRANTY, RmaType.TIME_AND_MATERIAL}
)
ADVANCE_TYPES = frozenset({RmaType.ADVANCE_REPLACEMENT})
TRACKING_MAX = 64


class LineAction(StrEnum):
    """What can be done to a line (D-5.4): the names of the transitions."""

    SHIP_REPLACEMENT = "ship_replacement"
    DELIVER = "deliver"
    AWAIT_RETURN = "await_return"
    RECEIVE = "receive"
    REPAIR = "repair"
    SHIP_BACK = "ship_back"
    CLOSE = "close"


@dataclass(frozen=True)
class Transition:
    """One move of a line: from which states, to which, for which RMA types, and whether it
    carries a shipment (carrier and tracking number)."""

    sources: frozenset[LineStatus]
    target: LineStatus
    types: frozenset[str]
    shipment: bool = False


def _t(
    sources: set[LineStatus], target: LineStatus, types: frozenset[RmaType], *, shipment: bool = False
) -> Transition:
    return Transition(frozenset(sources), target, frozenset(str(t) for t in types), shipment)


S = LineStatus
# D-5.4 as data: every move a line can make. ``move`` is the only code that changes a line's
# state, and it reads this table and nothing else to decide whether a move is allowed.
TRANSITIONS: dict[tuple[LineAction, str], Transition] = {
    # advance replacement: the replacement ships first, the defective unit comes back after
    (LineAction.SHIP_REPLACEMENT, "advance"): _t({S.APPROVED}, S.REPLACEMENT_SHIPPED, ADVANCE_TYPES, shipment=True),
    (LineAction.DELIVER, "advance"): _t({S.REPLACEMENT_SHIPPED}, S.DELIVERED, ADVANCE_TYPES),
    (LineAction.RECEIVE, "advance"): _t({S.REPLACEMENT_SHIPPED, S.DELIVERED}, S.DEFECTIVE_RECEIVED, ADVANCE_TYPES),
    (LineAction.CLOSE, "advance"): _t({S.DEFECTIVE_RECEIVED}, S.CLOSED, ADVANCE_TYPES),
    # repair (at the factory, dead on arrival, warranty, time and material): the unit comes
    # back first, is repaired and goes back
    (LineAction.AWAIT_RETURN, "repair"): _t({S.APPROVED}, S.AWAITING_RETURN, REPAIR_TYPES),
    (LineAction.RECEIVE, "repair"): _t({S.APPROVED, S.AWAITING_RETURN}, S.RECEIVED, REPAIR_TYPES),
    (LineAction.REPAIR, "repair"): _t({S.RECEIVED}, S.REPAIRED, REPAIR_TYPES),
    (LineAction.SHIP_BACK, "repair"): _t({S.REPAIRED}, S.SHIPPED_BACK, REPAIR_TYPES, shipment=True),
    (LineAction.CLOSE, "repair"): _t({S.SHIPPED_BACK}, S.CLOSED, REPAIR_TYPES),
}


def flow_of(rma_type: str) -> str:
    return "advance" if rma_type in ADVANCE_TYPES else "repair"


def transition_for(line: RmaLine, action: str) -> Transition | None:
    """The table's move ``action`` for ``line`` from where it stands, or None."""
    try:
        key = (LineAction(action), flow_of(line.rma_type))
    except ValueError:
        return None
    found = TRANSITIONS.get(key)
    if found is None or line.rma_type not in found.types or line.status not in found.sources:
        return None
    return found


def next_actions(line: RmaLine) -> list[LineAction]:
    """What can be done to ``line`` now, in the table's order (for pages and the API)."""
    flow = flow_of(line.rma_type)
    return [action for (action, of) in TRANSITIONS if of == flow and transition_for(line, action) is not None]


# The states whose unit is still to come back, now or (an advance replacement's, once the
# replacement has shipped) later: their return label can be printed.
COMING_BACK = frozenset(
    s for (action, _flow), t in TRANSITIONS.items() if action == LineAction.RECEIVE for s in t.sources
)


def expects_unit(line: RmaLine) -> bool:
    """Whether the depot may receive ``line``'s unit now, by its own flow: an advance
    replacement's defective unit only once the replacement has shipped."""
    return transition_for(line, LineAction.RECEIVE) is not None


def _receivable() -> Q:
    """``expects_unit`` as a condition on lines, from the table."""
    condition = Q()
    for (action, _flow), t in TRANSITIONS.items():
        if action == LineAction.RECEIVE:
            condition |= Q(status__in=t.sources, rma_type__in=t.types)
    return condition


def return_due(moment: Any) -> Any:
    """D-5.5: the instant the defective unit is due, ``RMA_RETURN_DAYS`` business days of
    the support centre's calendar (D-4.2) after ``moment``."""
    return support_calendar().add_business_time(moment, timedelta(days=settings.RMA_RETURN_DAYS))


def _shipment(carrier: str, tracking_number: str) -> tuple[str, str]:
    carrier, tracking = (carrier or "").strip(), (tracking_number or "").strip()
    errors: dict[str, str] = {}
    for name, value, what in (("carrier", carrier, _("Name the carrier.")),
                              ("tracking_number", tracking, _("Enter the tracking number."))):  # fmt: skip
        if not value:
            errors[name] = what
        elif len(value) > TRACKING_MAX or "\x00" in value:
            errors[name] = _("At most %(n)s characters.") % {"n": TRACKING_MAX}
    if errors:
        raise ValidationFailed(_("The shipment needs a carrier and a tracking number."), fields=errors)
    return carrier, tracking


def move(
    actor: User,
    line: RmaLine,
    action: str,
    *,
    also: Sequence[tuple[Any, str, dict[str, Any]]] = (),
    **changes: Any,
) -> RmaLine:
    """Move ``line`` (locked by the caller) by ``action`` when the table allows it from
    where the line stands, set ``changes`` with it, and record the move with who and when
    on the line, its request and the technical case (D-5.4). Inside the caller's
    transaction; the one place a line's state changes."""
    transition = transition_for(line, action)
    if transition is None:
        raise Conflict(
            _("Line %(line)s is %(status)s: that cannot be done now.")
            % {"line": line.line_number, "status": LineStatus(line.status).label.lower() if line.status else "-"}
        )
    moment = now()
    before = line.status
    fields = {"status": transition.target.value, "status_changed_at": moment, **changes}
    for name, value in fields.items():
        setattr(line, name, value)
    line.save(update_fields=list(fields))
    diff = {"status": [before, line.status], **{k: audit_value(v) for k, v in changes.items()}}
    request = line.request
    request.updated_at = moment
    request.save(update_fields=["updated_at"])
    shipment = {k: changes[k] for k in ("carrier", "tracking_number") if k in changes}
    audit.record_each(  # on the line, its request and the technical case, in one statement
        [
            (line, f"line_{action}", diff),
            (request, f"line_{action}", {"line": line.line_number, "status": diff["status"]}),
            (request.case, f"rma_line_{action}", {"line": line.line_number, "status": diff["status"], **shipment}),
            *also,  # the caller's rows of the same change (the parcel received)
        ],
        actor,
    )
    events.emit(events.LineStatusChanged(request, actor, line, before=before, after=line.status))
    return line


def _replace_unit(actor: User, line: RmaLine, serial: str) -> events.UnitReplaced:
    """Register the replacement in the installed base in the defective unit's place and
    move its contracts to it, recorded on both units. The event for listeners (licensing,
    D-6.3), sent once the line has shipped."""
    defective = Asset.objects.select_for_update().get(pk=line.asset_id)
    replacement = register_replacement(actor, defective, serial, reference=line.line_number or "")
    contracts = cover_replacement(defective, replacement)
    audit.record(replacement, "covered", actor, {"contracts": contracts, "reference": line.line_number})
    return events.UnitReplaced(
        line.request, actor, line, defective=defective, replacement=replacement, contracts=contracts
    )


@transaction.atomic
def advance_line(
    actor: User,
    line_number: str,
    action: str,
    *,
    carrier: str = "",
    tracking_number: str = "",
    replacement_serial: str = "",
) -> RmaLine:
    """Support logistics move a line on (D-5.4): ship the replacement (carrier, tracking
    number and the replacement's serial, which joins the installed base in the defective
    unit's place), record its delivery, mark a unit repaired, ship it back, close the line.
    Receiving goes through ``receive_parcel``. Shipping or delivering a replacement sets the
    deadline for the defective unit (D-5.5)."""
    require(actor, Capability.RECEIVE_RETURNS)
    if action == LineAction.RECEIVE:
        raise ValidationFailed(_("Book the parcel at the depot to receive a unit."), fields={"action": _("Not here.")})
    line = locked_rma_line(actor, line_number)
    transition = transition_for(line, action)
    if transition is None:
        move(actor, line, action)  # raises the refusal in words
    assert transition is not None
    changes: dict[str, Any] = {}
    replaced: events.UnitReplaced | None = None
    moment = now()
    if transition.shipment:
        changes["carrier"], changes["tracking_number"] = _shipment(carrier, tracking_number)
    if action == LineAction.SHIP_REPLACEMENT:
        if not (replacement_serial or "").strip():
            raise ValidationFailed(
                _("Enter the replacement's serial number."), fields={"replacement_serial": _("Required.")}
            )
        replaced = _replace_unit(actor, line, replacement_serial)
        changes["replacement"] = replaced.replacement
        changes |= {"shipped_at": moment, "return_due_at": return_due(moment)}
    elif action == LineAction.DELIVER:
        # D-5.5: counted from the delivery once one is recorded.
        changes |= {"delivered_at": moment, "return_due_at": return_due(moment)}
    elif action == LineAction.SHIP_BACK:
        changes["shipped_at"] = moment
    line = move(actor, line, action, **changes)
    if replaced is not None:
        events.emit(replaced)  # after the move: listeners see the line shipped, with its tracking number
    return line


# --- receiving at the depot (D-5.4) -----------------------------------------------------------


@dataclass
class Booking:
    """What became of a box at the depot: the parcel recorded, and the line it was booked
    against (None: rejected, return to sender)."""

    parcel: Parcel
    line: RmaLine | None


def _line_for(actor: User, scanned: str, serial: str) -> RmaLine | None:
    """The open line a box names: its line number, its RMA number (the request's only line
    still expected, or the one whose serial is in the box), or, with no number on it, a
    serial of a line still expected. None: nothing matches. The line is locked; its request
    and the technical case come with it (receiving writes to the history of both), unlocked."""
    locking = visible_rma_lines(actor).select_related("request__case").select_for_update(of=("self",))
    lines = locking.filter(_receivable())
    rma = normalise_rma_number(scanned) if len(scanned) <= 40 else None
    if rma is not None:
        rma_number, position = rma
        if position is not None:
            return locking.filter(line_number=f"{rma_number}-{position}").first()
        candidates = list(lines.filter(request__rma_number=rma_number).order_by("position"))
        by_serial = [c for c in candidates if serial and c.serial == serial]
        if by_serial:
            return by_serial[0]
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            raise ValidationFailed(
                _("RMA %(rma)s has several units still expected: scan the line number or the serial.")
                % {"rma": rma_number},
                fields={"serial": _("Enter the serial of the unit in the box.")},
            )
        if visible_rma_lines(actor).filter(request__rma_number=rma_number).exists():
            # A real RMA whose units are all back (often the same box scanned twice): a
            # person looks at it, rather than the box going back to the customer.
            raise Conflict(_("RMA %(rma)s expects no unit now.") % {"rma": rma_number})
        return None
    unit = normalise_serial(serial or scanned)
    found = list(lines.filter(serial=unit)[:2]) if unit and len(unit) <= SERIAL_MAX else []
    return found[0] if len(found) == 1 else None


@transaction.atomic
def receive_parcel(actor: User, scanned: str, serial: str = "") -> Booking:
    """Book a box at the depot (D-5.4) by what is written on it: a line number ``R…-n``, an
    RMA number, or, when it carries none, the serial of a unit on an open line; ``serial``
    is the serial read from the unit inside, where the depot reads it. A box that matches
    no open line is rejected, marked return to sender and recorded against no RMA. A unit
    whose serial is not the line's is held and the line flagged, never received silently.
    Every box booked, held or sent back is recorded; a scan refused with a reason (the line
    expects no unit now) books nothing, and the box stays at the depot for a person to look at."""
    require(actor, Capability.RECEIVE_RETURNS)
    text = (scanned or "").strip()
    inside = normalise_serial(serial or "")
    if not text or len(text) > 64 or "\x00" in text:
        raise ValidationFailed(_("Scan the label or the serial number."), fields={"scanned": _("Required.")})
    if len(inside) > SERIAL_MAX or "\x00" in inside:
        raise ValidationFailed(_("That is not a serial number."), fields={"serial": _("At most 64 characters.")})
    line = _line_for(actor, text, inside)
    if line is None:
        parcel = Parcel.objects.create(
            scanned=text, serial=inside, outcome=ParcelOutcome.RETURN_TO_SENDER, received_by=actor, received_at=now()
        )
        audit.record(parcel, "returned_to_sender", actor, {"scanned": text, "serial": inside})
        return Booking(parcel, None)
    if line.status == LineStatus.APPROVED and line.rma_type in ADVANCE_TYPES:
        raise Conflict(
            _(
                "Line %(line)s is an advance replacement whose replacement has not shipped yet: hold the box "
                "and ask support logistics to ship the replacement first."
            )
            % {"line": line.line_number}
        )
    if not expects_unit(line):
        raise Conflict(
            _("Line %(line)s is %(status)s: it expects no unit now.")
            % {"line": line.line_number, "status": LineStatus(line.status).label.lower() if line.status else "-"}
        )
    # Booked by its number: the unit inside must be the line's (a box scanned by serial is that serial).
    if inside and inside != line.serial:
        parcel = Parcel.objects.create(
            scanned=text, serial=inside, line=line, outcome=ParcelOutcome.SERIAL_MISMATCH, received_by=actor,
            received_at=now(),
        )  # fmt: skip
        line.mismatched_serial = inside
        line.save(update_fields=["mismatched_serial"])
        audit.record(line, "serial_mismatch", actor, {"expected": line.serial, "found": inside, "parcel": parcel.pk})
        audit.record(parcel, "held", actor, {"line": line.line_number, "expected": line.serial, "found": inside})
        audit.record(line.request.case, "rma_serial_mismatch", actor, {"line": line.line_number}, internal=True)
        return Booking(parcel, line)
    moment = now()
    parcel = Parcel.objects.create(
        scanned=text, serial=inside or line.serial, line=line, outcome=ParcelOutcome.RECEIVED, received_by=actor,
        received_at=moment,
    )  # fmt: skip
    move(actor, line, LineAction.RECEIVE, received_at=moment, mismatched_serial="",
         also=[(parcel, "received", {"line": line.line_number})])  # fmt: skip
    return Booking(parcel, line)


# --- returns not received (D-5.5) ---------------------------------------------------------------

RETURN_SWEEP_BATCH = 1000


def _claim_overdue(batch: int) -> list[int]:
    """Claim up to ``batch`` lines whose defective unit is overdue by setting their flag in
    one UPDATE whose condition is checked again on each row it locks, so two sweeps at once
    never both claim a line; the condition is the partial index's, so only owed rows are
    read. The ids."""
    table = RmaLine._meta.db_table
    moment = now()
    condition = "return_due_at <= %s AND received_at IS NULL AND charge_flagged_at IS NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET charge_flagged_at = %s WHERE id IN ("  # noqa: S608 - our own constants, no input
            f"SELECT id FROM {table} WHERE {condition} ORDER BY return_due_at LIMIT %s) AND {condition} RETURNING id",
            [moment, moment, batch, moment],
        )
        return [row[0] for row in cursor.fetchall()]


def sweep_returns_not_received(*, batch: int = RETURN_SWEEP_BATCH) -> int:
    """D-5.5: flag each advance-replacement line whose defective unit was not received by
    its deadline, once, for a charge of the product's full list price; record it on the line
    and tell listeners (the customer's notice). A unit received before the deadline has a
    reception time and is never claimed. The number of lines flagged."""
    flagged = 0
    while True:
        with transaction.atomic():
            claimed = _claim_overdue(batch)
            lines = list(
                RmaLine.objects.filter(pk__in=claimed).select_related(
                    "request__case__contact", "request__case__opened_by", "asset__product"
                )
            )
            charges = ReturnCharge.objects.bulk_create(
                [
                    ReturnCharge(
                        line=line,
                        organisation_id=line.request.organisation_id,
                        amount=line.asset.product.list_price,
                        currency=line.asset.product.currency,
                        # both set: the claim's condition and its assignment
                        due_at=line.return_due_at or now(),
                        flagged_at=line.charge_flagged_at or now(),
                    )
                    for line in lines
                ]
            )
            audit.record_many(
                [
                    (
                        line,
                        {
                            "due": audit_value(line.return_due_at),
                            "amount": str(line.asset.product.list_price),
                            "currency": line.asset.product.currency,
                        },
                    )
                    for line in lines
                ],  # fmt: skip
                "return_charge_flagged",
                None,
            )
            audit.record_many(  # the copy in the technical case's history (D-5.6)
                [(line.request.case, {"line": line.line_number}) for line in lines], "rma_return_charge_flagged", None
            )
            events.emit_many([events.ReturnChargeFlagged(c.line.request, None, c.line, charge=c) for c in charges])
        flagged += len(claimed)
        if not claimed:  # not "fewer than a batch": a concurrent sweep may have taken some
            return flagged


@transaction.atomic
def waive_charge(actor: User, charge_id: int, reason: str) -> ReturnCharge:
    """Staff waive a charge for a unit not returned, saying why (D-5.5)."""
    require(actor, Capability.APPROVE_RMAS)
    text = _reason(reason, "reason")
    charge = visible_return_charges(actor).select_for_update(of=("self",)).filter(pk=charge_id).first()
    if charge is None:
        raise NotFound(_("No such charge."))
    if charge.status != ChargeStatus.OPEN:
        raise Conflict(_("The charge has been waived already."))
    charge.status, charge.waived_by, charge.waived_at, charge.waive_reason = ChargeStatus.WAIVED, actor, now(), text
    charge.save(update_fields=["status", "waived_by", "waived_at", "waive_reason"])
    audit.record(charge, "waived", actor, {"status": [ChargeStatus.OPEN.value, charge.status], "reason": text})
    audit.record(charge.line, "return_charge_waived", actor, {"reason": text})
    line = charge.line
    audit.record(line.request.case, "rma_return_charge_waived", actor, {"line": line.line_number})
    events.emit(events.ReturnChargeWaived(line.request, actor, line, charge=charge))
    return charge


# --- the return label (D-5.4) -----------------------------------------------------------------


@dataclass
class ReturnLabel:
    filename: str
    pdf: bytes


def return_label(actor: User, number: str) -> ReturnLabel:
    """The return label of a line (``R…-n``), or of every line of an RMA whose unit is
    still expected (``R…``): a page each, with the line number as a Code 128 barcode and
    the return address of the region of the unit's site (D-5.4). Whoever sees the request
    may print it (D-1.3)."""
    request = get_rma_request(actor, number)
    lines = [line for line in rma_lines(request) if line.line_number]
    rma = normalise_rma_number((number or "").strip())
    if rma is not None and rma[1] is not None:
        lines = [line for line in lines if line.line_number == f"{rma[0]}-{rma[1]}"]
    else:
        lines = [line for line in lines if line.status in COMING_BACK]
    if not lines:
        raise Conflict(_("No unit of this RMA is expected back, so there is no label to print."))
    pages = []
    for line in lines:
        region = return_region_of(line)
        if region is None:
            raise Conflict(
                _("No return address is set for the country of the unit's site yet; Customer Care will send one.")
            )
        pages.append(
            labels.LabelPage(
                number=line.line_number or "",
                serial=line.serial,
                address=[text for text in region.address.splitlines() if text.strip()],
                heading=_("Return to the vendor"),
                serial_caption=_("Serial number"),
                address_caption=_("Return address"),
            )
        )
    name = lines[0].line_number if len(lines) == 1 else request.rma_number
    return ReturnLabel(
        f"return-label-{name}.pdf", labels.render(pages, title=_("Return label %(number)s") % {"number": name})
    )

"""Which case, RMA and account event becomes which notice, to whom (D-7.4, D-4.3, D-4.4,
D-4.5, D-5.6), and the webhook delivery every case and RMA event becomes. Connected to the
apps' signals in ``apps.ready``; runs inside the transaction of the change."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from caredesk.accounts import events as account_events
from caredesk.accounts.access import organisation_administrators
from caredesk.accounts.models import User
from caredesk.cases import events
from caredesk.cases.models import Case, CaseStatus, CloseReason
from caredesk.cases.services import on_call_team
from caredesk.core.addresses import base_url, link
from caredesk.notifications.models import Message
from caredesk.notifications.services import compose, queue_webhooks, write
from caredesk.rma import events as rma_events
from caredesk.rma.models import EXCLUSION_REASON, LineStatus, RmaLine, RmaRequest, RmaStatus, RmaType

# Rendered in the recipient's language (the notice is rendered under their language).
LEVELS: dict[int, Promise] = {1: _("team lead"), 2: _("care manager"), 3: _("director")}


def _customers(case: Case) -> list[User]:
    """The customer side of a case: its contact, and whoever opened it for them if that was
    a customer user too (a colleague, a consultant)."""
    people = [case.contact]
    if case.opened_by_id != case.contact_id and not case.opened_by.is_vendor_staff:
        people.append(case.opened_by)
    return people


def _link(case: Case, staff: bool) -> str:
    return f"{base_url()}/{'console/' if staff else ''}cases/{case.case_id}/"


def _tell(event: str, template: str, case: Case, people: list[User], key: str, **context: Any) -> list[Message]:
    rows: list[Message] = []
    staff = [u for u in people if u.is_vendor_staff]
    others = [u for u in people if not u.is_vendor_staff]
    for group, is_staff in ((staff, True), (others, False)):
        if group:
            rows += compose(
                event,
                template,
                group,
                {"case": case, "link": _link(case, is_staff), "centre": settings.SUPPORT_CENTRE_NAME, **context},
                key=key,
                case_ref=case.case_id,
            )
    return rows


def notices(event: events.CaseEvent) -> list[Message]:
    """The messages one case event makes (not yet saved)."""
    case, actor = event.case, event.actor
    cid = case.case_id
    match event:
        case events.CaseOpened():
            rows = _tell("case.opened", "case_opened", case, _customers(case), f"opened:{cid}")
            if case.priority == "P1" and case.opened_off_hours:  # D-4.6: handled at once, round the clock
                rows += _tell("case.on_call", "case_on_call", case, on_call_team(case), f"on-call:{cid}")
            return rows
        case events.CaseReplied(message=message):
            if message.from_staff:
                return _tell("case.replied", "case_replied", case, _customers(case), f"reply:{message.pk}",
                             message=message)  # fmt: skip
            if case.owner is not None:
                return _tell("case.customer_replied", "case_customer_replied", case, [case.owner],
                             f"reply:{message.pk}", message=message)  # fmt: skip
            return []
        case events.CaseAssigned():
            if case.owner is not None and case.owner_id != getattr(actor, "pk", None):
                key = f"assigned:{cid}:{case.updated_at.isoformat()}"
                return _tell("case.assigned", "case_assigned", case, [case.owner], key)
            return []
        case events.CaseStatusChanged():
            if case.status == CaseStatus.AWAITING_CUSTOMER:
                key = f"awaiting:{cid}:{case.updated_at.isoformat()}"
                return _tell("case.awaiting_customer", "case_awaiting", case, _customers(case), key)
            return []
        case events.CaseResolutionProposed(message=message):
            return _tell("case.resolution_proposed", "case_resolution", case, _customers(case),
                         f"resolution:{message.pk}", message=message, days=settings.CASE_AUTO_CLOSE_DAYS)  # fmt: skip
        case events.CasePriorityChanged():
            # Raised to P1 outside business days: handled at once, like a P1 opened then (D-4.6).
            if case.priority == "P1" and case.opened_off_hours and case.first_response_at is None:
                return _tell("case.on_call", "case_on_call", case, on_call_team(case), f"on-call:{cid}")
            return []
        case events.CaseClosed(reason=reason):
            if reason == CloseReason.SPAM:
                # Answering spam confirms a live address to its sender and can start a loop
                # of automatic replies: a case closed as spam tells nobody.
                return []
            key = f"closed:{cid}:{case.closed_at.isoformat() if case.closed_at else ''}"
            return _tell("case.closed", "case_closed", case, _customers(case), key, reason=reason, note=event.note,
                         duplicate_of=event.duplicate_of, reopen_days=settings.CASE_REOPEN_DAYS)  # fmt: skip
        case events.CaseReopened(message=message):
            key = f"reopened:{cid}:{case.updated_at.isoformat()}"
            if actor is not None and actor.is_vendor_staff:
                return _tell("case.reopened", "case_reopened", case, _customers(case), key)
            if case.owner is not None:
                return _tell("case.customer_reopened", "case_customer_reopened", case, [case.owner], key,
                             message=message, actor_name=actor.full_name if actor else "")  # fmt: skip
            return []
        case events.CaseResponseBreached(recipients=recipients):
            key = f"breach:{cid}:{case.response_breached_at.isoformat() if case.response_breached_at else ''}"
            return _tell("case.response_breached", "case_breached", case, recipients, key)
        case events.CaseManagementEscalation(level=level, recipients=recipients):
            return _tell("case.management_escalation", "case_management", case, recipients,
                         f"management:{cid}:{level}", level=LEVELS.get(level, str(level)))  # fmt: skip
        case events.CaseEscalated(escalation=escalation, recipients=recipients) if escalation is not None:
            team = _tell("case.escalated", "case_escalated_team", case, recipients,
                         f"escalated:{escalation.pk}:team", escalation=escalation)  # fmt: skip
            return team + _tell("case.escalated", "case_escalated", case, _customers(case),
                                f"escalated:{escalation.pk}:customer", escalation=escalation)  # fmt: skip
    return []


def on_case_events(sender: type[events.CaseEvent], batch: list[events.CaseEvent], **_: Any) -> None:
    """Every case's messages in one statement, every webhook delivery in another, inside
    the transaction of the change (or of the sweep's batch)."""
    rows: list[Message] = []
    for event in batch:
        rows += notices(event)
    # A new case's notices name the case this transaction made: their keys cannot exist yet.
    write(rows, fresh=sender is events.CaseOpened)
    queue_webhooks(sender.name, [_payload(event) for event in batch])


def _payload(event: events.CaseEvent) -> dict[str, Any]:
    case = event.case
    data: dict[str, Any] = {
        "case_id": case.case_id,
        "status": case.status,
        "priority": case.priority,
        "kind": case.kind,
        "organisation_id": case.organisation_id,
        "owner": case.owner.email if case.owner_id and case.owner else None,
        "updated_at": case.updated_at.isoformat(),
        "response_due_at": case.response_due_at.isoformat() if case.response_due_at else None,
    }
    match event:
        case events.CaseManagementEscalation(level=level):
            data["level"] = level
        case events.CaseEscalated(escalation=escalation) if escalation is not None:
            data["escalation"] = {"kind": escalation.kind, "on_call": escalation.on_call}
        case events.CaseClosed(reason=reason, duplicate_of=duplicate_of):
            data["reason"] = reason
            if duplicate_of:
                data["duplicate_of"] = duplicate_of
    return data


# --- accounts (D-1.4) --------------------------------------------------------------------------
# These notices cannot be turned off (they are not in NOTICES): an organisation's
# administrators are told of everyone who joins it by proof, whatever they chose. The paths
# are in e-mails already sent and must not change (see caredesk/portal/urls.py).


def account_notices(event: account_events.AccountEvent) -> list[Message]:
    organisation = event.organisation
    context: dict[str, Any] = {"organisation": organisation, "centre": settings.SUPPORT_CENTRE_NAME}
    match event:
        case account_events.MemberJoinedByProof(member=member, proof=proof, removal_token=token):
            admins = [u for u in organisation_administrators(organisation.pk) if u.pk != member.pk]
            context |= {"member": member, "proof": proof, "link": link(f"/members/remove/{token}/"),
                        "members_link": link("/members/"), "days": settings.MEMBER_REMOVAL_LINK_DAYS}  # fmt: skip
            return compose("member.joined", "member_joined", admins, context, key=f"member-joined:{member.pk}")
        case account_events.MembershipRequested(registration=registration):
            admins = organisation_administrators(organisation.pk)
            context |= {"registration": registration, "link": link("/members/")}
            return compose("member.requested", "member_requested", admins, context,
                           key=f"member-requested:{registration.pk}")  # fmt: skip
    return []


def on_account_event(sender: type[account_events.AccountEvent], event: account_events.AccountEvent, **_: Any) -> None:
    """Inside the transaction of the change, like the case notices."""
    write(account_notices(event))


# --- RMAs (D-5.6, D-7.4) -------------------------------------------------------------------------
# Every status change of a request or of one of its lines tells the customer side of the
# technical case, in their language, once: the key names the change (the status and the
# moment it was reached), so an event sent twice writes its notice once and a resend keeps
# the Message-ID. The copy in the case's history is written by the RMA services themselves.


def _rma_tell(event: str, template: str, request: RmaRequest, key: str, **context: Any) -> list[Message]:
    case = request.case
    return compose(
        event,
        template,
        _customers(case),
        {"request": request, "case": case, "link": link(f"/rmas/{request.number}/"),
         "centre": settings.SUPPORT_CENTRE_NAME, **context},
        key=key,
        case_ref=case.case_id,
    )  # fmt: skip


def _line_rows(request: RmaRequest) -> list[dict[str, Any]]:
    """The request's units for a notice: number, serial, type and what happens next."""
    lines = request.lines.filter(withdrawn=False).order_by("position")
    return [
        {"number": line.line_number or line.serial, "serial": line.serial,
         "type": RmaType(line.rma_type).label, "advance": line.rma_type == RmaType.ADVANCE_REPLACEMENT,
         "quote_price": line.quote_price}
        for line in lines
    ]  # fmt: skip


def rma_notices(event: rma_events.RmaEvent) -> list[Message]:
    """The messages one RMA event makes (not yet saved)."""
    request = event.request
    match event:
        case rma_events.RequestStatusChanged(before=before, after=after):
            key = f"rma:{request.pk}:{after}:{request.updated_at.isoformat()}"
            return _rma_tell(event.name, "rma_status", request, key, status=str(after), before=str(before),
                             status_label=RmaStatus(after).label, exclusion=EXCLUSION_REASON,
                             lines=_line_rows(request) if after == RmaStatus.APPROVED else [],
                             return_days=settings.RMA_RETURN_DAYS)  # fmt: skip
        case rma_events.QuestionAnswered(message=message) if message is not None:
            return _rma_tell(event.name, "rma_answer", request, f"rma-answer:{message.pk}", message=message)
        case rma_events.LineStatusChanged(line=line, after=after):
            key = f"rma-line:{line.pk}:{after}:{line.status_changed_at.isoformat() if line.status_changed_at else ''}"
            return _rma_tell(event.name, "rma_line", request, key, line=line, status=str(after),
                             status_label=LineStatus(after).label)  # fmt: skip
        case rma_events.ReturnChargeFlagged(line=line, charge=charge) if charge is not None:
            return _rma_tell("rma.return_charge", "rma_charge", request, f"rma-charge:{charge.pk}:flagged",
                             line=line, charge=charge, waived=False)  # fmt: skip
        case rma_events.ReturnChargeWaived(line=line, charge=charge) if charge is not None:
            return _rma_tell("rma.return_charge", "rma_charge", request, f"rma-charge:{charge.pk}:waived",
                             line=line, charge=charge, waived=True)  # fmt: skip
    return []


def on_rma_events(sender: type[rma_events.RmaEvent], batch: list[rma_events.RmaEvent], **_: Any) -> None:
    """Like ``on_case_events``: the batch's notices in one statement, its webhook deliveries
    in another, inside the transaction of the change or of the sweep's batch."""
    rows: list[Message] = []
    for event in batch:
        rows += rma_notices(event)
    write(rows)
    queue_webhooks(sender.name, [rma_payload(event) for event in batch])


def _line_payload(line: RmaLine) -> dict[str, Any]:
    return {
        "line_number": line.line_number,
        "serial": line.serial,
        "rma_type": line.rma_type,
        "status": line.status,
        "carrier": line.carrier,
        "tracking_number": line.tracking_number,
        "return_due_at": line.return_due_at.isoformat() if line.return_due_at else None,
    }


def rma_payload(event: rma_events.RmaEvent) -> dict[str, Any]:
    """What a webhook receiver gets of an RMA event: the request, and the line it is about."""
    request = event.request
    data: dict[str, Any] = {
        "validation_number": request.validation_number,
        "rma_number": request.rma_number,
        "status": str(request.status),
        "case_id": request.case.case_id,
        "organisation_id": request.organisation_id,
        "updated_at": request.updated_at.isoformat(),
    }
    match event:
        case rma_events.RequestStatusChanged(before=before, after=after):
            data["change"] = {"from": str(before) or None, "to": str(after)}
        case rma_events.QuestionAnswered(message=message) if message is not None:
            data["message_id"] = message.pk
        case rma_events.LineStatusChanged(line=line, before=before, after=after):
            data["line"] = _line_payload(line)
            data["change"] = {"from": str(before) or None, "to": str(after)}
        case rma_events.UnitReplaced(line=line, defective=defective, replacement=replacement, contracts=contracts):
            data["line"] = _line_payload(line)
            data["defective_serial"] = defective.serial if defective else None
            data["replacement_serial"] = replacement.serial if replacement else None
            data["contracts"] = contracts
        case (
            rma_events.ReturnChargeFlagged(line=line, charge=charge)
            | rma_events.ReturnChargeWaived(line=line, charge=charge)
        ) if charge is not None:
            data["line"] = _line_payload(line)
            data["charge"] = {"id": charge.pk, "amount": str(charge.amount), "currency": charge.currency,
                              "status": charge.status, "due_at": charge.due_at.isoformat()}  # fmt: skip
    return data

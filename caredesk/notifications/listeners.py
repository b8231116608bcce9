"""Which case event becomes which notice, to whom (D-7.4, D-4.3, D-4.4, D-4.5), and the
webhook delivery every case event becomes. Connected to ``cases.events`` in
``apps.ready``; runs inside the transaction of the change."""

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

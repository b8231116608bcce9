"""The read side of RMAs, filtered by access: a request is seen through its owner, the
case's organisation, exactly as the case is (D-1.3); anything else is "not found"."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, may, owner_scope
from caredesk.accounts.models import User
from caredesk.core.errors import NotFound, ValidationFailed
from caredesk.core.identifiers import normalise_rma_number, normalise_validation_number
from caredesk.core.paging import Page, keyset_page
from caredesk.rma.models import INTERNAL_KINDS, RmaLine, RmaMessage, RmaRequest, RmaStatus


def visible_rma_requests(user: User) -> QuerySet[RmaRequest]:
    """The RMA requests ``user`` may see, through the organisation that owns them (D-1.3)."""
    return owner_scope(user, RmaRequest.objects, "organisation")


def _by_number(requests: QuerySet[RmaRequest], number: str) -> QuerySet[RmaRequest]:
    """The request a validation number, an RMA number or a line number ``R…-n`` names."""
    text = (number or "").strip()
    if len(text) > 40:
        return requests.none()
    validation = normalise_validation_number(text)
    if validation:
        return requests.filter(validation_number=validation)
    rma = normalise_rma_number(text)
    if rma is None:
        return requests.none()
    rma_number, line = rma
    if line is None:
        return requests.filter(rma_number=rma_number)
    return requests.filter(lines__line_number=f"{rma_number}-{line}")


def get_rma_request(user: User, number: str) -> RmaRequest:
    """The visible request with this validation number, RMA number or line number, else NotFound."""
    found = list(_by_number(visible_rma_requests(user), number).select_related("case", "organisation")[:1])
    if not found:
        raise NotFound(_("No such RMA request."))
    return found[0]


def locked_rma_request(user: User, number: str) -> RmaRequest:
    """``get_rma_request`` with the row locked until the caller's transaction ends."""
    found = list(_by_number(visible_rma_requests(user), number).select_for_update()[:1])
    if not found:
        raise NotFound(_("No such RMA request."))
    return found[0]


def rma_lines(request: RmaRequest) -> list[RmaLine]:
    """The lines of a request the caller sees, in the order the units were requested."""
    return list(request.lines.select_related("asset__product").order_by("position"))


def rma_messages(user: User, request: RmaRequest) -> list[RmaMessage]:
    """The messages of a request the caller sees; those between the specialist and the
    TSE are the vendor's own."""
    messages = request.messages.order_by("created_at", "id")
    if not may(user, Capability.SEE_INTERNAL):
        messages = messages.exclude(kind__in=INTERNAL_KINDS)
    return list(messages)


def list_rma_requests(
    user: User, *, status: str = "", case_id: str = "", cursor: str | None = None, limit: int = 25
) -> Page[RmaRequest]:
    """A page of the requests ``user`` sees, last changed first."""
    if not 1 <= limit <= 100:
        raise ValidationFailed(_("The page size must be between 1 and 100."), fields={"limit": _("1 to 100.")})
    requests = visible_rma_requests(user).select_related("case", "organisation")
    if status:
        if status not in RmaStatus.values:
            raise ValidationFailed(
                _("Unknown status."),
                fields={"status": _("One of %(values)s.") % {"values": ", ".join(RmaStatus.values)}},
            )
        requests = requests.filter(status=status)
    if case_id:
        requests = requests.filter(case__case_id=case_id.strip())
    return keyset_page(requests, field="updated_at", descending=True, cursor=cursor, limit=limit)

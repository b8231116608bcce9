"""The read side of RMAs, filtered by access: a request is seen through its owner, the
case's organisation, exactly as the case is (D-1.3); anything else is "not found"."""

from __future__ import annotations

from django.db.models import Case as When_
from django.db.models import Count, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, may, owner_scope
from caredesk.accounts.models import User
from caredesk.core.errors import NotFound, ValidationFailed
from caredesk.core.identifiers import normalise_rma_number, normalise_validation_number
from caredesk.core.paging import Page, keyset_page
from caredesk.installbase.queries import SERIAL_MAX, normalise_serial
from caredesk.rma.models import INTERNAL_KINDS, RmaLine, RmaMessage, RmaRequest, RmaStatus


def visible_rma_requests(user: User) -> QuerySet[RmaRequest]:
    """The RMA requests ``user`` may see, through the organisation that owns them (D-1.3)."""
    return owner_scope(user, RmaRequest.objects, "organisation")


def _number_condition(text: str) -> Q | None:
    """The condition a validation number, an RMA number or a line number ``R…-n`` puts on
    requests; None when ``text`` is none of them."""
    validation = normalise_validation_number(text)
    if validation:
        return Q(validation_number=validation)
    rma = normalise_rma_number(text)
    if rma is None:
        return None
    rma_number, line = rma
    if line is None:
        return Q(rma_number=rma_number)
    # A subquery rather than a join: a join on the lines would repeat a request per line.
    return Q(pk__in=RmaLine.objects.filter(line_number=f"{rma_number}-{line}").values("request_id"))


def _by_number(requests: QuerySet[RmaRequest], number: str) -> QuerySet[RmaRequest]:
    """The request a validation number, an RMA number or a line number ``R…-n`` names."""
    text = (number or "").strip()
    condition = _number_condition(text) if len(text) <= 40 else None
    return requests.filter(condition) if condition is not None else requests.none()


def search_rma_requests(requests: QuerySet[RmaRequest], text: str) -> QuerySet[RmaRequest]:
    """The requests among ``requests`` that ``text`` finds (D-3.6): a validation number, an
    RMA number whole or with a line suffix (``R…-2`` finds the request of that line), or
    the serial number of one of its units. Narrows, never widens: the caller's access
    scope stays the queryset's."""
    text = (text or "").strip()
    if not text:
        return requests
    if len(text) > 40:
        return requests.none()
    condition = _number_condition(text)
    serial = normalise_serial(text)
    if serial and len(serial) <= SERIAL_MAX and " " not in serial:
        on_line = Q(pk__in=RmaLine.objects.filter(serial=serial).values("request_id"))
        condition = on_line if condition is None else condition | on_line
    return requests.filter(condition) if condition is not None else requests.none()


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


def _check_status(status: str) -> None:
    if status and status not in RmaStatus.values:
        raise ValidationFailed(
            _("Unknown status."),
            fields={"status": _("One of %(values)s.") % {"values": ", ".join(RmaStatus.values)}},
        )


def list_rma_requests(
    user: User, *, status: str = "", case_id: str = "", q: str = "", cursor: str | None = None, limit: int = 25
) -> Page[RmaRequest]:
    """A page of the requests ``user`` sees, last changed first; ``q`` finds them by
    number or serial (``search_rma_requests``)."""
    if not 1 <= limit <= 100:
        raise ValidationFailed(_("The page size must be between 1 and 100."), fields={"limit": _("1 to 100.")})
    requests = visible_rma_requests(user).select_related("case", "organisation")
    _check_status(status)
    if status:
        requests = requests.filter(status=status)
    if case_id:
        requests = requests.filter(case__case_id=case_id.strip())
    requests = search_rma_requests(requests, q)
    return keyset_page(requests, field="updated_at", descending=True, cursor=cursor, limit=limit)


REVIEW_LIMIT = 200
OPEN = "open"  # the review queue's default filter: pending or waiting for the engineer


def review_queue(user: User, *, status: str = OPEN, q: str = "") -> list[RmaRequest]:
    """The RMA specialist's queue (D-5.1): requests pending review first, then those
    waiting for the TSE's answer, then the rest; oldest first within each, as they wait.
    At most ``REVIEW_LIMIT``; search narrows it."""
    requests = visible_rma_requests(user).select_related("case", "organisation", "requested_by")
    if status == OPEN:
        requests = requests.filter(status__in=[RmaStatus.PENDING, RmaStatus.AWAITING_TSE])
    elif status:
        _check_status(status)
        requests = requests.filter(status=status)
    requests = search_rma_requests(requests, q)
    rank = When_(
        When(status=RmaStatus.PENDING, then=Value(0)),
        When(status=RmaStatus.AWAITING_TSE, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    ordered = requests.annotate(line_count=Count("lines")).annotate(rank=rank).order_by("rank", "created_at", "id")
    return list(ordered[:REVIEW_LIMIT])


def with_line_counts(requests: list[RmaRequest]) -> list[RmaRequest]:
    """The (already visible) requests, each with ``line_count``: how many units it names,
    read in one query for all of them."""
    rows = RmaLine.objects.filter(request_id__in=[r.pk for r in requests]).values("request_id")
    counts = dict(rows.annotate(n=Count("id")).values_list("request_id", "n"))
    for request in requests:
        request.line_count = counts.get(request.pk, 0)  # type: ignore[attr-defined]
    return requests


def case_rma_requests(user: User, case_pk: int) -> list[RmaRequest]:
    """The visible requests raised from one case, oldest first (D-3.6: the case page shows them)."""
    return list(visible_rma_requests(user).filter(case_id=case_pk).order_by("created_at", "id"))

"""The read side of RMAs, filtered by access: a request is seen through its owner, the
case's organisation, exactly as the case is (D-1.3); anything else is "not found"."""

from __future__ import annotations

from django.db.models import Case as When_
from django.db.models import Count, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, may, owner_scope, require
from caredesk.accounts.models import User
from caredesk.core.errors import NotFound, ValidationFailed
from caredesk.core.identifiers import normalise_rma_number, normalise_validation_number
from caredesk.core.labels import in_language
from caredesk.core.paging import Page, keyset_page
from caredesk.core.snapshot import Snapshot
from caredesk.installbase.queries import SERIAL_MAX, normalise_serial
from caredesk.rma.models import (
    INTERNAL_KINDS,
    ChargeStatus,
    MisShipmentClaim,
    Parcel,
    ReturnCharge,
    ReturnRegion,
    RmaLine,
    RmaMessage,
    RmaRequest,
    RmaStatus,
)


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
    if condition is None and " " not in text:
        # a tracking number of what shipped (the replacement, the unit sent back)
        condition = Q(pk__in=RmaLine.objects.filter(tracking_number=text).values("request_id"))
    serial = normalise_serial(text)
    if serial and len(serial) <= SERIAL_MAX and " " not in serial:
        on_line = Q(pk__in=RmaLine.objects.filter(serial=serial).values("request_id"))
        condition = on_line if condition is None else condition | on_line
    return requests.filter(condition) if condition is not None else requests.none()


CASE_FINDS_MAX = 100  # cases one tracking number finds; a real one names a handful
TRACKING_MIN = 6


def cases_found(text: str) -> Q | None:
    """What an RMA number (whole or ``R…-n``), a validation number or a tracking number
    finds in the case search (D-3.6): the cases the requests were raised from, and a
    mis-shipment claim's case by its part's tracking number. None when ``text`` is none of
    them, so the case search goes on as before. The caller's queryset keeps its access
    scope (D-1.3)."""
    text = (text or "").strip()
    if not text or len(text) > 64:
        return None
    numbered = _number_condition(text) if len(text) <= 40 else None
    if numbered is not None:
        return Q(pk__in=RmaRequest.objects.filter(numbered).values("case_id"))
    # A tracking number is a code with digits: a word ("router") is not looked up at all.
    if " " in text or len(text) < TRACKING_MIN or not any(c.isdigit() for c in text):
        return None
    by_line = RmaLine.objects.filter(tracking_number=text).values_list("request__case_id", flat=True)
    by_claim = MisShipmentClaim.objects.filter(tracking_number=text).values_list("case_id", flat=True)
    found = set(by_line.union(by_claim)[:CASE_FINDS_MAX])  # one query, on two indexes
    # the case's own tracking number still finds it, as without an RMA
    return Q(pk__in=sorted(found)) | Q(customer_tracking_number=text) if found else None


def get_rma_request(user: User, number: str) -> RmaRequest:
    """The visible request with this validation number, RMA number or line number, else NotFound."""
    found = list(_by_number(visible_rma_requests(user), number).select_related("case", "organisation")[:1])
    if not found:
        raise NotFound(_("No such RMA request."))
    return found[0]


def locked_rma_request(user: User, number: str) -> RmaRequest:
    """``get_rma_request`` with the row locked until the caller's transaction ends: the
    request's row only, not the organisation the access rule joins; the case and the
    organisation come with it (every change writes to the case's history)."""
    requests = visible_rma_requests(user).select_related("case", "organisation").select_for_update(of=("self",))
    found = list(_by_number(requests, number)[:1])
    if not found:
        raise NotFound(_("No such RMA request."))
    return found[0]


def rma_lines(request: RmaRequest) -> list[RmaLine]:
    """The lines of a request the caller sees, in the order the units were requested."""
    return list(
        request.lines.select_related("asset__product", "asset__site", "replacement", "charge").order_by("position")
    )


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


def visible_rma_lines(user: User) -> QuerySet[RmaLine]:
    """The lines of the requests ``user`` may see: through the request's owner (D-1.3)."""
    return owner_scope(user, RmaLine.objects, "request__organisation")


def _line_number(text: str) -> str | None:
    rma = normalise_rma_number((text or "").strip()) if len(text or "") <= 40 else None
    if rma is None or rma[1] is None:
        return None
    return f"{rma[0]}-{rma[1]}"


def get_rma_line(user: User, line_number: str) -> RmaLine:
    """The visible line ``R…-n``, else NotFound."""
    number = _line_number(line_number)
    found = (
        list(
            visible_rma_lines(user)
            .filter(line_number=number)
            .select_related("request__case", "request__organisation", "asset__site", "replacement")[:1]
        )
        if number
        else []
    )
    if not found:
        raise NotFound(_("No such RMA line."))
    return found[0]


def locked_rma_line(user: User, line_number: str) -> RmaLine:
    """``get_rma_line`` with the line row locked until the caller's transaction ends."""
    number = _line_number(line_number)
    found = (
        list(visible_rma_lines(user).filter(line_number=number).select_for_update(of=("self",))[:1]) if number else []
    )
    if not found:
        raise NotFound(_("No such RMA line."))
    return found[0]


def _load_regions() -> dict[str, ReturnRegion]:
    found: dict[str, ReturnRegion] = {}
    for region in ReturnRegion.objects.order_by("code"):
        for country in region.countries:
            found.setdefault(str(country).upper(), region)
    return found


# Five rows that administrators rarely edit: read once per process, dropped on every save.
return_regions: Snapshot[dict[str, ReturnRegion]] = Snapshot(_load_regions)


def return_region_for(country: str) -> ReturnRegion | None:
    """The return region that holds ``country`` (ISO 3166 alpha-2), D-5.4; None where no
    region does (an operator's gap, shown as such)."""
    return return_regions.get().get((country or "").upper())


def return_region_of(line: RmaLine) -> ReturnRegion | None:
    """Where the line's unit goes back to: by the country of the unit's site, else its
    owner's country (D-5.4)."""
    site = line.asset.site
    country = site.country if site is not None else line.request.organisation.country
    return return_region_for(country)


def return_instructions(region: ReturnRegion) -> str:
    """The region's instructions in the reader's language, English where none is given."""
    return in_language(region.instructions, region.instructions_translations)


def visible_return_charges(user: User) -> QuerySet[ReturnCharge]:
    """The charges for units not returned (D-5.5) ``user`` may see, through the owner."""
    return owner_scope(user, ReturnCharge.objects, "organisation")


def list_return_charges(
    user: User, *, status: str = "", cursor: str | None = None, limit: int = 50
) -> Page[ReturnCharge]:
    """A page of the charges staff handle, newest first (D-5.5)."""
    require(user, Capability.APPROVE_RMAS)
    if not 1 <= limit <= 100:
        raise ValidationFailed(_("The page size must be between 1 and 100."), fields={"limit": _("1 to 100.")})
    charges = visible_return_charges(user).select_related("line__request", "organisation")
    if status:
        if status not in ChargeStatus.values:
            raise ValidationFailed(
                _("Unknown status."),
                fields={"status": _("One of %(values)s.") % {"values": ", ".join(ChargeStatus.values)}},
            )
        charges = charges.filter(status=status)
    return keyset_page(charges, field="flagged_at", descending=True, cursor=cursor, limit=limit)


def get_return_charge(user: User, charge_id: int) -> ReturnCharge:
    found = list(visible_return_charges(user).filter(pk=charge_id).select_related("line__request", "organisation")[:1])
    if not found:
        raise NotFound(_("No such charge."))
    return found[0]


def recent_parcels(user: User, *, limit: int = 20) -> list[Parcel]:
    """The boxes ``user`` booked last, for the depot page: their own work, no one else's."""
    return list(Parcel.objects.filter(received_by=user).select_related("line").order_by("-received_at", "-id")[:limit])

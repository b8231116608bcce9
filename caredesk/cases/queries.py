"""Read side of cases. ``visible_cases`` is the one access rule (D-1.3) every page,
endpoint and service starts from."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock_time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import BigIntegerField, BooleanField, Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caredesk.accounts.access import Capability, acting_organisation_ids, may, owner_scope, require
from caredesk.accounts.models import Organisation, OrganisationKind, Site, User
from caredesk.accounts.queries import visible_organisations
from caredesk.cases.models import (
    Attachment,
    Case,
    CaseMessage,
    CaseStatus,
    CaseUnit,
    Escalation,
    Priority,
    RequestSubType,
    RequestType,
    ResponseState,
)
from caredesk.core import audit
from caredesk.core.clock import local_date, now, support_zone
from caredesk.core.errors import NotFound, ValidationFailed
from caredesk.core.identifiers import normalise_case_id
from caredesk.core.models import AuditEntry
from caredesk.core.paging import Page, keyset_page
from caredesk.core.selects import Bind, Select
from caredesk.core.snapshot import Snapshot
from caredesk.installbase.queries import SERIAL_RE, normalise_serial


def visible_cases(user: User, *, scope_ids: list[int] | None = None) -> QuerySet[Case]:
    """Cases ``user`` may see (D-1.3).

    A customer or partner user: the cases they are the contact of, and those of every
    organisation they act for (own, associated, a partner's linked customers). Vendor
    staff: every case, except government customers' cases unless ``gov_cleared``.
    Anyone else: nothing. Callers answer "not found" for what is not in here.
    """
    return owner_scope(user, Case.objects, "organisation", personal="contact", scope_ids=scope_ids)


def get_case(user: User, case_id: str) -> Case:
    """The visible case with this id (dashes optional), else NotFound."""
    canonical = normalise_case_id(case_id or "")
    case = None
    if canonical:
        # Few joins on purpose: PostgreSQL plans an eight-table join in ~10 ms, more than
        # everything else in the request. The catalogue rows come from a small cache.
        # No ORDER BY (case_id is unique) and no LIMIT-with-ordering from first(): building
        # the SQL is most of what this request costs the web process.
        found = list(
            visible_cases(user)
            .select_related("organisation", "contact", "owner")
            .filter(case_id=canonical)
            .order_by()[:1]
        )
        case = found[0] if found else None
    if case is None:
        raise NotFound(_("No such case."))
    _attach_catalogue(case)
    return case


@dataclass
class _Catalogue:
    loaded: float
    types: dict[int, RequestType]
    subtypes: dict[int, RequestSubType]
    by_code: dict[tuple[str, str], RequestSubType]  # (type code, sub-type code) -> sub-type


def _load_catalogue() -> _Catalogue:
    """The request-type catalogue (D-3.3): it changes rarely, and every case page and every
    new case names a type, so each process keeps it as a snapshot (``core.snapshot``),
    read again on a miss and dropped at once when the saving process saves a row."""
    types = {t.pk: t for t in RequestType.objects.order_by()}
    subtypes = {s.pk: s for s in RequestSubType.objects.order_by()}
    by_code = {}
    for subtype in subtypes.values():
        if subtype.request_type_id in types:
            subtype.request_type = types[subtype.request_type_id]
            by_code[(subtype.request_type.code, subtype.code)] = subtype
    return _Catalogue(time.monotonic(), types, subtypes, by_code)


catalogue: Snapshot[_Catalogue] = Snapshot(_load_catalogue)


def _catalogue_rows(*, reload: bool = False) -> _Catalogue:
    return catalogue.get(reload=reload)


def active_subtype(type_code: str, subtype_code: str) -> RequestSubType | None:
    """The active sub-type ``subtype_code`` of the active request type ``type_code``, with its
    type attached, or None."""
    key = (type_code or "", subtype_code or "")
    subtype = _catalogue_rows().by_code.get(key)
    if subtype is None:
        subtype = _catalogue_rows(reload=True).by_code.get(key)
    if subtype is None or not subtype.active or not subtype.request_type.active:
        return None
    return subtype


def _attach_catalogue(case: Case) -> None:
    rows = _catalogue_rows()
    missing_type = case.request_type_id is not None and case.request_type_id not in rows.types
    missing_subtype = case.request_subtype_id is not None and case.request_subtype_id not in rows.subtypes
    if missing_type or missing_subtype:
        rows = _catalogue_rows(reload=True)
    if case.request_type_id is not None and case.request_type_id in rows.types:
        case.request_type = rows.types[case.request_type_id]
    if case.request_subtype_id is not None and case.request_subtype_id in rows.subtypes:
        case.request_subtype = rows.subtypes[case.request_subtype_id]


SORTS = {
    "status": "status",
    "case_id": "case_id",
    "site_name": "site_name",
    "site_id": "site_code",
    "contact": "contact_name",
    "modified": "updated_at",
    "platform": "platform",
    "priority": "priority",
    # Staff queues: the response due time (D-4.1). Nullable (no target): cases without one
    # come after the others ascending, before them descending (core.paging).
    "due": "response_due_at",
}


@dataclass
class CaseFilter:
    query: str = ""
    status: str = ""
    priority: str = ""
    owner: str = ""  # "me", "none" or "" (staff queues)
    organisation_id: int | None = None


def _keyword(text: str, *, indexed: bool = True) -> Q:
    words = [w for w in re.split(r"\s+", text.strip()) if w][:8]
    if connection.vendor == "postgresql":
        # The stored, GIN-indexed vector of migration 0005_stored_search_vector. For common
        # words the same test is written as the function behind @@, which the planner does
        # not match to the index: reading a GIN posting list of a word in every third case
        # costs more than testing the few hundred rows an ordered walk needs for a page.
        sql = (
            "cases_case.search_vector @@ plainto_tsquery('simple', %s)"
            if indexed
            else "ts_match_vq(cases_case.search_vector, plainto_tsquery('simple', %s))"
        )
        expression = RawSQL(  # noqa: S611 - constant SQL; the words are a bound parameter
            sql,
            (" ".join(words),),
            output_field=BooleanField(),
        )
        return Q(expression)
    q = Q()
    for word in words:
        q &= Q(summary__icontains=word) | Q(description__icontains=word)
    return q


def search_condition(
    text: str, *, indexed: bool = True, scope_ids: list[int] | None = None, elsewhere: bool = True
) -> Q:
    """What a search box finds (D-3.6): a case id with or without dashes; otherwise the
    customer's tracking number, keywords in summary and description, a site id, the name
    of an organisation (``organisations_named``), or a serial number, whole or its start,
    of a unit the case names (``CaseUnit``: its own serial and its template's serials).
    ``scope_ids``: the organisations a customer acts for, which bound the names searched."""
    canonical = normalise_case_id(text)
    if canonical:
        return Q(case_id=canonical)
    found = found_elsewhere(text) if elsewhere else None
    if found is not None:
        return found
    condition = _direct_condition(text, indexed=indexed, scope_ids=scope_ids)
    units = _units_named(text)
    if units is not None:
        # Correlated, so that walking the list tests each case with one index probe
        # instead of first collecting every unit whose serial starts so.
        condition |= Q(Exists(units.filter(case_id=OuterRef("pk"))))
    return condition


# Numbers other domains give things a case has (D-3.6: RMA, validation and tracking
# numbers, from the rma app, which registers its finder when it loads: cases sits below
# it and cannot ask it directly). A finder takes the search text and gives the condition
# on cases it finds, or None when the text is not one of its numbers; the first answer is
# the search, as a case id is.
CaseFinder = Callable[[str], Q | None]
case_finders: list[CaseFinder] = []


def found_elsewhere(text: str) -> Q | None:
    for finder in case_finders:
        condition = finder(text)
        if condition is not None:
            return condition
    return None


def _direct_condition(text: str, *, indexed: bool, scope_ids: list[int] | None) -> Q:
    """The conditions on the case row itself, any of which finds a case."""
    condition = Q()
    for _kind, part in _direct_parts(text, indexed=indexed, scope_ids=scope_ids):
        condition |= part
    return condition


def _direct_parts(text: str, *, indexed: bool, scope_ids: list[int] | None) -> list[tuple[str, Q]]:
    """The conditions on the case row, by kind, each served by an index of its own:
    "words" (tracking number or keywords: one bitmap scan of two indexes, as before),
    "site" (one per site id), "organisations"."""
    stripped = text.strip()
    parts = [("words", Q(customer_tracking_number=stripped[:64]) | _keyword(stripped, indexed=indexed))]
    # Site ids are codes: the one typed, or in capitals (as codes are usually written), when
    # a site has it; each one code, which the (site, last modified) index walks in order.
    codes = [code for code in dict.fromkeys((stripped, stripped.upper())) if code in site_codes.get()]
    parts.extend(("site", Q(site_code=code)) for code in codes)
    organisations = organisations_named(stripped, scope_ids=scope_ids)
    if organisations:
        parts.append(("organisations", Q(organisation_id__in=organisations)))
    return parts


SERIAL_PREFIX_MIN = 3  # shorter text matches a serial only whole


def _units_named(text: str) -> QuerySet[CaseUnit] | None:
    """The units named in cases whose serial is ``text`` or starts with it (a serial is a
    code, compared without case, not a keyword); None when ``text`` cannot be a serial."""
    serial = normalise_serial(text)
    # A serial number has a digit: a plain word ("router") is a keyword only, which keeps
    # the common search for words as short as it was.
    if not serial or not SERIAL_RE.match(serial) or not any(c.isdigit() for c in serial):
        return None
    if len(serial) < SERIAL_PREFIX_MIN:
        return CaseUnit.objects.filter(serial=serial)
    return CaseUnit.objects.filter(serial__startswith=serial)


# Site ids in use, per process like the organisation names: a text that is no site's id
# (most searches) adds no condition at all, and costs no query to tell.
site_codes: Snapshot[frozenset[str]] = Snapshot(
    lambda: frozenset(Site.objects.order_by().values_list("code", flat=True))
)


ORGANISATION_NAME_MIN = 3  # characters typed before names are searched
ORGANISATION_MATCH_MAX = 50  # a text naming more organisations than this is not a name


def _name_words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _load_organisation_names() -> dict[str, list[tuple[int, tuple[str, ...]]]]:
    """Customers' and partners' names as words, by the first letter of each word."""
    by_letter: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    rows = Organisation.objects.exclude(kind=OrganisationKind.VENDOR).order_by("pk").values_list("pk", "name")
    for pk, name in rows:
        words = tuple(_name_words(name))
        for letter in dict.fromkeys(word[0] for word in words):
            by_letter.setdefault(letter, []).append((pk, words))
    return by_letter


# Organisation names are few and change rarely: each process keeps them (core.snapshot), so
# resolving a name to ids costs no query; a new organisation is found within
# CATALOGUE_CACHE_SECONDS (at once in the process that saved it).
organisation_names: Snapshot[dict[str, list[tuple[int, tuple[str, ...]]]]] = Snapshot(_load_organisation_names)


def organisations_named(text: str, *, scope_ids: list[int] | None = None) -> list[int]:
    """Ids of the organisations whose name has a word starting with each word of ``text``
    ("acme tel" finds "Acme Telecom"), among ``scope_ids`` when given. Nothing for fewer
    than ORGANISATION_NAME_MIN characters, or for a text that fits more than
    ORGANISATION_MATCH_MAX organisations (too vague to be a name)."""
    wanted = _name_words(text)
    if not wanted or len("".join(wanted)) < ORGANISATION_NAME_MIN:
        return []
    candidates = organisation_names.get().get(wanted[0][0], [])
    allowed = set(scope_ids) if scope_ids is not None else None
    found = [
        pk
        for pk, words in candidates
        if (allowed is None or pk in allowed) and all(any(w.startswith(x) for w in words) for x in wanted)
    ]
    return found if len(found) <= ORGANISATION_MATCH_MAX else []


def list_cases(
    user: User, flt: CaseFilter, *, sort: str = "-modified", cursor: str | None = None, limit: int = 25
) -> Page[Case]:
    """One page of the cases ``user`` sees, filtered and sorted by any list column."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORTS:
        raise ValidationFailed(
            _("Unknown sort column."), fields={"sort": _("One of %(sorts)s.") % {"sorts": ", ".join(sorted(SORTS))}}
        )
    if not 1 <= limit <= 100:
        raise ValidationFailed(_("The page size must be between 1 and 100."), fields={"limit": _("1 to 100.")})
    scope_ids = None if user.is_vendor_staff or not user.is_authenticated else acting_organisation_ids(user)
    if len(flt.query) > 200:
        raise ValidationFailed(_("The search text is too long."), fields={"q": _("At most 200 characters.")})
    common = bool(flt.query.strip()) and _common_words(flt.query)
    # An RMA or tracking number finds its cases exactly, as a case id does (asked once).
    elsewhere = found_elsewhere(flt.query) if flt.query.strip() and not normalise_case_id(flt.query) else None

    def filtered(cases: QuerySet[Case], *, search: bool = True) -> QuerySet[Case]:
        if search and elsewhere is not None:
            cases = cases.filter(elsewhere)
        elif search and flt.query.strip():
            cases = cases.filter(search_condition(flt.query, indexed=not common, scope_ids=scope_ids, elsewhere=False))
        if flt.status:
            if flt.status == "active":
                cases = cases.exclude(status=CaseStatus.CLOSED)
            elif flt.status in CaseStatus.values:
                cases = cases.filter(status=flt.status)
            else:
                raise ValidationFailed(_("Unknown status."), fields={"status": _("Not a case status.")})
        if flt.priority:
            if flt.priority not in Priority.values:
                raise ValidationFailed(_("Unknown priority."), fields={"priority": _("P1, P2, P3 or P4.")})
            cases = cases.filter(priority=flt.priority)
        if flt.owner == "me":
            cases = cases.filter(owner_id=user.pk)
        elif flt.owner == "none":
            cases = cases.filter(owner__isnull=True)
        elif flt.owner:
            raise ValidationFailed(_("Unknown owner filter."), fields={"owner": _("me or none.")})
        if flt.organisation_id is not None:
            cases = cases.filter(organisation_id=flt.organisation_id)
        return cases.only(*LIST_COLUMNS)

    cases = filtered(visible_cases(user, scope_ids=scope_ids))
    exact = False
    branches = None
    if flt.query.strip() and not normalise_case_id(flt.query) and elsewhere is None and not common:
        cases, exact, branches = _narrowed_to_matches(
            cases,
            flt.query,
            scope_ids,
            lambda rows: filtered(rows, search=False),
            visible_cases(user, scope_ids=scope_ids),
        )
        cases = cases.only(*LIST_COLUMNS)
    parts = None if exact or branches or scope_ids is None or not user.is_active else _visible_parts(user, scope_ids)
    # Each part is the list's filters on one part of the visible cases, without the whole
    # access condition again: building the SQL of a UNION is most of its cost.
    if parts:
        branches = [filtered(Case.objects.filter(part)) for part in parts]
    return keyset_page(cases, field=SORTS[key], descending=descending, cursor=cursor, limit=limit, branches=branches)


LIST_COLUMNS = (
    "id",
    "case_id",
    "status",
    "priority",
    "summary",
    "site_name",
    "site_code",
    "contact_name",
    "contact_id",
    "platform",
    "updated_at",
    "created_at",
    "kind",
    "owner_id",
    "organisation_id",
    "response_due_at",
    "first_response_at",
    "waits_until",
    "rma_numbers",
)


UNIT_CASES_MAX = 50


def cases_naming_unit(user: User, serial: str, *, limit: int = UNIT_CASES_MAX) -> list[Case]:
    """The cases ``user`` may see that name the unit with this serial (``CaseUnit``: as
    their own serial or in their template), newest first: for the unit's page."""
    key = normalise_serial(serial)
    if not key or len(key) > 64:
        return []
    named = CaseUnit.objects.filter(serial=key).values("case_id")
    return list(
        visible_cases(user).filter(pk__in=named).only(*LIST_COLUMNS).order_by("-created_at", "-id")[: max(1, limit)]
    )


def response_state(case: Case, at: datetime | None = None) -> ResponseState:
    """Where ``case`` stands against its response target (D-4.1), now or ``at``."""
    return case.response_state_at(at or now())


def _visible_parts(user: User, ids: list[int]) -> list[Q] | None:
    """``visible_cases(user)`` for a customer is "the cases of these organisations, or
    opened by the user": one condition with an OR, which no index serves in list order, so
    the database walks every case newest first until it has a page (a customer whose cases
    are all old makes it walk the whole table). Split into one condition per organisation
    and one for the user's own, each is a range of an (organisation, last modified) or
    (contact, last modified) index; the page is the best of the parts' pages. The parts
    are the same rule as ``visible_cases`` split in pieces (their union is it: a test holds
    them together for every persona). None where there are too many parts (a partner with
    many customers)."""
    if len(ids) > 8:
        return None
    return [*(Q(organisation_id=pk) for pk in ids), Q(contact_id=user.pk)]


SEARCH_PROBE = 1000


def _narrowed_to_matches(
    cases: QuerySet[Case],
    text: str = "",
    scope_ids: list[int] | None = None,
    unsearched: Callable[[QuerySet[Case]], QuerySet[Case]] | None = None,
    visible: QuerySet[Case] | None = None,
) -> tuple[QuerySet[Case], bool, list[QuerySet[Case]] | None]:
    """Searches in two steps, so that neither rare nor common matches are slow.

    Ordered by last modified, the database tends to walk the cases newest first and test
    each against the words: quick for a common word, a walk through the whole table for a
    rare one (its estimate of how many cases hold a word is rough). So first fetch up to
    SEARCH_PROBE matching ids in any order (an index lookup for a rare word, an early stop
    for a common one). Fewer than that means they are all the matches, and the page is
    sorted from those ids alone (and True says so); otherwise the word is common enough
    for the walk to find a page soon.

    On PostgreSQL the probe is one statement, a UNION ALL of the kinds of match, each served
    by an index of its own: tracking number or keywords (one bitmap scan) and the cases
    naming a unit whose serial starts so (a range of the serial index), each up to
    SEARCH_PROBE; and whether any case is at a site of that id or of an organisation of
    that name (the first one found). Codes have exact statistics and indexes in list order
    ((site, last modified), (organisation, last modified)), so a site or an organisation
    that matches is paged as a branch of its own, on its index, however many cases it has;
    so is a serial prefix with many cases. The page is then the union of the branches and
    the ids found (third value); ``unsearched`` is ``cases`` without the search condition,
    which the branches start from. A common word walks the list with the whole condition.
    Walking the whole list for a code of a thousand cases in a million would read most of
    the table, and fetching its matches first would read all of them."""
    ids = cases.order_by().values_list("pk", flat=True)
    if not text or connection.vendor != "postgresql":
        found = list(ids[:SEARCH_PROBE])
        if len(found) < SEARCH_PROBE:
            return cases.model.objects.filter(pk__in=found), True, None
        return cases, False, None
    # (kind, condition, how many to fetch): the words first; codes are paged as branches
    # of their own once they have a match, the units' serials once they have many.
    kinds = [
        (kind, condition, SEARCH_PROBE if kind == "words" else 1)
        for kind, condition in _direct_parts(text, indexed=True, scope_ids=scope_ids)
    ]
    units = _units_named(text)
    if units is not None:
        kinds.append(("units", Q(pk__in=units.values("case_id")), SEARCH_PROBE))
    # Each part is the list's filters and one kind of match (their union is the whole
    # search condition): a short statement, planned on that kind's own index.
    base = unsearched(visible) if unsearched is not None and visible is not None else cases
    probes = [
        base.filter(condition).order_by().annotate(part=Value(n)).values_list("pk", "part", "organisation_id")[:most]
        for n, (_, condition, most) in enumerate(kinds)
    ]
    found_by: dict[int, list[tuple[int, int]]] = {n: [] for n in range(len(kinds))}
    for pk, part, organisation_id in probes[0].union(*probes[1:], all=True):
        found_by[part].append((pk, organisation_id))
    if len(found_by[0]) >= SEARCH_PROBE:
        return cases, False, None  # a common word: walk the list, as before
    paged = [n for n, (_, _, most) in enumerate(kinds) if found_by[n] and len(found_by[n]) >= most]
    known = list({pk for n, rows in found_by.items() if n not in paged for pk, _ in rows})
    if not paged:
        return cases.model.objects.filter(pk__in=known), True, None
    branches = [
        _branch(kinds[n][0], kinds[n][1], {org for _, org in found_by[n]}, scope_ids, unsearched, base) for n in paged
    ]
    if known:
        branches.append(cases.model.objects.filter(pk__in=known).only(*LIST_COLUMNS))
    return cases, False, branches


def _branch(
    kind: str,
    condition: Q,
    organisations: set[int],
    scope_ids: list[int] | None,
    unsearched: Callable[[QuerySet[Case]], QuerySet[Case]] | None,
    base: QuerySet[Case],
) -> QuerySet[Case]:
    """The cases of one kind of match with the list's filters (``base``), to be paged on
    its own.

    Without the whole search condition: with it the planner takes the code for rare (it
    cannot know that the code is one of the conditions it estimates) and reads and sorts
    every match. For a customer, the access condition "one of my organisations', or one I
    opened" would again look rare to it beside a site; so where the site's case that the
    probe found (``organisations``) is of one of the customer's organisations, the branch
    is the cases of those organisations at the site. That is all it may see there: a case
    is at a site of its own organisation (opening checks it), so no case at that site is
    visible only as one the customer opened. An organisation found by name is one of the
    customer's already (``organisations_named`` keeps to them)."""
    if unsearched is None or scope_ids is None:
        return base.filter(condition)
    if kind == "site" and organisations <= set(scope_ids):
        return unsearched(Case.objects.filter(organisation_id__in=scope_ids)).filter(condition)
    if kind == "organisations":
        return unsearched(Case.objects.all()).filter(condition)
    return base.filter(condition)


COMMON_SHARE = 0.05  # a word in at least this share of cases is "common"
_word_shares: tuple[float, dict[str, float]] = (float("-inf"), {})


def _common_words(text: str) -> bool:
    """True when every word of ``text`` is in at least COMMON_SHARE of all cases, by the
    database's own statistics of the search vector (PostgreSQL; kept ten minutes). Then
    walking the cases in list order finds a page within a few hundred rows, while fetching
    the matches first would read a large part of the index."""
    global _word_shares
    if connection.vendor != "postgresql":
        return False
    moment = time.monotonic()
    if moment - _word_shares[0] > 600:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT u.word, u.share FROM pg_stats s, "
                "unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(word, share) "
                "WHERE s.tablename = 'cases_case' AND s.attname = 'search_vector' AND u.word IS NOT NULL"
            )
            _word_shares = (moment, {word: float(share) for word, share in cursor.fetchall()})
    words = re.findall(r"\w+", text.lower())
    shares = _word_shares[1]
    return bool(words) and all(shares.get(word, 0.0) >= COMMON_SHARE for word in words)


def _messages(case_id: int | Bind, *, internal: bool) -> QuerySet[CaseMessage]:
    messages = CaseMessage.objects.filter(Q(case_id=case_id))
    if not internal:
        messages = messages.exclude(kind=CaseMessage.Kind.NOTE)
    return messages.order_by("created_at", "id")


def _attachments(case_id: int | Bind, *, internal: bool) -> QuerySet[Attachment]:
    files = Attachment.objects.filter(Q(case_id=case_id))
    if not internal:
        files = files.filter(internal=False)
    return files.order_by("created_at", "id")


def _open_escalation(case_id: int | Bind) -> QuerySet[Escalation]:
    # The newest first, as case_escalations lists them: the one the page shows.
    return case_escalations_of(case_id).filter(handled_at__isnull=True)[:1]


def case_escalations_of(case_id: int | Bind) -> QuerySet[Escalation]:
    return Escalation.objects.filter(Q(case_id=case_id)).select_related("requested_by", "new_owner", "handled_by")


def case_messages(user: User, case: Case) -> QuerySet[CaseMessage]:
    return _messages(case.pk, internal=may(user, Capability.SEE_INTERNAL))


def case_attachments(user: User, case: Case) -> QuerySet[Attachment]:
    return _attachments(case.pk, internal=may(user, Capability.SEE_INTERNAL))


# The case page's reads (portal and console), each a statement built once (core.selects):
# the page makes five of them, and building their SQL cost more than running it. Each
# takes a case that get_case found for the user, and shows internal rows only to those
# who may see them, as the querysets above do.
def _case_bind() -> Bind:
    return Bind("case", BigIntegerField())


def _thread_of(internal: bool) -> Select[CaseMessage]:
    return Select(lambda: _messages(_case_bind(), internal=internal))


def _files_of(internal: bool) -> Select[Attachment]:
    return Select(lambda: _attachments(_case_bind(), internal=internal))


_thread = {internal: _thread_of(internal) for internal in (False, True)}
_files = {internal: _files_of(internal) for internal in (False, True)}
_open: Select[Escalation] = Select(lambda: _open_escalation(_case_bind()))


def opener_name(case: Case) -> str:
    """Who opened the case: its contact (loaded with it), or the member of staff who opened
    it on the customer's behalf, named from the queue's snapshot of staff names."""
    if case.opened_by_id == case.contact_id:
        return case.contact.full_name
    known = list_names.get()[1].get(case.opened_by_id)
    return known if known is not None else case.opened_by.full_name


def case_thread(user: User, case: Case) -> list[CaseMessage]:
    """``case_messages`` as a list, each message knowing its case."""
    messages = _thread[may(user, Capability.SEE_INTERNAL)](case=case.pk)
    for message in messages:
        message.case = case
    return messages


def case_files(user: User, case: Case) -> list[Attachment]:
    """``case_attachments`` as a list, each file knowing its case."""
    files = _files[may(user, Capability.SEE_INTERNAL)](case=case.pk)
    for attachment in files:
        attachment.case = case
    return files


def open_escalation(user: User, case: Case) -> Escalation | None:
    """The newest escalation of the case not yet handled (D-4.5), or None."""
    found = _open(case=case.pk)
    if found:
        found[0].case = case
    return found[0] if found else None


def get_attachment(user: User, case_id: str, attachment_id: int | str) -> Attachment:
    """A file of a visible case that ``user`` may see (internal files: staff only), else NotFound."""
    case = get_case(user, case_id)
    try:
        pk = int(attachment_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such file.")) from None
    attachment = case_attachments(user, case).filter(pk=pk).first() if 0 < pk < 2**62 else None
    if attachment is None:
        raise NotFound(_("No such file."))
    return attachment


def case_history(user: User, case: Case) -> QuerySet[AuditEntry]:
    return audit.history(case, include_internal=may(user, Capability.SEE_INTERNAL))


def case_history_entries(user: User, case: Case) -> list[AuditEntry]:
    """``case_history`` as a list, by a statement built once (the case page's read)."""
    return audit.history_of(case, include_internal=may(user, Capability.SEE_INTERNAL))


def request_types(*, include_inactive: bool = False) -> QuerySet[RequestType]:
    types = RequestType.objects.prefetch_related("subtypes").order_by("position", "name")
    return types if include_inactive else types.filter(active=True)


# --- escalations (D-4.5, D-4.6) ---------------------------------------------------------------


def case_escalations(user: User, case: Case) -> QuerySet[Escalation]:
    """The escalations of a case the user can see (``get_case`` checked it)."""
    return case_escalations_of(case.pk)


def escalation_queue(user: User, *, on_call: bool | None = None, limit: int = 200) -> list[Escalation]:
    """The escalation team's queue: escalations not yet handled, oldest first, of cases the
    user may see (D-1.3); vendor staff only."""
    require(user, Capability.WORK_CASES, _("The escalation and on-call queues are for Customer Care staff."))
    # A case closed since it was escalated needs the team no more.
    rows = Escalation.objects.filter(handled_at__isnull=True, case__in=visible_cases(user)).exclude(
        case__status=CaseStatus.CLOSED
    )
    if on_call is not None:
        rows = rows.filter(on_call=on_call)
    return list(
        rows.select_related("case", "case__owner", "requested_by", "new_owner").order_by("requested_at", "id")[:limit]
    )


def on_call_cases(user: User, *, limit: int = 200) -> list[Case]:
    """P1 cases opened outside business days that nobody has answered yet: the on-call team
    handles them at once (D-4.6)."""
    require(user, Capability.WORK_CASES, _("The escalation and on-call queues are for Customer Care staff."))
    return list(
        visible_cases(user)
        .filter(priority=Priority.P1, opened_off_hours=True, first_response_at__isnull=True)
        .exclude(status=CaseStatus.CLOSED)
        .select_related("owner")
        .order_by("created_at", "id")[:limit]
    )


# --- the manager dashboard (D-4.1, D-4.3) -------------------------------------------------------

BACKLOG_BUCKETS = [
    (gettext_lazy("< 1 day"), 0, 1),
    (gettext_lazy("1–3 days"), 1, 3),
    (gettext_lazy("3–7 days"), 3, 7),
    (gettext_lazy("7–30 days"), 7, 30),
    (gettext_lazy("> 30 days"), 30, None),
]


@dataclass(frozen=True)
class Dashboard:
    weeks: list[str]  # Mondays, ISO dates, oldest first
    compliance: list[dict[str, Any]]  # week, priority, met, missed, rate (None: nothing measured)
    open_breaches: int
    oldest_breaches: list[Case]
    backlog: list[dict[str, Any]]  # bucket, P1..P4, total


def dashboard(user: User, *, weeks: int = 8, at: datetime | None = None) -> Dashboard:
    """Response-target compliance by priority and week (of opening, in the centre's zone),
    the open breaches, and the backlog of unresolved cases by age: for managers, over the
    cases they may see (D-1.3)."""
    require(user, Capability.VIEW_DASHBOARD)
    # Every member of staff sees the same cases but for the government customers' (D-1.3),
    # so one board per clearance serves them all; counting a million open cases takes a
    # good part of a second, and a minute-old board is what a dashboard is.
    key = f"dashboard:{int(user.gov_cleared)}:{weeks}"
    if at is None and user.is_vendor_staff and settings.DASHBOARD_CACHE_SECONDS:
        board = cache.get(key)
        if board is None:
            board = _dashboard(user, weeks, now())
            cache.set(key, board, settings.DASHBOARD_CACHE_SECONDS)
        return board
    return _dashboard(user, weeks, at or now())


def _dashboard(user: User, weeks: int, moment: datetime) -> Dashboard:
    today = local_date(moment)
    first_monday = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    start = datetime.combine(first_monday, clock_time(0), tzinfo=support_zone())
    cases = visible_cases(user)
    rows = (
        cases.filter(created_at__gte=start, response_due_at__isnull=False)
        .annotate(week=TruncWeek("created_at", tzinfo=support_zone()))
        .values("week", "priority")
        .annotate(
            met=Count("id", filter=Q(first_response_at__isnull=False, first_response_at__lte=F("response_due_at"))),
            missed=Count(
                "id",
                filter=Q(first_response_at__gt=F("response_due_at"))
                | Q(first_response_at__isnull=True, response_due_at__lt=moment),
            ),
        )
        .order_by()
    )
    found = {(r["week"].date().isoformat(), r["priority"]): (r["met"], r["missed"]) for r in rows}
    week_keys = [(first_monday + timedelta(weeks=n)).isoformat() for n in range(weeks)]
    compliance = []
    for week in week_keys:
        for priority in Priority.values:
            met, missed = found.get((week, priority), (0, 0))
            rate = round(100 * met / (met + missed), 1) if met + missed else None
            compliance.append({"week": week, "priority": priority, "met": met, "missed": missed, "rate": rate})
    late = cases.filter(
        status__in=(CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.AWAITING_CUSTOMER),
        first_response_at__isnull=True,
        response_due_at__lt=moment,
    )
    buckets = {}
    for label, low, high in BACKLOG_BUCKETS:
        condition = Q(created_at__lte=moment - timedelta(days=low))
        if high is not None:
            condition &= Q(created_at__gt=moment - timedelta(days=high))
        buckets[label] = condition
    counts = (
        cases.filter(status__in=(CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.AWAITING_CUSTOMER))
        .values("priority")
        .annotate(**{f"b{n}": Count("id", filter=q) for n, q in enumerate(buckets.values())})
        .order_by()
    )
    by_priority = {c["priority"]: c for c in counts}
    backlog = []
    for n, label in enumerate(buckets):
        row: dict[str, Any] = {"bucket": str(label)}
        for priority in Priority.values:
            row[priority] = by_priority.get(priority, {}).get(f"b{n}", 0)
        row["total"] = sum(row[p] for p in Priority.values)
        backlog.append(row)
    return Dashboard(
        weeks=week_keys,
        compliance=compliance,
        open_breaches=late.count(),
        oldest_breaches=list(late.select_related("owner").order_by("response_due_at", "id")[:20]),
        backlog=backlog,
    )


# --- the console's choosers and queue columns --------------------------------------------------


def case_contacts(user: User, organisation_id: int) -> QuerySet[User]:
    """Who can be the contact of a case opened for this organisation on the customer's
    behalf (D-3.4): its active users and the people associated with it. NotFound for an
    organisation ``user`` may not see (a government one, for staff who are not cleared,
    D-1.3), as for one that does not exist: an empty list would read as "nobody there"."""
    if not 0 < organisation_id < 2**62 or not visible_organisations(user).filter(pk=organisation_id).exists():
        raise NotFound(_("No such organisation."))
    people = User.objects.filter(
        Q(organisation_id=organisation_id)
        | Q(pk__in=User.associations.through.objects.filter(organisation_id=organisation_id).values("user_id")),
        is_active=True,
    )
    return people.order_by("full_name", "id")


def _load_list_names() -> tuple[dict[int, str], dict[int, str]]:
    return (
        dict(Organisation.objects.order_by().values_list("pk", "name")),
        dict(User.objects.filter(organisation__kind=OrganisationKind.VENDOR).order_by().values_list("pk", "full_name")),
    )


# Organisations' and staff's names by id, per process (core.snapshot): every queue page
# shows them, and they change rarely. An id the snapshot does not know yet (made in another
# process within CATALOGUE_CACHE_SECONDS) is read from the database.
list_names: Snapshot[tuple[dict[int, str], dict[int, str]]] = Snapshot(_load_list_names)


def with_names(cases: list[Case]) -> list[Case]:
    """Give a page of listed cases (``list_cases``) their organisation's and owner's names
    (``organisation_name``, ``owner_name``), from ``list_names`` and, for what it does not
    know yet, one query each: no join in the list query."""
    org_names, owner_names = list_names.get()
    missing_orgs = {c.organisation_id for c in cases} - org_names.keys()
    missing_owners = {c.owner_id for c in cases if c.owner_id is not None} - owner_names.keys()
    if missing_orgs:
        org_names = {**org_names, **dict(Organisation.objects.filter(pk__in=missing_orgs).values_list("pk", "name"))}
    if missing_owners:
        found = User.objects.filter(pk__in=missing_owners).values_list("pk", "full_name")
        owner_names = {**owner_names, **dict(found)}
    for case in cases:
        case.organisation_name = org_names.get(case.organisation_id, "")  # type: ignore[attr-defined]
        case.owner_name = owner_names.get(case.owner_id, "") if case.owner_id else ""  # type: ignore[attr-defined]
    return cases

"""Who may do what (D-1.2) and who sees what (D-1.3): the one access model of caredesk.

Two questions, answered here and nowhere else:

- **May this person do this kind of thing?** ``may(user, Capability.X)`` answers from the
  table ``GRANTS``, which maps each role of D-1.2 (and the audiences every user belongs to
  by their organisation: vendor staff, customer, partner) to the capabilities it carries.
  ``require(user, Capability.X)`` raises ``Forbidden`` where ``may`` says no. Services call
  ``require`` before they change anything; pages, the API, the assistant and the phone
  menu call ``may`` to decide what to offer.
- **Which of these objects may this person see?** ``owner_scope(user, queryset, owner)``
  narrows any queryset of an owner-scoped resource (cases, units, contracts, e-certificates
  …) to what D-1.3 lets the user see, given the path from the resource to its owning
  organisation. Every ``visible_*`` function is one call of it. What is outside answers
  "not found", never "forbidden".

It lives in ``accounts`` because roles, users and organisations do, and every domain app
sits above ``accounts``; ``core`` knows no users. A role check anywhere else (a tuple of
role names, ``user.roles``) fails ``caredesk/accounts/tests/test_no_role_checks.py``.
"""

from __future__ import annotations

import time
from enum import StrEnum
from functools import lru_cache
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Model, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from caredesk.accounts.models import Organisation, OrganisationKind, Role, User
from caredesk.core.errors import Forbidden

M = TypeVar("M", bound=Model)


class Capability(StrEnum):
    """What a person may do, in domain words. A capability says what kind of action is
    allowed; which objects it applies to is the owner scope's question."""

    # Cases (D-3.x, D-4.5)
    OPEN_CASES = "open_cases"
    OPEN_CASES_FOR_CUSTOMERS = "open_cases_for_customers"  # the phone call that becomes a case
    WORK_CASES = "work_cases"  # reply as staff, take, assign, change status and priority, propose, close
    SEE_INTERNAL = "see_internal"  # internal notes, internal files, internal history
    ANSWER_RESOLUTIONS = "answer_resolutions"  # the customer's side of D-3.5
    ESCALATE_CASES = "escalate_cases"  # the customer's side of D-4.5
    ESCALATE_FOR_CUSTOMERS = "escalate_for_customers"
    HANDLE_ESCALATIONS = "handle_escalations"
    VIEW_DASHBOARD = "view_dashboard"
    MANAGE_SHARED_MACROS = "manage_shared_macros"
    IMPORT_CASES = "import_cases"
    TRANSLATE_MESSAGES = "translate_messages"  # D-7.5
    USE_CONSOLE = "use_console"
    # Accounts (D-1.4)
    APPROVE_REGISTRATIONS = "approve_registrations"
    MANAGE_ORGANISATION_MEMBERS = "manage_organisation_members"  # an org_admin for their organisation
    MANAGE_USERS = "manage_users"  # staff: associations and accounts of any organisation
    # Installed base and entitlement (D-2.x)
    MANAGE_INSTALLED_BASE = "manage_installed_base"
    IMPORT_ORDERS = "import_orders"
    REQUEST_TRANSFERS = "request_transfers"
    DECIDE_TRANSFERS = "decide_transfers"
    REQUEST_REINSTATEMENTS = "request_reinstatements"
    DECIDE_REINSTATEMENTS = "decide_reinstatements"
    MANAGE_CONTRACTS = "manage_contracts"
    ISSUE_ECERTIFICATES = "issue_ecertificates"
    ACTIVATE_ECERTIFICATES = "activate_ecertificates"
    ACCEPT_SERVICE_LEVELS = "accept_service_levels"  # the customer's answer to a D-2.8 offer
    MANAGE_DEPOTS = "manage_depots"
    # RMAs and returns (D-5.x)
    CREATE_RMA_REQUESTS = "create_rma_requests"
    APPROVE_RMAS = "approve_rmas"
    RECEIVE_RETURNS = "receive_returns"
    ASK_ABOUT_RMAS = "ask_about_rmas"  # the customer's questions and cancellations
    ANSWER_RMA_QUOTES = "answer_rma_quotes"  # the customer accepts or declines a time-and-material quote
    # Licensing (D-6.x)
    MANAGE_LICENCES = "manage_licences"
    ACTIVATE_LICENCES = "activate_licences"


class Audience(StrEnum):
    """What every user is by their organisation (D-1.1), beside any role they hold."""

    STAFF = "staff"  # any member of the vendor
    CUSTOMER = "customer"
    PARTNER = "partner"


C = Capability

# The customer side: a customer's or partner's people act for the organisations they
# belong to, are associated with or (partners) sell to; the scope says which.
_CUSTOMER_SIDE = frozenset(
    {
        C.OPEN_CASES,
        C.ANSWER_RESOLUTIONS,
        C.ESCALATE_CASES,
        C.REQUEST_TRANSFERS,
        C.REQUEST_REINSTATEMENTS,
        C.ACTIVATE_ECERTIFICATES,
        C.ACCEPT_SERVICE_LEVELS,
        C.ASK_ABOUT_RMAS,
        C.ANSWER_RMA_QUOTES,
        C.ACTIVATE_LICENCES,
    }
)
# Every member of the Customer Care organisation, whatever their role.
_CARE = frozenset(
    {
        C.WORK_CASES,
        C.OPEN_CASES,
        C.OPEN_CASES_FOR_CUSTOMERS,
        C.ESCALATE_FOR_CUSTOMERS,
        C.REQUEST_TRANSFERS,
        C.REQUEST_REINSTATEMENTS,
        C.MANAGE_INSTALLED_BASE,
        C.MANAGE_CONTRACTS,
        C.ACTIVATE_ECERTIFICATES,
    }
)
_DECIDERS = frozenset({C.DECIDE_TRANSFERS, C.DECIDE_REINSTATEMENTS, C.APPROVE_REGISTRATIONS, C.IMPORT_ORDERS})
_MANAGERS = frozenset({C.VIEW_DASHBOARD, C.HANDLE_ESCALATIONS, C.MANAGE_SHARED_MACROS})

GRANTS: dict[str, frozenset[Capability]] = {
    # Audiences
    Audience.STAFF: frozenset({C.USE_CONSOLE, C.SEE_INTERNAL, C.TRANSLATE_MESSAGES}),
    Audience.CUSTOMER: _CUSTOMER_SIDE,
    Audience.PARTNER: _CUSTOMER_SIDE,
    # Vendor staff roles (D-1.2)
    Role.CARE_AGENT: _CARE | _DECIDERS,
    Role.ESCALATION: _CARE | {C.HANDLE_ESCALATIONS, C.VIEW_DASHBOARD, C.DECIDE_TRANSFERS, C.DECIDE_REINSTATEMENTS},
    Role.TEAM_LEAD: _CARE | _MANAGERS,
    Role.CARE_MANAGER: _CARE | _DECIDERS | _MANAGERS | {C.ISSUE_ECERTIFICATES, C.MANAGE_USERS},
    Role.DIRECTOR: frozenset({C.WORK_CASES, C.VIEW_DASHBOARD}),
    # A TSE works technical cases and raises RMAs from them (D-5.1); contracts are not theirs.
    Role.TSE: frozenset({C.WORK_CASES, C.OPEN_CASES, C.OPEN_CASES_FOR_CUSTOMERS, C.CREATE_RMA_REQUESTS}),
    Role.RMA_SPECIALIST: frozenset({C.WORK_CASES, C.APPROVE_RMAS, C.RECEIVE_RETURNS, C.MANAGE_DEPOTS}),
    # Depot and warehouse staff: receive boxes and move lines (D-5.4), and read the cases
    # behind them like all staff; they decide no RMA and waive no charge.
    Role.SUPPORT_LOGISTICS: frozenset({C.WORK_CASES, C.RECEIVE_RETURNS}),
    Role.LICENSING: frozenset(
        {C.WORK_CASES, C.MANAGE_LICENCES, C.MANAGE_CONTRACTS, C.ACTIVATE_ECERTIFICATES, C.ISSUE_ECERTIFICATES}
    ),
    Role.ADMIN: frozenset(Capability) - _CUSTOMER_SIDE
    | {C.OPEN_CASES, C.REQUEST_TRANSFERS, C.REQUEST_REINSTATEMENTS, C.ACTIVATE_ECERTIFICATES},
    # The customer's own administrator (D-1.4)
    Role.ORG_ADMIN: frozenset({C.MANAGE_ORGANISATION_MEMBERS}),
}

# Why a capability was refused, in the words a person understands.
_REFUSALS: dict[Capability, Promise] = {
    C.WORK_CASES: _("Only Customer Care staff can do this."),
    C.OPEN_CASES_FOR_CUSTOMERS: _("Only Customer Care staff open cases on a customer's behalf."),
    C.SEE_INTERNAL: _("Only the vendor's staff see this."),
    C.ANSWER_RESOLUTIONS: _("Only the customer can agree that the case is resolved."),
    C.ESCALATE_CASES: _("Only the customer escalates a case."),
    C.ESCALATE_FOR_CUSTOMERS: _("Only Customer Care staff escalate a case on the customer's behalf."),
    C.HANDLE_ESCALATIONS: _("Only the escalation team and managers handle escalations."),
    C.VIEW_DASHBOARD: _("The dashboard is for managers of Customer Care."),
    C.MANAGE_SHARED_MACROS: _("Shared replies are kept by team leads and managers."),
    C.IMPORT_CASES: _("Only administrators import cases."),
    C.USE_CONSOLE: _("The console is for the vendor's staff."),
    C.APPROVE_REGISTRATIONS: _("New customer accounts are approved by Customer Care agents and their managers."),
    C.MANAGE_ORGANISATION_MEMBERS: _("Only your organisation's administrators manage its members."),
    C.MANAGE_USERS: _("Only care managers and administrators change people's accounts."),
    C.MANAGE_INSTALLED_BASE: _("Only Customer Care staff change the installed base."),
    C.IMPORT_ORDERS: _("Only Customer Care staff and administrators import sales orders."),
    C.DECIDE_TRANSFERS: _("Only Customer Care staff decide this."),
    C.DECIDE_REINSTATEMENTS: _("Only Customer Care staff decide this."),
    C.MANAGE_CONTRACTS: _("Only Customer Care staff change contracts."),
    C.ISSUE_ECERTIFICATES: _("Only care managers, licensing and administrators issue e-certificates."),
    C.ACTIVATE_ECERTIFICATES: _("Only Customer Care staff activate certificates for a customer."),
    C.ACCEPT_SERVICE_LEVELS: _("Only the customer accepts a new service level."),
    C.MANAGE_DEPOTS: _("Only support logistics and administrators maintain depots."),
    C.CREATE_RMA_REQUESTS: _("Only technical support engineers raise RMA requests."),
    C.APPROVE_RMAS: _("Only RMA specialists review RMA requests."),
    C.RECEIVE_RETURNS: _("Only support logistics receive returns."),
    C.ASK_ABOUT_RMAS: _("Only the customer asks about an RMA request or cancels it."),
    C.ANSWER_RMA_QUOTES: _("Only the customer accepts or declines a quote."),
    C.MANAGE_LICENCES: _("Only the licensing team manages licences."),
}

STAFF_ROLES = frozenset(r for r in Role if r != Role.ORG_ADMIN)
CUSTOMER_ROLES = frozenset({Role.ORG_ADMIN})


def roles_for_kind(kind: str) -> frozenset[Role]:
    """The roles a member of an organisation of this kind may hold (D-1.2)."""
    return STAFF_ROLES if kind == OrganisationKind.VENDOR else CUSTOMER_ROLES


@lru_cache(maxsize=512)
def _granted(kind: str, roles: tuple[str, ...], superuser: bool) -> frozenset[Capability]:
    audiences: dict[str, Audience] = {
        OrganisationKind.VENDOR: Audience.STAFF,
        OrganisationKind.PARTNER: Audience.PARTNER,
    }
    audience = audiences.get(kind, Audience.CUSTOMER)
    held = {r for r in roles if r in roles_for_kind(kind)}
    if superuser and kind == OrganisationKind.VENDOR:
        held.add(Role.ADMIN)
    granted = set(GRANTS[audience])
    for role in held:
        granted |= GRANTS[role]
    return frozenset(granted)


def capabilities(user: Any) -> frozenset[Capability]:
    """Everything ``user`` may do; nothing for an anonymous or deactivated user."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    return _granted(user.organisation.kind, tuple(user.roles or ()), bool(user.is_superuser))


def may(user: Any, capability: Capability) -> bool:
    """Whether ``user`` may do things of this kind. Never raises: pages, the assistant and
    the phone menu ask it before they offer an action."""
    return capability in capabilities(user)


def require(user: Any, capability: Capability, message: str = "") -> None:
    """Raise ``Forbidden`` unless ``user`` may do this. Services call it first."""
    if not may(user, capability):
        raise Forbidden(message or str(_REFUSALS.get(capability, _("You may not do this."))))


def holds(user: User, role: Role) -> bool:
    """Whether a member of staff holds ``role``: for choosing *who is told* (D-4.3, D-4.4
    name the team lead, the care manager and the director), never for *who may*."""
    return user.organisation.kind == OrganisationKind.VENDOR and role in (user.roles or ())


def members_with(role: Role, people: list[User]) -> list[User]:
    """Those of ``people`` (vendor staff) who hold ``role``."""
    return [u for u in people if role in (u.roles or ())]


def organisation_administrators(organisation_id: int) -> list[User]:
    """The active members of an organisation who manage its members: its administrators
    (``org_admin``, D-1.4), who approve and are told of people who join by proof."""
    people = User.objects.select_related("organisation").filter(organisation_id=organisation_id, is_active=True)
    # Roles are a JSON list: its text is searched first (the same on SQLite and PostgreSQL),
    # so that only the few candidates are loaded, and the table above decides.
    candidates = people.annotate(_roles=Cast("roles", TextField())).filter(_roles__contains=f'"{Role.ORG_ADMIN}"')
    return [u for u in candidates if may(u, C.MANAGE_ORGANISATION_MEMBERS)]


# --- the owner scope (D-1.3) ----------------------------------------------------------------


def organisation_scope(user: User) -> Q:
    """Organisations a non-vendor user acts for: their own, the ones they are associated
    with, and, for a partner, the customers linked to the partner. As a ``Q`` on
    ``Organisation`` with subqueries, so callers embed it in one SQL statement."""
    own = Q(pk=user.organisation_id)
    associated = Q(pk__in=User.associations.through.objects.filter(user_id=user.pk).values("organisation_id"))
    scope = own | associated
    if user.organisation.kind == OrganisationKind.PARTNER:
        links = Organisation.customers.through.objects.filter(from_organisation_id=user.organisation_id)
        scope |= Q(pk__in=links.values("to_organisation_id"))
    return scope


def acting_organisation_ids(user: User) -> list[int]:
    """The ids of ``organisation_scope(user)``, read once and kept on the user object for
    TOKEN_CACHE_SECONDS. Access queries then carry a short literal list: the database
    estimates it from its statistics (a small customer's cases are fetched by index, not
    found by walking every case), and building the SQL is cheaper than with subqueries."""
    ttl = settings.TOKEN_CACHE_SECONDS
    memo: tuple[float, list[int]] | None = getattr(user, "_acting_organisation_ids", None)
    moment = time.monotonic()
    if memo is not None and memo[0] > moment:
        return memo[1]
    ids = sorted(Organisation.objects.filter(organisation_scope(user)).order_by().values_list("pk", flat=True))
    if ttl > 0:
        user._acting_organisation_ids = (moment + ttl, ids)  # type: ignore[attr-defined]
    return ids


def acts_for(user: User, organisation_id: int | None) -> bool:
    """Whether ``user`` acts for this organisation (D-1.3): staff for every one they may
    see, others for their own, associated and (partners) linked customers."""
    if organisation_id is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_vendor_staff:
        return owner_scope(user, Organisation.objects, "").filter(pk=organisation_id).exists()
    return organisation_id in acting_organisation_ids(user)


def owner_scope(
    user: Any,
    queryset: QuerySet[M] | Any,
    owner: str,
    *,
    personal: str = "",
    scope_ids: list[int] | None = None,
) -> QuerySet[M]:
    """The rows of ``queryset`` that ``user`` may see (D-1.3), for a resource whose owning
    organisation is reached by the path ``owner`` ("organisation", "owner",
    "asset__owner", or "" for organisations themselves).

    - A customer or partner user: rows owned by an organisation they act for (their own,
      associated ones, a partner's linked customers) and, where ``personal`` names the
      field pointing at a person (a case's contact), rows that are their own.
    - Vendor staff: every row, except those of government organisations unless the
      person is ``gov_cleared``. The exclusion is a join, never a cached list, so that it
      holds from the moment an organisation is marked.
    - Anyone else (anonymous, deactivated): nothing.

    ``scope_ids`` passes the acting organisations where a caller has read them already.
    """
    if not isinstance(queryset, QuerySet):
        queryset = queryset.all()
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_vendor_staff:
        if user.gov_cleared:
            return queryset.all()
        return queryset.filter(**{f"{owner}__government" if owner else "government": False})
    ids = acting_organisation_ids(user) if scope_ids is None else scope_ids
    owned = Q(**{f"{owner}_id__in" if owner else "pk__in": ids})
    if personal:
        return queryset.filter(Q(**{f"{personal}_id": user.pk}) | owned)
    return queryset.filter(owned)

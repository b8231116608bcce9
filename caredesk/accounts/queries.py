"""Read side of accounts: whose organisations a user may see (D-1.3)."""

from __future__ import annotations

import time

from django.conf import settings
from django.db.models import Q, QuerySet

from caredesk.accounts.models import Organisation, OrganisationKind, Registration, RegistrationStatus, Site, User
from caredesk.core.errors import NotFound


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


def visible_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations ``user`` may see and act for. Vendor staff see all but government
    customers unless cleared."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if user.is_vendor_staff:
        orgs = Organisation.objects.all()
        if not user.gov_cleared:
            orgs = orgs.filter(government=False)
        return orgs
    return Organisation.objects.filter(organisation_scope(user))


def visible_sites(user: User) -> QuerySet[Site]:
    return Site.objects.filter(organisation__in=visible_organisations(user))


def staff_members() -> QuerySet[User]:
    return User.objects.filter(organisation__kind=OrganisationKind.VENDOR, is_active=True).order_by("full_name")


def registrations_awaiting_approval(user: User) -> QuerySet[Registration]:
    if not user.has_role("care_agent", "care_manager", "admin"):
        return Registration.objects.none()
    return Registration.objects.filter(status=RegistrationStatus.AWAITING_APPROVAL).order_by("created_at")


def get_contact(user: User, contact_id: int) -> User:
    """A person's contact card (the case lists link the contact's name to it, D-3.6): the
    people of the organisations ``user`` may see (D-1.3), and oneself. NotFound otherwise."""
    if not user.is_authenticated:
        raise NotFound("No such person.")
    people = User.objects.select_related("organisation").filter(is_active=True)
    contact = (
        people.filter(Q(pk=contact_id) & (Q(organisation__in=visible_organisations(user)) | Q(pk=user.pk))).first()
        if 0 < contact_id < 2**62
        else None
    )
    if contact is None:
        raise NotFound("No such person.")
    return contact

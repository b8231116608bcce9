"""Read side of accounts: whose organisations a user may see (D-1.3)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, may, organisation_administrators, owner_scope, require
from caredesk.accounts.models import Organisation, OrganisationKind, Registration, RegistrationStatus, Site, User
from caredesk.core.errors import NotFound
from caredesk.core.snapshot import Snapshot


def visible_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations ``user`` may see and act for (D-1.3)."""
    return owner_scope(user, Organisation.objects, "")


def visible_sites(user: User) -> QuerySet[Site]:
    return owner_scope(user, Site.objects, "organisation")


def staff_members() -> QuerySet[User]:
    return User.objects.filter(organisation__kind=OrganisationKind.VENDOR, is_active=True).order_by("full_name")


# (e-mail, name) of active staff, for the owner choosers on every console case page: a
# per-process snapshot like the catalogues. A person added or deactivated appears there
# within CATALOGUE_CACHE_SECONDS; the assignment itself checks the person it is given.
_staff_choices: Snapshot[list[tuple[str, str]]] = Snapshot(
    lambda: list(staff_members().values_list("email", "full_name"))
)
_staff_choices.forget_on_change(User)


def staff_choices() -> list[tuple[str, str]]:
    return _staff_choices.get()


def registrations_awaiting_approval(user: User) -> QuerySet[Registration]:
    """New-account requests for those who approve them (D-1.4); anyone else is refused."""
    require(user, Capability.APPROVE_REGISTRATIONS)
    return Registration.objects.filter(status=RegistrationStatus.AWAITING_APPROVAL).order_by("created_at")


def get_contact(user: User, contact_id: int) -> User:
    """A person's contact card (the case lists link the contact's name to it, D-3.6): the
    people of the organisations ``user`` may see (D-1.3), and oneself. NotFound otherwise."""
    if not user.is_authenticated:
        raise NotFound(_("No such person."))
    people = User.objects.select_related("organisation").filter(is_active=True)
    contact = (
        people.filter(Q(pk=contact_id) & (Q(organisation__in=visible_organisations(user)) | Q(pk=user.pk))).first()
        if 0 < contact_id < 2**62
        else None
    )
    if contact is None:
        raise NotFound(_("No such person."))
    return contact


# --- an organisation's members (D-1.2, D-1.4) --------------------------------------------------


def managed_organisations(user: User) -> QuerySet[Organisation]:
    """The organisations whose members ``user`` manages: an organisation administrator
    (``org_admin``) their own; staff who manage users (care managers, administrators)
    every customer and partner organisation they may see (D-1.3). Nothing for others."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    scope: QuerySet[Organisation] = owner_scope(user, Organisation.objects, "").exclude(kind=OrganisationKind.VENDOR)
    if user.is_vendor_staff:
        return scope if may(user, Capability.MANAGE_USERS) else scope.none()
    if may(user, Capability.MANAGE_ORGANISATION_MEMBERS):
        return scope.filter(pk=user.organisation_id)
    return scope.none()


def managed_organisation(user: User, organisation_id: int) -> Organisation:
    """One of ``managed_organisations(user)``; NotFound for any other."""
    found = managed_organisations(user).filter(pk=organisation_id).first() if 0 < organisation_id < 2**62 else None
    if found is None:
        raise NotFound(_("No such organisation."))
    return found


def members_need_approval(organisation: Organisation) -> bool:
    """D-1.4: whether people who prove this organisation wait for its administrator. The
    stored choice, or by default (``None``) on; either way only while the organisation has
    an active administrator, since nobody else could approve them."""
    if organisation.members_need_approval is False:
        return False
    return bool(organisation_administrators(organisation.pk))


def organisation_members(user: User, organisation_id: int) -> QuerySet[User]:
    """The people of an organisation ``user`` manages, active ones first."""
    organisation = managed_organisation(user, organisation_id)
    return User.objects.filter(organisation=organisation).order_by("-is_active", "full_name", "pk")


def organisation_associates(user: User, organisation_id: int) -> QuerySet[User]:
    """People of other organisations associated with one ``user`` manages (consultants, D-1.2)."""
    organisation = managed_organisation(user, organisation_id)
    return (
        User.objects.select_related("organisation")
        .filter(associations=organisation, is_active=True)
        .order_by("full_name", "pk")
    )


def memberships_awaiting_approval(user: User, organisation_id: int | None = None) -> QuerySet[Registration]:
    """People who proved an organisation ``user`` manages and wait for approval (D-1.4)."""
    waiting = Registration.objects.select_related("organisation").filter(
        status=RegistrationStatus.AWAITING_ORG_ADMIN, organisation__in=managed_organisations(user)
    )
    if organisation_id is not None:
        waiting = waiting.filter(organisation_id=organisation_id)
    return waiting.order_by("created_at", "pk")

"""Read side of accounts: whose organisations a user may see (D-1.3)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from caredesk.accounts.access import Capability, owner_scope, require
from caredesk.accounts.models import Organisation, OrganisationKind, Registration, RegistrationStatus, Site, User
from caredesk.core.errors import NotFound


def visible_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations ``user`` may see and act for (D-1.3)."""
    return owner_scope(user, Organisation.objects, "")


def visible_sites(user: User) -> QuerySet[Site]:
    return owner_scope(user, Site.objects, "organisation")


def staff_members() -> QuerySet[User]:
    return User.objects.filter(organisation__kind=OrganisationKind.VENDOR, is_active=True).order_by("full_name")


def registrations_awaiting_approval(user: User) -> QuerySet[Registration]:
    """New-account requests for those who approve them (D-1.4); anyone else is refused."""
    require(user, Capability.APPROVE_REGISTRATIONS)
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

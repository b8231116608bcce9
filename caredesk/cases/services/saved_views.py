"""Saved views of the case queue: a named filter and sort that an agent keeps for themselves."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, Q, QuerySet
from django.utils.translation import gettext as _

from caredesk.accounts.access import Capability, may, require
from caredesk.accounts.models import User
from caredesk.cases.models import CaseStatus, Priority, SavedView
from caredesk.cases.queries import SORTS
from caredesk.core import audit
from caredesk.core.errors import NotFound, ValidationFailed
from caredesk.core.selects import Bind, Select
from caredesk.core.validation import clean_text

VIEWS_MAX = 50  # a menu, not a database


@dataclass
class ViewData:
    name: str
    query: str = ""
    status: str = "active"
    priority: str = ""
    owner: str = ""  # "me", "none" or ""
    sort: str = "-modified"


def saved_views(user: User) -> QuerySet[SavedView]:
    """The user's own saved views; nobody sees another's."""
    if not may(user, Capability.WORK_CASES):
        return SavedView.objects.none()
    return _views_of(user.pk)


def _views_of(owner_id: int | Bind) -> QuerySet[SavedView]:
    return SavedView.objects.filter(Q(owner_id=owner_id)).order_by("name", "id")


# Every queue page lists them: the statement is built once (core.selects).
_view_list: Select[SavedView] = Select(lambda: _views_of(Bind("owner", BigIntegerField())))


def saved_view_list(user: User) -> list[SavedView]:
    """``saved_views`` as a list."""
    return _view_list(owner=user.pk) if may(user, Capability.WORK_CASES) else []


@transaction.atomic
def save_view(actor: User, data: ViewData) -> SavedView:
    """Keep the queue's filter and sort under a name; saving under a name the actor has
    already used replaces that view."""
    require(actor, Capability.WORK_CASES)
    errors: dict[str, str] = {}
    name = ""
    try:
        name = clean_text(" ".join((data.name or "").split()), field="name", max_length=60)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        query = clean_text(data.query, field="q", max_length=200, required=False)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        query = ""
    if data.status and data.status != "active" and data.status not in CaseStatus.values:
        errors["status"] = _("Not a case status.")
    if data.priority and data.priority not in Priority.values:
        errors["priority"] = _("P1, P2, P3 or P4.")
    if data.owner not in ("", "me", "none"):
        errors["owner"] = _("me or none.")
    if data.sort.lstrip("-") not in SORTS or data.sort.count("-") > 1:
        errors["sort"] = _("One of %(sorts)s.") % {"sorts": ", ".join(sorted(SORTS))}
    if errors:
        raise ValidationFailed(_("The view could not be saved: some fields need attention."), fields=errors)
    fields = {
        "query": query,
        "status": data.status,
        "priority": data.priority,
        "owner_filter": data.owner,
        "sort": data.sort,
    }
    view = SavedView.objects.select_for_update().filter(owner=actor, name=name).first()
    if view is None and SavedView.objects.filter(owner=actor).count() >= VIEWS_MAX:
        raise ValidationFailed(
            _("You keep %(max)s views already; delete one first.") % {"max": VIEWS_MAX},
            fields={"name": _("Too many views.")},
        )
    try:
        with transaction.atomic():
            if view is None:
                view = SavedView.objects.create(owner=actor, name=name, **fields)
                action = "view_saved"
            else:
                for key, value in fields.items():
                    setattr(view, key, value)
                view.save()
                action = "view_replaced"
    except IntegrityError:  # the same name saved at the same moment by another request
        raise ValidationFailed(_("A view of this name exists already."), fields={"name": _("Try again.")}) from None
    audit.record(view, action, actor, {"name": name, **fields}, internal=True)
    return view


@transaction.atomic
def delete_view(actor: User, view_id: int) -> None:
    require(actor, Capability.WORK_CASES)
    view = saved_views(actor).select_for_update().filter(pk=view_id).first() if 0 < view_id < 2**62 else None
    if view is None:
        raise NotFound(_("No such view."))
    audit.record(view, "view_deleted", actor, {"name": view.name}, internal=True)
    view.delete()

"""Canned replies (macros): kept shared or personal, applied to a case in one transaction.

A macro's text may hold placeholders written ``{{ name }}`` (``PLACEHOLDERS``). They are
substituted by a plain search and replace in one pass: the text is never run through a
template language (an agent's text could otherwise reach Python attributes or template
tags), and a value that itself looks like a placeholder (a customer named
"{{ agent_name }}") is inserted as it is, never expanded again. A placeholder we do not
know is refused when the macro is saved, so an agent does not send a half-filled reply.

Applying a macro is the reply (or internal note) plus the macro's status and priority
changes, each through its own use case (``working.reply``, ``set_status``,
``change_priority``), so each is checked and recorded as if done by hand; all of it
happens or nothing does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caredesk.accounts.access import Capability, may, require
from caredesk.accounts.models import User
from caredesk.cases.models import Case, CaseMessage, CaseStatus, Macro, Priority
from caredesk.cases.services.shared import MESSAGE_MAX, locked_case
from caredesk.cases.services.working import add_note, change_priority, reply, set_status
from caredesk.core import audit
from caredesk.core.clock import now
from caredesk.core.errors import NotFound, ValidationFailed
from caredesk.core.selects import Bind, Select
from caredesk.core.validation import clean_text

# What each placeholder becomes, from the case and the agent applying the macro.
PLACEHOLDERS: dict[str, tuple[object, Callable[[Case, User], str]]] = {
    "customer_name": (gettext_lazy("the case contact's full name"), lambda c, a: c.contact.full_name),
    "case_id": (gettext_lazy("the case id"), lambda c, a: c.case_id),
    "case_summary": (gettext_lazy("the case summary"), lambda c, a: c.summary),
    "organisation": (gettext_lazy("the customer organisation's name"), lambda c, a: c.organisation.name),
    "site": (gettext_lazy("the case's site name"), lambda c, a: c.site_name),
    "agent_name": (gettext_lazy("your own full name"), lambda c, a: a.full_name),
}
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
NAME_MAX = 100
MACRO_STATUSES = (CaseStatus.OPEN, CaseStatus.AWAITING_CUSTOMER)  # the moves staff make by hand (D-3.5)


@dataclass
class MacroData:
    name: str
    body: str
    shared: bool = False
    as_note: bool = False
    set_status: str = ""
    set_priority: str = ""


def fill(text: str, case: Case, actor: User) -> str:
    """The macro text with each known placeholder replaced by its value, in one pass."""

    def value(match: re.Match[str]) -> str:
        known = PLACEHOLDERS.get(match.group(1))
        return known[1](case, actor) if known else match.group(0)

    return _PLACEHOLDER.sub(value, text)


def visible_macros(user: User) -> QuerySet[Macro]:
    """The macros ``user`` may apply: the shared ones and their own."""
    if not may(user, Capability.WORK_CASES):
        return Macro.objects.none()
    return _macros_of(user.pk)


def _macros_of(owner_id: int | Bind) -> QuerySet[Macro]:
    return Macro.objects.filter(Q(owner__isnull=True) | Q(owner_id=owner_id)).order_by("owner_id", "name", "id")


# Every console case page lists them: the statement is built once (core.selects).
_macro_list: Select[Macro] = Select(lambda: _macros_of(Bind("owner", BigIntegerField())))


def macro_list(user: User) -> list[Macro]:
    """``visible_macros`` as a list."""
    return _macro_list(owner=user.pk) if may(user, Capability.WORK_CASES) else []


def _checked(data: MacroData) -> dict[str, object]:
    errors: dict[str, str] = {}
    fields: dict[str, object] = {}
    for name, limit in (("name", NAME_MAX), ("body", MESSAGE_MAX)):
        try:
            fields[name] = clean_text(getattr(data, name), field=name, max_length=limit)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    unknown = sorted({m.group(1) for m in _PLACEHOLDER.finditer(data.body or "")} - set(PLACEHOLDERS))
    if unknown and "body" not in errors:
        errors["body"] = _("Unknown placeholders: %(unknown)s. Known: %(known)s.") % {
            "unknown": ", ".join(unknown),
            "known": ", ".join(PLACEHOLDERS),
        }
    if data.set_status and data.set_status not in MACRO_STATUSES:
        errors["set_status"] = _("Open or Awaiting customer, or no change.")
    if data.set_priority and data.set_priority not in Priority.values:
        errors["set_priority"] = _("P1, P2, P3 or P4, or no change.")
    if errors:
        raise ValidationFailed(_("The macro could not be saved: some fields need attention."), fields=errors)
    return {**fields, "as_note": bool(data.as_note), "set_status": data.set_status, "set_priority": data.set_priority}


def _require_keeper(actor: User, shared: bool) -> None:
    require(actor, Capability.WORK_CASES)
    if shared:
        require(actor, Capability.MANAGE_SHARED_MACROS)


def _saved(macro: Macro) -> None:
    try:
        with transaction.atomic():
            macro.save()
    except IntegrityError:
        raise ValidationFailed(
            _("A macro of this name exists already."), fields={"name": _("Choose another name.")}
        ) from None


@transaction.atomic
def create_macro(actor: User, data: MacroData) -> Macro:
    """A new macro: personal (the actor's), or shared with every agent (team leads and
    managers, ``MANAGE_SHARED_MACROS``)."""
    _require_keeper(actor, data.shared)
    macro = Macro(owner=None if data.shared else actor, **_checked(data))
    _saved(macro)
    audit.record(macro, "macro_created", actor, {"name": [None, macro.name], "shared": [None, data.shared]},
                 internal=True)  # fmt: skip
    return macro


def _locked_macro(actor: User, macro_id: int) -> Macro:
    macro = visible_macros(actor).select_for_update().filter(pk=macro_id).first() if 0 < macro_id < 2**62 else None
    if macro is None:
        raise NotFound(_("No such macro."))
    return macro


@transaction.atomic
def update_macro(actor: User, macro_id: int, data: MacroData) -> Macro:
    """Change a macro: a personal one by its owner, a shared one by its keepers. Whether it
    is shared does not change (a personal macro is copied to share it)."""
    macro = _locked_macro(actor, macro_id)
    _require_keeper(actor, macro.shared)
    checked = _checked(data)
    changes = {k: [getattr(macro, k), v] for k, v in checked.items() if getattr(macro, k) != v}
    for name, value in checked.items():
        setattr(macro, name, value)
    macro.updated_at = now()
    _saved(macro)
    audit.record(macro, "macro_changed", actor, {k: v for k, v in changes.items() if k != "body"}, internal=True)
    return macro


@transaction.atomic
def delete_macro(actor: User, macro_id: int) -> None:
    macro = _locked_macro(actor, macro_id)
    _require_keeper(actor, macro.shared)
    audit.record(macro, "macro_deleted", actor, {"name": [macro.name, None]}, internal=True)
    macro.delete()


@transaction.atomic
def apply_macro(actor: User, case_id: str, macro_id: int) -> CaseMessage:
    """Apply a macro to a case: its text, filled in, as a reply (or internal note), then its
    status and priority changes, each recorded in the case history. One transaction: if
    any part is refused (a closed case, a status the case cannot move to), nothing is done."""
    case = locked_case(actor, case_id)  # first: a case the actor cannot see is not found (D-1.3)
    require(actor, Capability.WORK_CASES)
    macro = visible_macros(actor).filter(pk=macro_id).first() if 0 < macro_id < 2**62 else None
    if macro is None:
        raise NotFound(_("No such macro."))
    case = Case.objects.select_related("contact", "organisation").get(pk=case.pk)
    body = fill(macro.body, case, actor)
    message = (add_note if macro.as_note else reply)(actor, case.case_id, body)
    case.refresh_from_db(fields=["status", "priority"])
    if macro.set_status and macro.set_status != case.status:
        set_status(actor, case.case_id, macro.set_status)
    if macro.set_priority and macro.set_priority != case.priority:
        change_priority(actor, case.case_id, macro.set_priority)
    audit.record(case, "macro_applied", actor, {"macro": macro.name, "message": message.pk}, internal=True)
    return message

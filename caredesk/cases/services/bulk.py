"""Bulk actions on cases chosen in the queue: assign, priority, status.

Each case goes through the same use case as a single-case action (``working.assign``,
``change_priority``, ``set_status``), so each is checked the same way and gets its own
entry in its history. A bulk action is all or nothing: every case is tried inside one
transaction, and if any of them cannot take the change (not found, closed, a status it
cannot move to, a government case for an uncleared owner …) the whole transaction is
rolled back and the error names every such case with its reason. Then the agent takes
those out of the selection and tries again; nobody has to find out which half was done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from caredesk.accounts.access import Capability, require
from caredesk.accounts.models import User
from caredesk.cases.models import Case
from caredesk.cases.services.working import assign, change_priority, set_status
from caredesk.core.errors import DomainError, ValidationFailed
from caredesk.core.identifiers import normalise_case_id

BULK_MAX = 100
BULK_ACTIONS = ("assign", "priority", "status")


def _action(action: str, value: str) -> Callable[[User, str], Case]:
    if action == "assign":
        return lambda actor, case_id: assign(actor, case_id, value or None)
    if action == "priority":
        return lambda actor, case_id: change_priority(actor, case_id, value)
    if action == "status":
        return lambda actor, case_id: set_status(actor, case_id, value)
    raise ValidationFailed(_("Choose what to change."), fields={"action": ", ".join(BULK_ACTIONS)})


@transaction.atomic
def bulk_change(actor: User, case_ids: list[str], action: str, value: str = "") -> list[Case]:
    """Apply one change to every case of ``case_ids``: ``assign`` (``value``: an owner's
    e-mail, empty for the actor), ``priority`` (P1–P4) or ``status`` (open,
    awaiting_customer). All or nothing; refused cases are named in ``fields``."""
    require(actor, Capability.WORK_CASES)
    change = _action(action, value)
    wanted: list[str] = []
    for raw in case_ids:
        canonical = normalise_case_id(raw or "") or (raw or "").strip()[:40]
        if canonical not in wanted:
            wanted.append(canonical)
    if not wanted:
        raise ValidationFailed(_("Choose at least one case."), fields={"case_ids": _("No case chosen.")})
    if len(wanted) > BULK_MAX:
        raise ValidationFailed(
            _("At most %(max)s cases at once.") % {"max": BULK_MAX}, fields={"case_ids": _("Too many cases.")}
        )
    done: list[Case] = []
    refused: dict[str, str] = {}
    # In case-id order, so that two bulk actions over overlapping cases lock them in the
    # same order and cannot deadlock.
    for case_id in sorted(wanted):
        try:
            with transaction.atomic():
                done.append(change(actor, case_id))
        except DomainError as exc:
            refused[case_id] = " ".join([exc.message, *exc.fields.values()])
    if refused:
        message = ngettext(
            "Nothing was changed: %(count)d case cannot take this change.",
            "Nothing was changed: %(count)d cases cannot take this change.",
            len(refused),
        ) % {"count": len(refused)}
        raise ValidationFailed(message, fields={f"cases.{cid}": why for cid, why in refused.items()})
    order: dict[str, Any] = {cid: n for n, cid in enumerate(wanted)}
    return sorted(done, key=lambda c: order.get(c.case_id, 0))

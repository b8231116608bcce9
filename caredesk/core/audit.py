"""The audit trail: every change to a domain object is recorded with who and when (house rule 7)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import models

from caredesk.core.clock import now
from caredesk.core.inserts import insert
from caredesk.core.models import AuditEntry
from caredesk.core.selects import Bind, Select


def record(
    obj: models.Model,
    action: str,
    actor: Any,
    changes: dict[str, Any] | None = None,
    *,
    internal: bool = False,
) -> AuditEntry:
    """Write one audit row for ``obj``. Call inside the service's transaction."""
    label = ""
    actor_id = None
    if actor is not None and getattr(actor, "pk", None) is not None:
        actor_id = actor.pk
        label = getattr(actor, "full_name", "") or str(actor)
    return insert(
        AuditEntry(
            at=now(),
            actor_id=actor_id,
            actor_label=label,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            action=action,
            changes=changes or {},
            internal=internal,
        )
    )


def record_many(
    entries: Sequence[tuple[models.Model, Mapping[str, Any]]], action: str, actor: Any, *, internal: bool = False
) -> None:
    """One audit row per ``(obj, changes)``, all with ``action``, written in one statement:
    for sweeps that act on many objects at once."""
    record_each([(obj, action, changes) for obj, changes in entries], actor, internal=internal)


def record_each(
    entries: Sequence[tuple[models.Model, str, Mapping[str, Any]]], actor: Any, *, internal: bool = False
) -> None:
    """One audit row per ``(obj, action, changes)``, written in one statement: for one change
    recorded on several objects at once (an RMA line, its request and the case)."""
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) is not None else None
    label = (getattr(actor, "full_name", "") or str(actor)) if actor_id is not None else ""
    moment = now()
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                at=moment,
                actor_id=actor_id,
                actor_label=label,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                action=action,
                changes=dict(changes),
                internal=internal,
            )
            for obj, action, changes in entries
        ]
    )


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value changed."""
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def history(obj: models.Model, *, include_internal: bool) -> models.QuerySet[AuditEntry]:
    return _history(obj._meta.label_lower, str(obj.pk), include_internal=include_internal)


def _history(object_type: str | Bind, object_id: str | Bind, *, include_internal: bool) -> models.QuerySet[AuditEntry]:
    entries = AuditEntry.objects.filter(object_type=object_type, object_id=object_id)
    if not include_internal:
        entries = entries.filter(internal=False)
    return entries.order_by("at", "id")


def _history_select(include_internal: bool) -> Select[AuditEntry]:
    return Select(
        lambda: _history(
            Bind("type", models.CharField()), Bind("id", models.CharField()), include_internal=include_internal
        )
    )


# A page showing a history reads it on every view: its statement is built once per
# connection (core.selects).
_history_of = {internal: _history_select(internal) for internal in (False, True)}


def history_of(obj: models.Model, *, include_internal: bool) -> list[AuditEntry]:
    """``history`` as a list."""
    return _history_of[include_internal](type=obj._meta.label_lower, id=str(obj.pk))

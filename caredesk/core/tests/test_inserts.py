"""``core.inserts.insert`` writes the row Django's own insert writes, with its primary key."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from caredesk.core.inserts import insert
from caredesk.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def entry(**overrides: object) -> AuditEntry:
    values: dict[str, object] = {
        "at": datetime(2026, 3, 1, 17, 0, tzinfo=UTC),
        "actor_id": None,
        "actor_label": "Ann Agent",
        "object_type": "cases.case",
        "object_id": "42",
        "action": "opened",
        "changes": {"status": [None, "new"], "note": "Grüße, 東京"},
        "internal": True,
    }
    values.update(overrides)
    return AuditEntry(**values)  # type: ignore[arg-type]


def stored(pk: int) -> dict[str, object]:
    row = AuditEntry.objects.values().get(pk=pk)
    row.pop("id")
    return row


def test_it_writes_what_the_orm_writes_and_sets_the_primary_key() -> None:
    made = insert(entry())
    assert made.pk is not None and not made._state.adding
    by_orm = entry()
    by_orm.save()
    assert stored(made.pk) == stored(by_orm.pk)
    assert made.pk != by_orm.pk


def test_each_row_gets_its_own_key_and_its_own_values() -> None:
    first, second = insert(entry(action="one")), insert(entry(action="two", changes={}))
    assert first.pk != second.pk
    assert stored(second.pk)["action"] == "two" and stored(second.pk)["changes"] == {}

"""``core.selects.Select`` reads what its queryset reads, building the SQL once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest
from django.db.models import BigAutoField, CharField, Q
from django.db.models.sql.compiler import SQLCompiler

from caredesk.core.inserts import insert
from caredesk.core.models import AuditEntry
from caredesk.core.selects import Bind, Select
from tests.personas import World

pytestmark = pytest.mark.django_db


def write(object_id: str, at: datetime, internal: bool = False) -> AuditEntry:
    return insert(
        AuditEntry(at=at, actor_label="Ann Agent", object_type="cases.case", object_id=object_id,
                   action="changed", changes={"status": ["new", "open"], "note": "Grüße"}, internal=internal)
    )  # fmt: skip


def test_it_reads_the_rows_and_values_the_queryset_reads() -> None:
    for n, object_id in enumerate(["7", "7", "8", "7"]):
        write(object_id, datetime(2026, 3, 1, 17, n, tzinfo=UTC), internal=n == 3)
    entries = Select(
        lambda: AuditEntry.objects.filter(object_id=Bind("id", CharField()), internal=False).order_by("at")
    )
    for object_id in ("7", "8", "9"):
        expected = list(AuditEntry.objects.filter(object_id=object_id, internal=False).order_by("at"))
        found = entries(id=object_id)
        assert [e.pk for e in found] == [e.pk for e in expected]
        # Converted as the ORM converts: JSON decoded, times aware.
        assert [(e.changes, e.at, e.internal) for e in found] == [(e.changes, e.at, e.internal) for e in expected]
        assert all(not e._state.adding for e in found)


def test_it_fills_in_select_related_objects_and_binds_inside_q(world: World, django_assert_num_queries: Any) -> None:
    mine = write("7", datetime(2026, 3, 1, 17, 0, tzinfo=UTC))
    AuditEntry.objects.filter(pk=mine.pk).update(actor_id=world.alice.pk)
    entries = Select(
        lambda: AuditEntry.objects.select_related("actor").filter(Q(pk=Bind("pk", BigAutoField())) | Q(pk=-1))
    )
    with django_assert_num_queries(1):  # the actor comes with the entry
        (found,) = entries(pk=mine.pk)
        assert found.actor is not None and found.actor.email == world.alice.email
    assert entries(pk=10**12) == []


def test_it_builds_the_statement_once_per_connection() -> None:
    made = [write(str(n), datetime(2026, 3, 1, 17, n, tzinfo=UTC)) for n in range(3)]
    entries = Select(lambda: AuditEntry.objects.filter(pk=Bind("pk", BigAutoField())))
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql) as compiled:
        for entry in made:
            assert entries(pk=entry.pk)[0].object_id == entry.object_id
    assert compiled.call_count == 1


def test_annotations_are_refused() -> None:
    with pytest.raises(ValueError, match="annotations"):
        Select(lambda: AuditEntry.objects.annotate(n=Bind("n", CharField())))()

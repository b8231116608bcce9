"""Bulk actions on queue rows (all or nothing, one history entry per case), saved views of
the queue per agent, and the queue sorted by response due time (D-4.1) with stable keyset
paging although cases without a target have no due time (D-3.6)."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caredesk.cases import queries, services
from caredesk.cases.models import Case, CaseStatus
from caredesk.cases.services import ViewData
from caredesk.core.errors import Forbidden, NotFound, ValidationFailed
from caredesk.core.models import AuditEntry
from tests.personas import World, admin_case

MONDAY = "2026-06-15 10:00 -07:00"


def _entries(case: Case, action: str) -> int:
    return AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk), action=action).count()


@time_machine.travel(MONDAY, tick=False)
def test_bulk_assign_gives_each_case_its_own_history_entry(world: World) -> None:
    cases = [admin_case(world.alice) for _ in range(3)]
    changed = services.bulk_change(world.agent, [c.case_id for c in cases], "assign", world.manager.email)
    assert [c.case_id for c in changed] == [c.case_id for c in cases]
    for case in cases:
        case.refresh_from_db()
        assert case.owner == world.manager and case.status == CaseStatus.OPEN
        assert _entries(case, "assigned") == 1
    services.bulk_change(world.agent, [c.case_id for c in cases], "assign")  # to me
    assert all(Case.objects.get(pk=c.pk).owner == world.agent for c in cases)


@time_machine.travel(MONDAY, tick=False)
def test_bulk_priority_and_status(world: World) -> None:
    cases = [admin_case(world.alice) for _ in range(2)]
    ids = [c.case_id for c in cases]
    services.bulk_change(world.agent, ids, "priority", "P2")
    services.bulk_change(world.agent, ids, "assign")
    services.bulk_change(world.agent, ids, "status", "awaiting_customer")
    for case in cases:
        case.refresh_from_db()
        assert case.priority == "P2" and case.status == CaseStatus.AWAITING_CUSTOMER
        assert _entries(case, "priority_changed") == 1 and _entries(case, "status_changed") == 1


@time_machine.travel(MONDAY, tick=False)
def test_a_bulk_action_is_all_or_nothing_and_names_the_cases_that_cannot_take_it(world: World) -> None:
    fine = admin_case(world.alice)
    closed = admin_case(world.alice)
    services.close_case(world.agent, closed.case_id, "spam")
    gov = admin_case(world.gina, callback_phone="+1 202 555 0143")
    with pytest.raises(ValidationFailed) as refused:
        services.bulk_change(world.agent, [fine.case_id, closed.case_id, gov.case_id], "priority", "P1")
    assert set(refused.value.fields) == {f"cases.{closed.case_id}", f"cases.{gov.case_id}"}
    assert "closed" in refused.value.fields[f"cases.{closed.case_id}"]
    assert "No such case" in refused.value.fields[f"cases.{gov.case_id}"]  # D-1.3: not cleared
    fine.refresh_from_db()
    assert fine.priority == "P3" and _entries(fine, "priority_changed") == 0


def test_bulk_actions_need_staff_a_known_action_and_a_bounded_selection(world: World) -> None:
    case = admin_case(world.alice)
    with pytest.raises(Forbidden):
        services.bulk_change(world.alice, [case.case_id], "priority", "P1")
    with pytest.raises(ValidationFailed) as refused:
        services.bulk_change(world.agent, [case.case_id], "delete")
    assert "action" in refused.value.fields
    with pytest.raises(ValidationFailed):
        services.bulk_change(world.agent, [], "priority", "P1")
    with pytest.raises(ValidationFailed):
        services.bulk_change(world.agent, [f"2026-0615-{n:05d}" for n in range(101)], "priority", "P1")


def test_saved_views_belong_to_their_agent_and_replace_by_name(world: World) -> None:
    view = services.save_view(world.agent, ViewData(name="My P1s", priority="P1", owner="me", sort="due"))
    assert view.params() == {"status": "active", "priority": "P1", "owner": "me", "sort": "due"}
    again = services.save_view(world.agent, ViewData(name="My P1s", priority="P1", sort="-due"))
    assert again.pk == view.pk and again.sort == "-due" and again.owner_filter == ""
    services.save_view(world.cleared, ViewData(name="Theirs"))
    assert [v.name for v in services.saved_views(world.agent)] == ["My P1s"]
    with pytest.raises(NotFound):
        services.delete_view(world.cleared, view.pk)
    with pytest.raises(Forbidden):
        services.save_view(world.alice, ViewData(name="Mine"))
    with pytest.raises(ValidationFailed) as refused:
        services.save_view(world.agent, ViewData(name=" ", status="gone", priority="P0", owner="bob", sort="size"))
    assert set(refused.value.fields) == {"name", "status", "priority", "owner", "sort"}
    services.delete_view(world.agent, view.pk)
    assert list(services.saved_views(world.agent)) == []


@time_machine.travel(MONDAY, tick=False)
def test_the_queue_sorts_by_due_time_with_cases_without_a_target_last_and_pages_stably(world: World) -> None:
    made = [admin_case(world.alice, priority=p) for p in ("P3", "P1", "P4", "P2", "P3", "P1", "P4")]
    no_target = made[4:]
    Case.objects.filter(pk__in=[c.pk for c in no_target]).update(response_due_at=None)
    expected = sorted(
        Case.objects.filter(pk__in=[c.pk for c in made]),
        key=lambda c: (c.response_due_at is None, c.response_due_at or 0, c.pk),
    )
    for descending in (False, True):
        want = [c.case_id for c in (reversed(expected) if descending else expected)]
        seen: list[str] = []
        cursor = None
        for _ in range(10):
            page = queries.list_cases(
                world.agent, queries.CaseFilter(), sort="-due" if descending else "due", cursor=cursor, limit=2
            )
            seen += [c.case_id for c in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == want, descending


@time_machine.travel(MONDAY, tick=False)
def test_sorting_by_due_reads_the_due_times_as_an_index_range(world: World) -> None:
    for priority in ("P1", "P2", "P3"):
        admin_case(world.alice, priority=priority)
    first = queries.list_cases(world.agent, queries.CaseFilter(), sort="due", limit=1)
    with CaptureQueriesContext(connection) as captured:
        queries.list_cases(world.agent, queries.CaseFilter(), sort="due", cursor=first.next_cursor, limit=1)
    sql = captured.captured_queries[-1]["sql"]
    # A range on the due time (served by case_due_idx), not an OR with IS NULL.
    assert '"response_due_at" >= ' in sql and "IS NULL" not in sql.split("WHERE", 1)[1].split("ORDER")[0]


def test_a_cursor_for_no_value_is_refused_on_a_column_that_always_has_one(world: World) -> None:
    from caredesk.core.paging import _encode

    with pytest.raises(ValidationFailed):
        queries.list_cases(world.agent, queries.CaseFilter(), sort="modified", cursor=_encode(None, 1))

"""D-3.6: finding cases by id, tracking number and keyword; lists sort on every column
and page in a stable order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from caredesk.cases import services
from caredesk.cases.models import Case
from caredesk.cases.queries import SORTS, CaseFilter, list_cases
from caredesk.core.errors import ValidationFailed
from tests.personas import World, admin_case


@pytest.fixture
def many(world: World) -> list[str]:
    """Nine cases, opened an hour apart, with varied columns."""
    ids = []
    start = datetime(2026, 4, 6, 16, 0, tzinfo=UTC)
    for n in range(9):
        with time_machine.travel(start + timedelta(hours=n), tick=False):
            case = admin_case(
                world.bob if n % 3 == 0 else world.alice,
                priority=f"P{n % 4 + 1}",
                site_code="S-ACME-1" if n % 2 else "",
                summary=f"Licence key number {n} rejected" if n % 2 else f"Mis-shipment of order {n}",
                customer_tracking_number=f"ACME-{n:03d}",
            )
            if n % 3:
                services.assign(world.agent, case.case_id)  # Open
            if n % 3 == 2:
                services.set_status(world.agent, case.case_id, "awaiting_customer")
            # Platform comes from the installed base; set directly so that the column varies.
            Case.objects.filter(pk=case.pk).update(platform=["MX-480", "EX-4300", "SRX-345", ""][n % 4])
            ids.append(case.case_id)
    return ids


def _all_pages(user, sort: str, limit: int = 2) -> list:  # type: ignore[no-untyped-def]
    rows, cursor = [], None
    while True:
        page = list_cases(user, CaseFilter(), sort=sort, cursor=cursor, limit=limit)
        rows.extend(page.items)
        if page.next_cursor is None:
            return rows
        cursor = page.next_cursor


@pytest.mark.parametrize("column", sorted(SORTS))
@pytest.mark.parametrize("descending", [False, True])
def test_every_column_sorts_and_pages_without_gaps_or_repeats(
    world: World, many: list[str], column: str, descending: bool
) -> None:
    sort = f"-{column}" if descending else column
    rows = _all_pages(world.alice, sort)
    assert sorted(r.case_id for r in rows) == sorted(many)  # every case once
    field = SORTS[column]
    keys = [(getattr(r, field), r.pk) for r in rows]
    assert keys == sorted(keys, reverse=descending)
    assert len({k[0] for k in keys}) > 1  # the column varies, so the order is the column's


def test_paging_is_stable_when_cases_change_between_pages(world: World, many: list[str]) -> None:
    first = list_cases(world.alice, CaseFilter(), sort="case_id", limit=4)
    services.reply(world.agent, first.items[0].case_id, "touching the first case")  # changes updated_at only
    second = list_cases(world.alice, CaseFilter(), sort="case_id", cursor=first.next_cursor, limit=4)
    assert [c.case_id for c in first.items + second.items] == sorted(many)[:8]


def test_the_default_order_is_last_modified_first(world: World, many: list[str]) -> None:
    page = list_cases(world.alice, CaseFilter(), limit=3)
    assert [c.case_id for c in page.items] == list(reversed(many))[:3]


def test_search_by_tracking_number(world: World, many: list[str]) -> None:
    page = list_cases(world.alice, CaseFilter(query="ACME-004"))
    assert [c.case_id for c in page.items] == [many[4]]


def test_search_by_keywords_in_summary_and_description(world: World, many: list[str]) -> None:
    page = list_cases(world.alice, CaseFilter(query="licence rejected"), sort="case_id", limit=50)
    assert [c.case_id for c in page.items] == [many[n] for n in (1, 3, 5, 7)]
    assert list_cases(world.alice, CaseFilter(query="refused mainframe")).items == []


def test_keyword_search_respects_access(world: World, many: list[str]) -> None:
    assert list_cases(world.charlie, CaseFilter(query="licence")).items == []


def test_filters_by_status_and_priority(world: World, many: list[str]) -> None:
    services.assign(world.agent, many[0])
    opened = {c.case_id for c in list_cases(world.alice, CaseFilter(status="open")).items}
    assert opened == {many[n] for n in (0, 1, 4, 7)}
    awaiting = {c.case_id for c in list_cases(world.alice, CaseFilter(status="awaiting_customer")).items}
    assert awaiting == {many[n] for n in (2, 5, 8)}
    assert {c.case_id for c in list_cases(world.alice, CaseFilter(status="new")).items} == {many[3], many[6]}
    p1 = {c.case_id for c in list_cases(world.alice, CaseFilter(priority="P1"), limit=50).items}
    assert p1 == {many[0], many[4], many[8]}
    mine = {c.case_id for c in list_cases(world.agent, CaseFilter(owner="me")).items}
    assert mine == {many[n] for n in (0, 1, 2, 4, 5, 7, 8)}
    assert {c.case_id for c in list_cases(world.agent, CaseFilter(owner="none")).items} == {many[3], many[6]}


def test_a_tampered_cursor_is_a_clear_error(world: World, many: list[str]) -> None:
    with pytest.raises(ValidationFailed):
        list_cases(world.alice, CaseFilter(), cursor="eyJub3QiOiJhIGN1cnNvciJ9")


def test_list_columns_come_from_the_case_row(
    world: World, many: list[str], django_assert_max_num_queries, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.TOKEN_CACHE_SECONDS = 5  # the access scope is kept on the user, as in a running process
    list_cases(world.alice, CaseFilter(), limit=1)
    with django_assert_max_num_queries(1):
        page = list_cases(world.alice, CaseFilter(), limit=25)
        rows = [
            (c.status, c.case_id, c.site_name, c.site_code, c.contact_name, c.updated_at, c.platform, c.priority)
            for c in page.items
        ]
    assert len(rows) == 9


@pytest.mark.parametrize("probe", [1, 4, 1000])  # the common-word path, the boundary, the rare-word path
def test_keyword_search_finds_the_same_pages_whichever_way_it_goes(
    world: World, many: list[str], monkeypatch, probe: int
) -> None:  # type: ignore[no-untyped-def]
    from caredesk.cases import queries

    monkeypatch.setattr(queries, "SEARCH_PROBE", probe)
    rows, cursor = [], None
    while True:
        page = list_cases(world.alice, CaseFilter(query="licence"), sort="-modified", cursor=cursor, limit=3)
        rows.extend(c.case_id for c in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert rows == [many[n] for n in (7, 5, 3, 1)]
    assert list_cases(world.charlie, CaseFilter(query="licence")).items == []


@pytest.mark.parametrize("person", ["alice", "bob", "carol", "paul", "charlie", "agent", "cleared"])
@pytest.mark.parametrize("sort", ["-modified", "case_id", "-status"])
def test_paging_through_every_page_gives_exactly_the_visible_cases(
    world: World, many: list[str], person: str, sort: str
) -> None:
    from caredesk.cases.queries import visible_cases

    # A case Carol opened for Acme, and one of Globex's, so the parts of the union differ.
    admin_case(world.carol, organisation_id=world.acme.pk)
    admin_case(world.charlie)
    user = world.person(person)
    rows = _all_pages(user, sort)
    assert len(rows) == len({r.pk for r in rows})  # no repeats where the parts overlap
    assert {r.pk for r in rows} == set(visible_cases(user).values_list("pk", flat=True))


@pytest.mark.parametrize("common", [True, False])
@pytest.mark.parametrize("person", ["alice", "carol", "agent"])
def test_common_and_rare_words_find_the_same_cases(
    world: World, many: list[str], monkeypatch, common: bool, person: str
) -> None:  # type: ignore[no-untyped-def]
    from caredesk.cases import queries

    monkeypatch.setattr(queries, "_common_words", lambda text: common)
    page = list_cases(world.person(person), CaseFilter(query="licence rejected"), sort="case_id", limit=50)
    assert [c.case_id for c in page.items] == [many[n] for n in (1, 3, 5, 7)]


def test_word_shares_come_from_the_database_statistics(db: None) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection

    from caredesk.cases import queries

    if connection.vendor != "postgresql":
        assert queries._common_words("router") is False  # SQLite has no such statistics
        return
    queries._word_shares = (float("-inf"), {})
    assert queries._common_words("router") is False  # an empty table: nothing is common

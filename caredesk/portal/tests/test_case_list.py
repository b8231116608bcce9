"""My cases (D-3.6): the columns, sorting by every column, filters, search and paging."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from caredesk.cases.models import Case
from tests.personas import World, admin_case

HEADERS = ["Status", "Case id", "Site name", "Site id", "Contact", "Last modified", "Platform", "Priority"]


def test_the_list_shows_the_columns_of_d_3_6(world: World, client_for) -> None:
    case = admin_case(world.alice, site_code="S-ACME-1")
    Case.objects.filter(pk=case.pk).update(platform="MX-480")
    page = client_for("alice").get("/").content.decode()
    for header in HEADERS:
        assert f">{header}</a>" in page, header
    assert f'href="/cases/{case.case_id}/"' in page
    for text in ["Acme Frankfurt DC", "S-ACME-1", "Alice Archer", "MX-480", "P3", "New"]:
        assert text in page, text


def test_last_modified_is_shown_in_the_support_centres_time_zone(world: World, client_for) -> None:
    # 2026-01-15 18:30 UTC is 10:30 in Los Angeles (PST, UTC-8).
    with time_machine.travel(datetime(2026, 1, 15, 18, 30, tzinfo=UTC), tick=False):
        admin_case(world.alice)
    page = client_for("alice").get("/").content.decode()
    assert "15 Jan 2026, 10:30 PST" in page


@pytest.mark.parametrize(
    "column", ["status", "case_id", "site_name", "site_id", "contact", "modified", "platform", "priority"]
)
def test_every_column_header_sorts_ascending_then_descending(world: World, client_for, column: str) -> None:
    admin_case(world.alice)
    client = client_for("alice")
    ascending = client.get("/", {"sort": column})
    assert ascending.status_code == 200
    assert f"?sort=-{column}" in ascending.content.decode()  # clicking again reverses
    assert 'aria-sort="ascending"' in ascending.content.decode()
    descending = client.get("/", {"sort": f"-{column}"})
    assert descending.status_code == 200 and 'aria-sort="descending"' in descending.content.decode()


def test_the_list_sorts_by_priority(world: World, client_for) -> None:
    low = admin_case(world.alice, priority="P4")
    high = admin_case(world.alice, priority="P1")
    page = client_for("alice").get("/", {"sort": "priority"}).content.decode()
    assert page.index(high.case_id) < page.index(low.case_id)
    page = client_for("alice").get("/", {"sort": "-priority"}).content.decode()
    assert page.index(low.case_id) < page.index(high.case_id)


def test_next_page_follows_the_keyset_cursor(world: World, client_for) -> None:
    cases = [admin_case(world.alice, summary=f"Case number {i}") for i in range(27)]
    client = client_for("alice")
    first = client.get("/", {"sort": "case_id"})
    cursor = first.context["next_cursor"]
    assert cursor and 'rel="next"' in first.content.decode()
    second = client.get("/", {"sort": "case_id", "cursor": cursor})
    shown = [c.case_id for c in second.context["cases"]]
    assert shown == [c.case_id for c in cases[25:]]
    assert second.context["next_cursor"] is None


def test_a_broken_cursor_or_filter_is_a_message_not_a_server_error(world: World, client_for) -> None:
    client = client_for("alice")
    assert b"The page cursor is not valid." in client.get("/", {"cursor": "garbage!"}).content
    assert client.get("/", {"status": "nonsense"}).status_code == 422
    assert client.get("/", {"priority": "P9"}).status_code == 422
    assert client.get("/", {"sort": "password"}).status_code == 200  # unknown sort: the default
    assert client.get("/", {"q": "x" * 500}).status_code == 200


def test_filters_narrow_the_list(world: World, client_for) -> None:
    p1 = admin_case(world.alice, priority="P1", summary="Urgent thing")
    p4 = admin_case(world.alice, priority="P4", summary="Slow thing")
    client = client_for("alice")
    page = client.get("/", {"priority": "P1"}).content.decode()
    assert p1.case_id in page and p4.case_id not in page
    assert p1.case_id not in client.get("/", {"status": "closed"}).content.decode()
    assert p1.case_id in client.get("/", {"status": "active"}).content.decode()


def test_search_finds_by_case_id_with_or_without_dashes_tracking_number_and_keyword(world: World, client_for) -> None:
    target = admin_case(world.alice, customer_tracking_number="PO-7781", summary="Router licence missing")
    other = admin_case(world.alice, summary="Something else entirely")
    client = client_for("alice")
    for query in [target.case_id, target.case_id.replace("-", ""), f"  {target.case_id} ", "PO-7781", "licence"]:
        page = client.get("/", {"q": query}).content.decode()
        assert target.case_id in page and other.case_id not in page, query


def test_the_list_holds_only_visible_cases(world: World, client_for) -> None:
    mine = admin_case(world.alice)
    theirs = admin_case(world.charlie, callback_phone="+1 650 555 0100")
    page = client_for("alice").get("/").content.decode()
    assert mine.case_id in page and theirs.case_id not in page


def test_an_empty_list_says_so(world: World, client_for) -> None:
    assert b"No cases yet" in client_for("alice").get("/").content
    assert b"No case matches" in client_for("alice").get("/", {"q": "zzz"}).content


@pytest.mark.parametrize(("path", "who"), [("/", "alice"), ("/console/", "agent")])
def test_a_tampered_page_cursor_is_a_clear_error_page(world: World, client_for, path: str, who: str) -> None:
    import base64

    admin_case(world.alice)
    cursor = base64.urlsafe_b64encode(b'["v","abc",1]').decode().rstrip("=")
    response = client_for(who).get(path, {"sort": "-modified", "cursor": cursor})
    assert response.status_code == 422
    assert "cursor" in response.content.decode().lower()

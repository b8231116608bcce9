"""D-3.6: cases are found the way vendors look them up: by the serial number of a unit the
case names (its own serial, the serials of its template: an Installed Base Update's
units), whole or by its start; by the name of the organisation; by the site id. A search
never widens what one sees (D-1.3). The unit's page lists the cases naming it."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from caredesk.accounts import services as accounts
from caredesk.cases import queries
from caredesk.cases.models import Case, CaseUnit
from caredesk.cases.queries import CaseFilter, cases_naming_unit, list_cases, organisations_named
from tests.personas import InstalledBase, World, admin_case

EVERYONE = ["alice", "bob", "carol", "paul", "charlie", "gina", "agent", "cleared", "manager"]
SEES_ACME = {"alice", "bob", "carol", "paul", "agent", "cleared", "manager"}


def technical(world: World, serial: str, **extra: Any) -> Case:
    return admin_case(world.alice, kind="technical", request_type="", request_subtype="", serial_number=serial, **extra)


@pytest.fixture
def named(world: World, ib: InstalledBase) -> dict[str, str]:
    """Acme's cases naming units: a technical case for KR1000001, an Installed Base Update
    moving KR1000002 and KR1000003, a case naming no unit at its Frankfurt site; Globex's
    technical case for its own unit; the government customer's for its unit."""
    accounts.add_site(world.acme, "S-ACME-2", "Acme Munich", "DE")
    return {
        "technical": technical(world, "kr1000001", summary="Fan failure").case_id,
        "move": admin_case(
            world.alice,
            request_type="installed-base-update",
            request_subtype="move",
            template_data={"serials": "KR1000002, kr1000003", "target_site": "S-ACME-1"},
        ).case_id,
        "plain": admin_case(world.bob, site_code="S-ACME-1", summary="Invoice question").case_id,
        "munich": admin_case(world.bob, site_code="S-ACME-2", summary="Another question").case_id,
        "globex": admin_case(
            world.charlie, kind="technical", request_type="", request_subtype="", serial_number="KR2000001"
        ).case_id,
        "agency": admin_case(
            world.gina, kind="technical", request_type="", request_subtype="", serial_number="KR3000001"
        ).case_id,
    }


def found(user: Any, text: str) -> set[str]:
    return {c.case_id for c in list_cases(user, CaseFilter(query=text), limit=100).items}


def paged(user: Any, text: str) -> list[str]:
    """Every page of the search, one case a page, newest first."""
    rows, cursor = [], None
    while True:
        page = list_cases(user, CaseFilter(query=text), cursor=cursor, limit=1)
        rows += [c.case_id for c in page.items]
        if page.next_cursor is None:
            return rows
        cursor = page.next_cursor


def test_a_case_notes_the_units_it_names(world: World, named: dict[str, str]) -> None:
    units = lambda key: set(CaseUnit.objects.filter(case__case_id=named[key]).values_list("serial", flat=True))  # noqa: E731
    assert units("technical") == {"KR1000001"}
    assert units("move") == {"KR1000002", "KR1000003"}
    assert units("plain") == set()


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("KR1000001", {"technical"}),  # the case's own serial
        ("kr1000003", {"move"}),  # a serial of the template, in any case
        (" KR1000002 ", {"move"}),
        ("KR100000", {"technical", "move"}),  # the start of a serial
        ("KR1", {"technical", "move"}),
        ("KR", set()),  # too short to be the start of a serial: only a whole one
        ("R1000001", set()),  # the middle of a serial is not a match: a serial is a code, not a keyword
    ],
)
def test_a_search_finds_the_cases_naming_a_serial_whole_or_by_its_start(
    world: World, named: dict[str, str], text: str, keys: set[str]
) -> None:
    assert found(world.alice, text) == {named[k] for k in keys}


@pytest.mark.parametrize("person", EVERYONE)
def test_a_search_by_serial_never_widens_what_one_sees(world: World, named: dict[str, str], person: str) -> None:
    user = world.person(person)
    visible = set(queries.visible_cases(user).values_list("case_id", flat=True))
    for text in ("KR", "KR1", "KR2000001", "KR3000001", "KR1000001"):
        assert found(user, text) <= visible
    assert (named["technical"] in found(user, "KR1000001")) == (person in SEES_ACME)
    assert (named["agency"] in found(user, "KR3")) == (person in {"gina", "cleared"})


@pytest.mark.parametrize(
    ("person", "text", "keys"),
    [
        ("agent", "Acme", {"technical", "move", "plain", "munich"}),
        ("agent", "acme tel", {"technical", "move", "plain", "munich"}),  # word starts, any case
        ("agent", "Telecom", {"technical", "move", "plain", "munich"}),
        ("agent", "Globex", {"globex"}),
        ("agent", "Federal Agency", set()),  # a government customer, not for an uncleared agent
        ("cleared", "Federal Agency", {"agency"}),
        ("alice", "Globex", set()),  # another customer's name finds nothing of theirs
        ("charlie", "Acme", set()),
        ("agent", "Ac", set()),  # too short to be a name
        ("agent", "Acme Globex", set()),  # every word must be in the one name
    ],
)
def test_a_search_finds_the_cases_of_an_organisation_by_its_name(
    world: World, named: dict[str, str], person: str, text: str, keys: set[str]
) -> None:
    assert found(world.person(person), text) == {named[k] for k in keys}


def test_organisation_names_resolve_to_ids_without_a_query(world: World, django_assert_num_queries: Any) -> None:
    assert organisations_named("acme") == [world.acme.pk]
    with django_assert_num_queries(0):
        assert organisations_named("Globex corp") == [world.globex.pk]
        assert organisations_named("acme", scope_ids=[world.globex.pk]) == []
    renamed = accounts.create_organisation("Acme Logistics", "customer", country="DE")  # seen at once here
    assert set(organisations_named("acme")) == {world.acme.pk, renamed.pk}


def test_a_name_that_fits_too_many_organisations_is_not_a_name(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(queries, "ORGANISATION_MATCH_MAX", 1)
    accounts.create_organisation("Acme Logistics", "customer", country="DE")
    assert organisations_named("acme") == []


@pytest.mark.parametrize(("text", "keys"), [("S-ACME-1", {"plain"}), ("s-acme-2", {"munich"})])
def test_a_search_finds_the_cases_at_a_site_by_its_id(
    world: World, named: dict[str, str], text: str, keys: set[str]
) -> None:
    # The move names S-ACME-1 only as its target, not as its site: not found by it.
    assert found(world.agent, text) == {named[k] for k in keys}
    assert found(world.charlie, text) == set()


@pytest.mark.parametrize("probe", [1000, 1])
@pytest.mark.parametrize("common", [False, True])
def test_every_way_of_searching_gives_the_same_answer(
    world: World, named: dict[str, str], monkeypatch: Any, probe: int, common: bool
) -> None:
    """Whether the matches are fetched first (few) or the list is walked (many, or common
    words), the answer is the same, for staff and for a customer (a union of parts)."""
    monkeypatch.setattr(queries, "SEARCH_PROBE", probe)
    monkeypatch.setattr(queries, "_common_words", lambda text: common)
    for person in ("agent", "alice", "paul"):
        user = world.person(person)
        assert found(user, "KR1") == {named["technical"], named["move"]}
        assert found(user, "Acme") == ({named[k] for k in ("technical", "move", "plain", "munich")})
        assert found(user, "S-ACME-2") == {named["munich"]}
        everything = paged(user, "Acme")  # pages in order, none twice, none missing
        assert len(everything) == len(set(everything)) == 4 and everything == sorted(everything, reverse=True)


def test_the_api_portal_and_console_search_by_serial(world: World, named: dict[str, str], api: Any) -> None:
    items = api("alice").get("/cases", q="KR1000003").json()["items"]
    assert [c["case_id"] for c in items] == [named["move"]]
    assert api("charlie").get("/cases", q="KR1000003").json()["items"] == []
    for person, path in (("alice", "/"), ("agent", "/console/")):
        client = Client()
        client.force_login(world.person(person))
        page = client.get(path, {"q": "KR1000001"}).content.decode()
        assert named["technical"] in page and named["move"] not in page


def test_the_migration_notes_the_units_of_cases_opened_before_it(world: World, named: dict[str, str]) -> None:
    """The units of every case opened before search by serial came are noted once."""
    CaseUnit.objects.all().delete()
    migration = importlib.import_module("caredesk.cases.migrations.0010_case_units")
    migration.name_units(apps, SimpleNamespace(connection=connection))  # it needs the connection only
    units = set(CaseUnit.objects.values_list("case__case_id", "serial"))
    assert units == {
        (named["technical"], "KR1000001"),
        (named["move"], "KR1000002"),
        (named["move"], "KR1000003"),
        (named["globex"], "KR2000001"),
        (named["agency"], "KR3000001"),
    }


# --- the unit's page (its cases) ---------------------------------------------------------------


@pytest.mark.parametrize("person", EVERYONE)
def test_the_cases_of_a_unit_are_those_one_may_see_newest_first(
    world: World, named: dict[str, str], person: str
) -> None:
    later = technical(world, "KR1000002", summary="Second look at the move")
    cases = cases_naming_unit(world.person(person), "kr1000002")
    expected = [later.case_id, named["move"]] if person in SEES_ACME else []
    assert [c.case_id for c in cases] == expected


@pytest.mark.parametrize(
    ("person", "path", "link"), [("alice", "/assets/", "/cases/"), ("agent", "/console/assets/", "/console/cases/")]
)
def test_the_unit_page_lists_and_links_its_cases(
    world: World, named: dict[str, str], person: str, path: str, link: str
) -> None:
    client = Client()
    client.force_login(world.person(person))
    page = client.get(f"{path}KR1000003/").content.decode()
    assert "Cases about this unit" in page
    assert f'href="{link}{named["move"]}/"' in page
    assert named["technical"] not in page
    empty = client.get(f"{path}KR1000004/").content.decode()
    assert "No case you can see names this unit." in empty


def test_the_api_lists_the_cases_of_a_unit(world: World, named: dict[str, str], api: Any) -> None:
    assert [c["case_id"] for c in api("paul").get("/assets/KR1000001/cases").json()] == [named["technical"]]
    assert api("charlie").get("/assets/KR1000001/cases").status_code == 404
    assert api("agent").get("/assets/KR3000001/cases").status_code == 404  # a government customer's unit
    assert [c["case_id"] for c in api("cleared").get("/assets/KR3000001/cases").json()] == [named["agency"]]


@pytest.mark.parametrize("probe", [1000, 1])
def test_a_name_fitting_several_of_ones_organisations_finds_the_cases_of_each(
    world: World, named: dict[str, str], monkeypatch: Any, probe: int
) -> None:
    """A consultant associated with two customers whose names share a word finds both
    customers' cases by it, and their sites' cases by site id, however they are paged."""
    monkeypatch.setattr(queries, "SEARCH_PROBE", probe)
    logistics = accounts.create_organisation("Acme Logistics", "customer", country="DE")
    accounts.add_site(logistics, "S-ACL-1", "Acme Logistics Hub", "DE")
    world.carol.associations.add(logistics)
    world.carol._acting_organisation_ids = None  # type: ignore[attr-defined]
    depot_case = admin_case(world.carol, organisation_id=logistics.pk, site_code="S-ACL-1").case_id
    acme = {named[k] for k in ("technical", "move", "plain", "munich")}
    assert found(world.carol, "Acme") == acme | {depot_case}
    assert found(world.carol, "S-ACL-1") == {depot_case}
    assert found(world.alice, "Acme") == acme  # not the other customer's

"""D-1.3: who sees which case. What each route answers each persona (an invisible case is
"not found" on every one) is the generated matrix's (tests/test_permission_matrix.py);
here are what its rows do not see: the scope function itself, and which cases a list or
a search shows."""

from __future__ import annotations

import pytest

from caredesk.cases.queries import visible_cases
from tests.personas import World, admin_case

SEES_ACME_CASE = {"alice", "bob", "carol", "paul", "agent", "cleared", "manager"}
SEES_GOV_CASE = {"gina", "cleared"}
EVERYONE = ["alice", "bob", "carol", "paul", "charlie", "gina", "agent", "cleared", "manager"]


@pytest.fixture
def acme_case(world: World):  # type: ignore[no-untyped-def]
    return admin_case(world.alice, site_code="S-ACME-1")


@pytest.fixture
def gov_case(world: World):  # type: ignore[no-untyped-def]
    return admin_case(world.gina, site_code="S-GOV-1", summary="Licence question")


@pytest.mark.parametrize("person", EVERYONE)
def test_visible_cases_follows_the_access_rule(world: World, acme_case, gov_case, person: str) -> None:  # type: ignore[no-untyped-def]
    seen = set(visible_cases(world.person(person)).values_list("case_id", flat=True))
    assert (acme_case.case_id in seen) == (person in SEES_ACME_CASE)
    assert (gov_case.case_id in seen) == (person in SEES_GOV_CASE)


def test_a_case_the_user_opened_stays_visible_after_they_move_on(world: World) -> None:
    case = admin_case(world.carol, organisation_id=world.acme.pk)
    world.carol.associations.clear()
    assert visible_cases(world.carol).filter(pk=case.pk).exists()


@pytest.mark.parametrize("person", EVERYONE)
def test_case_list_and_search_show_only_visible_cases(api, world: World, acme_case, gov_case, person: str) -> None:  # type: ignore[no-untyped-def]
    client = api(person)
    listed = {row["case_id"] for row in client.get("/cases").json()["items"]}
    assert (acme_case.case_id in listed) == (person in SEES_ACME_CASE)
    assert (gov_case.case_id in listed) == (person in SEES_GOV_CASE)
    found = {row["case_id"] for row in client.get("/cases", q=gov_case.case_id.replace("-", "")).json()["items"]}
    assert found == ({gov_case.case_id} if person in SEES_GOV_CASE else set())

"""The console is for vendor staff: for everyone else every console URL is "not found".

Every console route, against every persona (customers, each staff role, staff without a
role, cleared or not), is held by the permission matrix (``tests/test_permission_matrix.py``,
D-1.2, D-1.3); here is what it does not walk: a method a page does not take and a URL that is
no page at all, and the queue's search.
"""

from __future__ import annotations

import pytest

from tests.personas import World, admin_case

CUSTOMERS = ["alice", "bob", "carol", "paul", "charlie", "gina"]


@pytest.mark.parametrize("name", CUSTOMERS)
def test_a_wrong_method_or_no_such_page_is_not_found_for_customers_too(world: World, client_for, name: str) -> None:
    """Not "not allowed" (405): that would confirm that the console has the page."""
    client = client_for(name)
    assert client.post("/console/", {"body": "x"}).status_code == 404
    assert client.get("/console/no-such-page/").status_code == 404


def test_staff_who_are_not_cleared_find_no_government_case_in_the_queue(world: World, client_for) -> None:
    """D-1.3: a search by its id does not list it for them; cleared staff find it."""
    case = admin_case(world.gina, summary="Licence question")
    link = f'href="/console/cases/{case.case_id}/"'
    for name in ["agent", "manager"]:
        assert link not in client_for(name).get("/console/", {"q": case.case_id}).content.decode()
    assert link in client_for("cleared").get("/console/", {"q": case.case_id}).content.decode()

"""The staff queue: the list columns of D-3.6 with the owner filter and the "active" status."""

from __future__ import annotations

from caredesk.cases import services
from tests.personas import World, admin_case


def test_the_queue_shows_active_cases_by_default(world: World, client_for) -> None:
    active = admin_case(world.alice)
    closed = admin_case(world.alice, summary="Done already")
    services.assign(world.agent, closed.case_id)
    services.propose_resolution(world.agent, closed.case_id, "Fixed.")
    services.accept_resolution(world.alice, closed.case_id)
    client = client_for("agent")
    page = client.get("/console/").content.decode()
    assert active.case_id in page and closed.case_id not in page
    everything = client.get("/console/", {"status": ""}).content.decode()
    assert closed.case_id in everything
    assert f'href="/console/cases/{active.case_id}/"' in page


def test_the_owner_filter_finds_mine_and_unassigned(world: World, client_for) -> None:
    mine = admin_case(world.alice, summary="Mine")
    theirs = admin_case(world.alice, summary="Someone else's")
    nobody = admin_case(world.alice, summary="Nobody's")
    services.assign(world.agent, mine.case_id)
    services.assign(world.manager, theirs.case_id)
    client = client_for("agent")
    page = client.get("/console/", {"owner": "me"}).content.decode()
    assert mine.case_id in page and theirs.case_id not in page and nobody.case_id not in page
    page = client.get("/console/", {"owner": "none"}).content.decode()
    assert nobody.case_id in page and mine.case_id not in page
    assert client.get("/console/", {"owner": "everyone"}).status_code == 422


def test_government_cases_stay_out_of_an_uncleared_queue(world: World, client_for) -> None:
    gov = admin_case(world.gina, callback_phone="+1 202 555 0143")
    assert gov.case_id not in client_for("agent").get("/console/").content.decode()
    assert gov.case_id in client_for("cleared").get("/console/").content.decode()


def test_every_column_sorts_in_the_queue(world: World, client_for) -> None:
    admin_case(world.alice)
    client = client_for("agent")
    for column in ["status", "case_id", "site_name", "site_id", "contact", "modified", "platform", "priority"]:
        for sort in (column, f"-{column}"):
            assert client.get("/console/", {"sort": sort}).status_code == 200, sort

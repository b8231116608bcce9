"""D-4.5 and D-4.6 on pages: the customer escalates from the case page; the escalation
team works the escalations queue; the on-call page holds off-hours escalations and P1
cases; customers never reach the staff queues."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from django.test import Client

from caredesk.accounts import services as accounts
from caredesk.cases import services
from caredesk.cases.models import Escalation
from tests.personas import PASSWORD, World, admin_case

SATURDAY_11_PST = datetime(2026, 3, 7, 19, 0, tzinfo=UTC)


def test_the_customer_escalates_from_the_case_page(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    case = admin_case(world.alice)
    client = client_for("alice")
    page = client.get(f"/cases/{case.case_id}/").content.decode()
    assert "Escalate the case" in page and 'value="reassignment"' in page
    refused = client.post(f"/cases/{case.case_id}/escalate/", {"kind": "faster_progress", "reason": ""})
    assert refused.status_code == 422 and "Please fill this in." in refused.content.decode()
    assert not Escalation.objects.exists()
    with time_machine.travel(SATURDAY_11_PST, tick=False):
        done = client.post(f"/cases/{case.case_id}/escalate/", {"kind": "faster_progress", "reason": "Site is down."})
    assert done.status_code == 303
    page = client.get(done["Location"]).content.decode()
    assert "on-call escalation team has it" in page and "Escalate the case" not in page


def test_the_escalation_team_sees_and_handles_escalations(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    erin = accounts.create_user("erin@vendor.example", "Erin Esc", world.vendor, PASSWORD, roles=["escalation"])
    case = admin_case(world.alice, summary="Licences missing after renewal")
    with time_machine.travel(SATURDAY_11_PST, tick=False):
        escalation = services.escalate(world.alice, case.case_id, "reassignment", "Nobody has answered for days.")
    agent = client_for("agent")
    queue = agent.get("/console/escalations/").content.decode()
    assert case.case_id in queue and "Nobody has answered for days." in queue and "On call" in queue
    assert case.case_id not in agent.get("/console/escalations/?on_call=no").content.decode()
    assert case.case_id in agent.get("/console/on-call/").content.decode()
    lead = Client()
    lead.force_login(erin)
    handled = lead.post(f"/console/escalations/{escalation.pk}/handled/", {"outcome": "Called the customer."})
    assert handled.status_code == 303
    escalation.refresh_from_db()
    assert escalation.handled_by == erin and escalation.outcome == "Called the customer."
    assert case.case_id not in agent.get("/console/escalations/").content.decode()


def test_an_agent_escalates_on_the_customers_behalf_from_the_console(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    case = admin_case(world.alice)
    response = client_for("agent").post(
        f"/console/cases/{case.case_id}/escalate/", {"kind": "faster_progress", "reason": "Customer phoned."}
    )
    assert response.status_code == 303
    assert Escalation.objects.get().requested_by == world.agent


def test_p1_cases_off_hours_are_on_call_and_others_wait(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(SATURDAY_11_PST, tick=False):
        urgent = admin_case(world.alice, priority="P1", summary="Core router down")
        later = admin_case(world.alice, priority="P4", summary="Add a colleague to our account")
        agent = client_for("agent")
        on_call = agent.get("/console/on-call/").content.decode()
        queue = agent.get("/console/").content.decode()
    assert urgent.case_id in on_call and later.case_id not in on_call
    assert queue.count("Waits for the next business day") == 1


def test_customers_do_not_reach_the_staff_queues(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    for path in ("/console/escalations/", "/console/on-call/"):
        assert client_for("alice").get(path).status_code == 404
    escalation = services.escalate(world.alice, admin_case(world.alice).case_id, "faster_progress", "Hurry.")
    assert client_for("alice").post(f"/console/escalations/{escalation.pk}/handled/", {}).status_code == 404
    assert client_for("agent").post(f"/console/escalations/{escalation.pk}/handled/", {}).status_code == 404
    escalation.refresh_from_db()
    assert escalation.handled_at is None  # a care agent may not: not found, like any page they may not use

"""The console's outbox page: recent notices with their text, for staff; a government
customer's only for cleared staff (D-1.3)."""

from __future__ import annotations

from django.test import Client

from caredesk.notifications.models import Message
from tests.personas import World, admin_case


def test_staff_read_recent_notices_with_their_text(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    case = admin_case(world.alice, summary="Printer on fire")
    page = client_for("agent").get("/console/outbox/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f"Case {case.case_id} is open: Printer on fire" in body and "alice@acme.example" in body
    assert "we have opened case" in body


def test_government_notices_are_for_cleared_staff_only(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    gov = admin_case(world.gina, summary="Classified outage", callback_phone="+1 202 555 0143")
    assert Message.objects.filter(case_ref=gov.case_id).exists()
    assert "Classified outage" not in client_for("agent").get("/console/outbox/").content.decode()
    assert "Classified outage" in client_for("cleared").get("/console/outbox/").content.decode()


def test_customers_have_no_outbox(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    admin_case(world.alice)
    assert client_for("alice").get("/console/outbox/").status_code == 404
    assert Client().get("/console/outbox/")["Location"].startswith("/login/")


def test_the_outbox_pages_through_older_messages(world: World, client_for, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from caredesk.console import outbox

    for n in range(3):
        admin_case(world.alice, summary=f"Case number {n}")
    monkeypatch.setattr(outbox, "PAGE_SIZE", 2)
    client = client_for("agent")
    first = client.get("/console/outbox/")
    assert first.context["next_cursor"] and len(first.context["messages_sent"]) == 2
    second = client.get("/console/outbox/", {"cursor": first.context["next_cursor"]})
    assert len(second.context["messages_sent"]) == 1
    assert client.get("/console/outbox/", {"cursor": "nonsense"})["Location"] == "/console/outbox/"

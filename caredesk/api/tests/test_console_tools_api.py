"""The API does what the console does: close with a reason and reopen, bulk actions, macros,
saved views, the contacts and sites of a case opened on a customer's behalf (D-3.4), the
queue sorted by due time (D-4.1), and whether a case waits for the next business day (D-4.6)."""

from __future__ import annotations

from typing import Any

import time_machine

from caredesk.cases import services
from caredesk.cases.models import Case, CaseStatus
from tests.personas import World, admin_case

MONDAY = "2026-06-15 10:00 -07:00"
SATURDAY = "2026-06-13 10:00 -07:00"


@time_machine.travel(SATURDAY, tick=False)
def test_the_case_shows_that_it_waits_for_the_next_business_day_and_until_when(api: Any, world: World) -> None:
    """D-4.6: opened on a Saturday, a P3 case waits for Monday; a P1 does not wait."""
    waiting = admin_case(world.alice)
    urgent = admin_case(world.alice, priority="P1")
    body = api("alice").get(f"/cases/{waiting.case_id}").json()
    assert body["opened_off_hours"] is True and body["waiting"] is True
    assert body["waits_until"] == "2026-06-15T07:00:00Z"  # Monday 00:00 in Los Angeles
    p1 = api("agent").get(f"/cases/{urgent.case_id}").json()
    assert p1["opened_off_hours"] is True and p1["waits_until"] is None and p1["waiting"] is False
    with time_machine.travel(MONDAY, tick=False):
        assert api("alice").get(f"/cases/{waiting.case_id}").json()["waiting"] is False


@time_machine.travel(MONDAY, tick=False)
def test_close_with_a_reason_and_reopen_through_the_api(api: Any, world: World) -> None:
    case = admin_case(world.alice)
    closed = api("agent").post(f"/cases/{case.case_id}/close", {"reason": "no_response", "note": "Call us again."})
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed" and closed.json()["closed_reason"] == "no_response"
    assert closed.json()["reopen_until"] == "2026-06-29T17:00:00Z"
    assert api("alice").post(f"/cases/{case.case_id}/close", {"reason": "spam"}).status_code == 403
    bad = api("agent").post(f"/cases/{case.case_id}/close", {"reason": "bored"})
    assert bad.status_code == 422
    reopened = api("alice").post(f"/cases/{case.case_id}/reopen", {"body": "Still broken."})
    assert reopened.status_code == 200 and reopened.json()["status"] == "new" and reopened.json()["closed_reason"] == ""
    other = admin_case(world.alice)
    dup = api("agent").post(f"/cases/{other.case_id}/close", {"reason": "duplicate", "duplicate_of": "2020-0101-1"})
    assert dup.status_code == 422 and "duplicate_of" in dup.json()["error"]["fields"]


@time_machine.travel(MONDAY, tick=False)
def test_bulk_changes_through_the_api_all_or_nothing(api: Any, world: World) -> None:
    one, two = admin_case(world.alice), admin_case(world.alice)
    done = api("agent").post(
        "/cases/bulk", {"case_ids": [one.case_id, two.case_id], "action": "priority", "value": "P2"}
    )
    assert done.status_code == 200 and [r["priority"] for r in done.json()] == ["P2", "P2"]
    services.close_case(world.agent, two.case_id, "spam")
    refused = api("agent").post("/cases/bulk", {"case_ids": [one.case_id, two.case_id], "action": "assign"})
    assert refused.status_code == 422
    assert list(refused.json()["error"]["fields"]) == [f"cases.{two.case_id}"]
    assert Case.objects.get(pk=one.pk).owner is None
    assert api("alice").post("/cases/bulk", {"case_ids": [one.case_id], "action": "assign"}).status_code == 403


@time_machine.travel(MONDAY, tick=False)
def test_macros_through_the_api(api: Any, world: World) -> None:
    case = admin_case(world.alice)
    body = {
        "name": "Awaiting",
        "body": "Dear {{customer_name}}, please send the logs.",
        "set_status": "awaiting_customer",
    }
    assert api("agent").post("/macros", {**body, "shared": True}).status_code == 403
    made = api("manager").post("/macros", {**body, "shared": True})
    assert made.status_code == 201 and made.json()["shared"] is True
    macro_id = made.json()["id"]
    assert [m["name"] for m in api("agent").get("/macros").json()] == ["Awaiting"]
    assert api("alice").get("/macros").status_code == 403
    wrong = api("agent").post("/macros", {"name": "X", "body": "{{password}}"})
    assert wrong.status_code == 422 and "body" in wrong.json()["error"]["fields"]
    applied = api("agent").post(f"/cases/{case.case_id}/macro", {"macro_id": macro_id})
    assert applied.status_code == 201 and applied.json()["body"] == "Dear Alice Archer, please send the logs."
    case.refresh_from_db()
    assert case.status == CaseStatus.AWAITING_CUSTOMER
    changed = api("manager").put(f"/macros/{macro_id}", {**body, "name": "Logs please"})
    assert changed.status_code == 200 and changed.json()["name"] == "Logs please"
    assert api("agent").put(f"/macros/{macro_id}", body).status_code == 403
    assert api("agent").delete(f"/macros/{macro_id}").status_code == 403
    assert api("manager").delete(f"/macros/{macro_id}").status_code == 204
    assert api("manager").delete(f"/macros/{macro_id}").status_code == 404


def test_saved_views_through_the_api(api: Any, world: World) -> None:
    made = api("agent").post("/saved-views", {"name": "Due next", "status": "active", "sort": "due"})
    assert made.status_code == 201 and made.json()["sort"] == "due"
    assert [v["name"] for v in api("agent").get("/saved-views").json()] == ["Due next"]
    assert api("cleared").get("/saved-views").json() == []
    assert api("cleared").delete(f"/saved-views/{made.json()['id']}").status_code == 404
    assert api("alice").get("/saved-views").status_code == 403
    assert api("agent").post("/saved-views", {"name": "Bad", "sort": "size"}).status_code == 422
    assert api("agent").delete(f"/saved-views/{made.json()['id']}").status_code == 204


def test_the_contacts_and_sites_of_an_organisation_for_a_new_case(api: Any, world: World) -> None:
    """Users of Acme and those associated with it (Carol); a government customer's only for
    cleared staff (D-1.3)."""
    body = api("agent").get("/case-contacts", organisation_id=world.acme.pk).json()
    assert [c["email"] for c in body["contacts"]] == [
        "alice@acme.example",
        "bob@acme.example",
        "carol@consultix.example",
    ]
    assert body["sites"] == [{"code": "S-ACME-1", "name": "Acme Frankfurt DC"}]
    hidden = api("agent").get("/case-contacts", organisation_id=world.agency.pk)
    assert hidden.status_code == 404 and "Agency" not in hidden.content.decode()
    shown = api("cleared").get("/case-contacts", organisation_id=world.agency.pk).json()
    assert [c["email"] for c in shown["contacts"]] == ["gina@agency.example"]
    assert api("alice").get("/case-contacts", organisation_id=world.acme.pk).status_code == 403


@time_machine.travel(MONDAY, tick=False)
def test_the_case_list_sorts_by_due_time(api: Any, world: World) -> None:
    admin_case(world.alice, priority="P3")
    admin_case(world.alice, priority="P1")
    rows = api("agent").get("/cases", sort="due").json()["items"]
    assert [r["priority"] for r in rows] == ["P1", "P3"]
    rows = api("agent").get("/cases", sort="-due").json()["items"]
    assert [r["priority"] for r in rows] == ["P3", "P1"]

"""The console tools an agent reaches for first: opening a case on a customer's behalf
(D-3.4), closing with a reason and reopening, macros, bulk actions, queue columns and
saved views, the serial linking to the unit. Plain posts that redirect; htmx gets the same."""

from __future__ import annotations

import time_machine

from caredesk.cases import services
from caredesk.cases.models import Case, CaseMessage, CaseStatus, SavedView
from tests.personas import World, admin_case

MONDAY = "2026-06-15 10:00 -07:00"

NEW_CASE = {
    "kind": "admin",
    "request_type": "login-assistance",
    "request_subtype": "password-reset",
    "priority": "P3",
    "follow_up_method": "phone",
    "callback_phone": "+49 69 1234 5678",
    "summary": "Bob cannot log in",
    "description": "Called in: the portal refuses his password.",
}


def test_the_new_case_page_offers_only_organisations_the_agent_may_see(world: World, client_for) -> None:
    page = client_for("agent").get("/console/cases/new/").content.decode()
    assert "Acme Telecom" in page and "Globex Corp" in page
    assert "Federal Agency" not in page and "Vendor Networks" not in page  # D-1.3; vendor: no customer
    assert "Federal Agency" in client_for("cleared").get("/console/cases/new/").content.decode()
    assert client_for("alice").get("/console/cases/new/").status_code == 404  # the console does not exist for her


def test_choosing_the_organisation_shows_its_contacts_and_sites_without_javascript(world: World, client_for) -> None:
    response = client_for("agent").post("/console/cases/new/", {"organisation": world.acme.pk, "refresh": "who"})
    page = response.content.decode()
    assert response.status_code == 200 and "field__error" not in page
    for person in ("alice@acme.example", "bob@acme.example", "carol@consultix.example"):
        assert f'value="{person}"' in page, person
    assert "charlie@globex.example" not in page and 'value="S-ACME-1"' in page
    found = client_for("agent").post("/console/cases/new/", {"org_search": "glob", "refresh": "who"})
    assert "Globex Corp" in found.content.decode() and "Acme Telecom" not in found.content.decode()


def test_the_htmx_refresh_returns_the_same_page_for_the_block_to_swap(world: World, client_for) -> None:
    response = client_for("agent").post(
        "/console/cases/new/", {"organisation": world.acme.pk, "refresh": "1"}, HTTP_HX_REQUEST="true"
    )
    assert b'id="who"' in response.content and b"bob@acme.example" in response.content


def test_the_agent_opens_a_case_for_the_customer_on_the_phone(world: World, client_for) -> None:
    client = client_for("agent")
    body = {**NEW_CASE, "organisation": world.acme.pk, "contact": "bob@acme.example", "site": "S-ACME-1"}
    response = client.post("/console/cases/new/", body)
    assert response.status_code == 303, response.content
    case = Case.objects.get(summary="Bob cannot log in")
    assert case.contact == world.bob and case.opened_by == world.agent and case.site_code == "S-ACME-1"
    assert response["Location"] == f"/console/cases/{case.case_id}/"


def test_a_refused_new_case_keeps_the_input_and_shows_each_error_on_its_field(world: World, client_for) -> None:
    """D-3.3: an admin case needs its request type; the contact must belong to the organisation."""
    body = {**NEW_CASE, "request_type": "", "organisation": world.acme.pk, "contact": "charlie@globex.example"}
    response = client_for("agent").post("/console/cases/new/", body)
    assert response.status_code == 422
    form = response.context["form"]
    assert form.errors["request_type"] and form.errors["contact"]
    assert "Bob cannot log in" in response.content.decode()
    gov = {**NEW_CASE, "organisation": world.agency.pk, "contact": "gina@agency.example"}
    refused = client_for("agent").post("/console/cases/new/", gov)
    assert refused.status_code == 422 and refused.context["form"].errors["organisation"]
    assert not Case.objects.exists()


@time_machine.travel(MONDAY, tick=False)
def test_closing_with_a_reason_and_reopening_from_the_case_page(world: World, client_for) -> None:
    case = admin_case(world.alice)
    other = admin_case(world.bob)
    client = client_for("agent")
    refused = client.post(f"/console/cases/{case.case_id}/close/", {"reason": "duplicate", "duplicate_of": "nope"})
    assert refused.status_code == 422 and refused.context["close_form"].errors["duplicate_of"]
    done = client.post(
        f"/console/cases/{case.case_id}/close/", {"reason": "duplicate", "duplicate_of": other.case_id, "note": ""}
    )
    assert done.status_code == 303
    page = client.get(done["Location"]).content.decode()
    assert "The case is closed." in page and "Duplicate of another case" in page
    assert f"Duplicate of {other.case_id}" in page and "Reopen the case" in page
    client.post(f"/console/cases/{case.case_id}/reopen/", {"body": "Not a duplicate after all."})
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    assert CaseMessage.objects.get(case=case).kind == CaseMessage.Kind.NOTE


def test_the_customer_reopens_from_the_portal_within_the_window_and_is_sent_to_a_new_case_after(
    world: World, client_for
) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = admin_case(world.alice)
        services.close_case(world.agent, case.case_id, "resolved_by_phone")
    client = client_for("alice")
    with time_machine.travel("2026-07-01 10:00 -07:00", tick=False):  # 16 days later
        page = client.get(f"/cases/{case.case_id}/").content.decode()
        assert "Reopen the case" not in page and "open a new case" in page
        assert client.post(f"/cases/{case.case_id}/reopen/", {"note": "x"}).status_code == 409
    with time_machine.travel("2026-06-20 10:00 -07:00", tick=False):
        page = client.get(f"/cases/{case.case_id}/").content.decode()
        assert "Reopen the case" in page and "until 29 Jun 2026" in page
        response = client.post(f"/cases/{case.case_id}/reopen/", {"note": "It fails again."})
        assert response.status_code == 303
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    assert CaseMessage.objects.get(case=case).body == "It fails again."


@time_machine.travel(MONDAY, tick=False)
def test_macros_are_kept_on_their_page_and_applied_from_the_case_page(world: World, client_for) -> None:
    client = client_for("agent")
    page = client.get("/console/macros/").content.decode()
    assert "{{ customer_name }}" in page and 'name="shared"' not in page  # sharing is for team leads and managers
    assert 'name="shared"' in client_for("manager").get("/console/macros/").content.decode()
    bad = client.post("/console/macros/", {"name": "Oops", "body": "Hi {{ nobody }}"})
    assert bad.status_code == 422 and bad.context["form"].errors["body"]
    made = client.post(
        "/console/macros/", {"name": "Logs", "body": "Hi {{customer_name}}, please send logs.", "set_priority": "P2"}
    )
    assert made.status_code == 302
    macro = services.visible_macros(world.agent).get(name="Logs")
    case = admin_case(world.alice)
    case_page = client.get(f"/console/cases/{case.case_id}/").content.decode()
    assert "Apply a macro" in case_page and ">Logs" in case_page
    applied = client.post(f"/console/cases/{case.case_id}/macro/", {"macro": macro.pk})
    assert applied.status_code == 303
    case.refresh_from_db()
    assert case.priority == "P2" and case.messages.get().body == "Hi Alice Archer, please send logs."
    missing = client.post(f"/console/cases/{case.case_id}/macro/", {"macro": "999999"})
    assert missing.status_code == 404 and b"No such macro." in missing.content
    edit = client.post(f"/console/macros/{macro.pk}/", {"name": "Logs", "body": "Changed"})
    assert edit.status_code == 302
    assert client.post(f"/console/macros/{macro.pk}/", {"delete": "1"}).status_code == 302
    assert not services.visible_macros(world.agent).exists()
    assert client_for("cleared").get(f"/console/macros/{macro.pk}/").status_code == 404


@time_machine.travel(MONDAY, tick=False)
def test_the_queue_shows_organisation_owner_and_due_and_sorts_by_due(world: World, client_for) -> None:
    late = admin_case(world.alice, priority="P1", summary="Urgent one")
    admin_case(world.charlie, priority="P4", summary="Slow one", callback_phone="+1 408 555 0100")
    services.assign(world.agent, late.case_id, world.manager.email)
    page = client_for("agent").get("/console/", {"sort": "due"}).content.decode()
    assert "Acme Telecom" in page and "Globex Corp" in page and "Max Manager" in page
    assert "Response due in 2 h" in page
    assert page.index("Urgent one") < page.index("Slow one")
    page = client_for("agent").get("/console/", {"sort": "-due"}).content.decode()
    assert page.index("Slow one") < page.index("Urgent one")


@time_machine.travel(MONDAY, tick=False)
def test_bulk_actions_from_the_queue_go_back_to_the_same_queue(world: World, client_for) -> None:
    one, two = admin_case(world.alice), admin_case(world.alice)
    client = client_for("agent")
    back = "/console/?priority=P3&status=active"
    response = client.post(
        "/console/cases/bulk/",
        {"case_ids": [one.case_id, two.case_id], "action": "priority", "priority": "P2", "next": back},
    )
    assert response.status_code == 303 and response["Location"] == back
    assert set(Case.objects.values_list("priority", flat=True)) == {"P2"}
    services.close_case(world.agent, two.case_id, "spam")
    refused = client.post(
        "/console/cases/bulk/",
        {"case_ids": [one.case_id, two.case_id], "action": "assign", "assign": "", "next": "https://evil.example/"},
        follow=True,
    )
    assert refused.redirect_chain[-1][0] == "/console/"  # never to another site
    assert f"{two.case_id}: This case is closed." in refused.content.decode()
    assert Case.objects.get(pk=one.pk).owner is None  # all or nothing


def test_saved_views_are_kept_from_the_queue_and_listed_in_its_menu(world: World, client_for) -> None:
    client = client_for("agent")
    response = client.post(
        "/console/views/",
        {"name": "My P1s", "q": "", "status": "active", "priority": "P1", "owner": "me", "sort": "due"},
    )
    assert response.status_code == 303
    assert response["Location"] == "/console/?status=active&priority=P1&owner=me&sort=due"
    page = client.get("/console/").content.decode()
    assert "My P1s" in page and "status=active&amp;priority=P1&amp;owner=me&amp;sort=due" in page
    assert "My P1s" not in client_for("cleared").get("/console/").content.decode()
    view = SavedView.objects.get()
    assert client_for("cleared").post(f"/console/views/{view.pk}/delete/").status_code == 404
    client.post(f"/console/views/{view.pk}/delete/", {"next": "/console/"})
    assert not SavedView.objects.exists()


def test_the_serial_on_a_case_links_to_the_unit_page(world: World, client_for) -> None:
    case = admin_case(world.alice, serial_number="jn1234567")
    page = client_for("agent").get(f"/console/cases/{case.case_id}/").content.decode()
    assert '<a href="/console/assets/JN1234567/">JN1234567</a>' in page

"""Working a case from the console (D-3.5): assign, status, priority, reply, note,
resolution, files. Each action is a plain POST that redirects; htmx gets the same."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from caredesk.cases import services
from caredesk.cases.models import CaseStatus
from tests.personas import World, admin_case


def test_the_case_page_shows_everything_with_internal_notes_set_apart(world: World, client_for) -> None:
    case = admin_case(world.alice)
    services.assign(world.agent, case.case_id)
    services.add_note(world.agent, case.case_id, "Checked the logs.")
    page = client_for("agent").get(f"/console/cases/{case.case_id}/").content.decode()
    assert "Checked the logs." in page and "msg--note" in page and "Internal note · staff only" in page
    assert "alice@acme.example" in page  # staff see the contact's address
    for control in ['name="owner"', 'name="status"', 'name="priority"', "Propose resolution", "Add internal note"]:
        assert control in page, control


def test_assigning_to_me_and_to_a_named_colleague(world: World, client_for) -> None:
    case = admin_case(world.alice)
    client = client_for("agent")
    response = client.post(f"/console/cases/{case.case_id}/assign/", {"owner": ""})
    assert response.status_code == 303
    case.refresh_from_db()
    assert case.owner == world.agent and case.status == CaseStatus.OPEN
    page = client.get(response["Location"]).content.decode()
    assert "The case is assigned to you." in page
    client.post(f"/console/cases/{case.case_id}/assign/", {"owner": world.manager.email})
    case.refresh_from_db()
    assert case.owner == world.manager
    page = client.get(f"/console/cases/{case.case_id}/").content.decode()
    assert "Owner: Ann Agent → Max Manager" in page


def test_a_refused_assignment_shows_the_reason_on_the_owner_field(world: World, client_for) -> None:
    gov = admin_case(world.gina, callback_phone="+1 202 555 0143")
    response = client_for("cleared").post(f"/console/cases/{gov.case_id}/assign/", {"owner": world.agent.email})
    assert response.status_code == 422
    assert b"Government cases go to cleared staff only." in response.content
    assert response.context["assign_form"].errors["owner"] == ["Government cases go to cleared staff only."]


def test_status_moves_between_open_and_awaiting_customer(world: World, client_for) -> None:
    case = admin_case(world.alice)
    client = client_for("agent")
    refused = client.post(f"/console/cases/{case.case_id}/status/", {"status": "awaiting_customer"})
    assert refused.status_code == 409 and b"cannot go from New to Awaiting customer" in refused.content
    services.assign(world.agent, case.case_id)
    client.post(f"/console/cases/{case.case_id}/status/", {"status": "awaiting_customer"})
    case.refresh_from_db()
    assert case.status == CaseStatus.AWAITING_CUSTOMER
    client.post(f"/console/cases/{case.case_id}/status/", {"status": "open"})
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_changing_the_priority(world: World, client_for) -> None:
    case = admin_case(world.alice)
    client = client_for("agent")
    client.post(f"/console/cases/{case.case_id}/priority/", {"priority": "P1"})
    case.refresh_from_db()
    assert case.priority == "P1"
    assert client.post(f"/console/cases/{case.case_id}/priority/", {"priority": "P0"}).status_code == 422


def test_reply_note_and_resolution(world: World, client_for) -> None:
    case = admin_case(world.alice)
    client = client_for("agent")
    client.post(f"/console/cases/{case.case_id}/reply/", {"body": "Hello from Customer Care"})
    client.post(f"/console/cases/{case.case_id}/note/", {"body": "Only for us"})
    empty = client.post(f"/console/cases/{case.case_id}/resolution/", {"body": ""})
    assert empty.status_code == 422 and empty.context["resolution_form"].errors["body"]
    client.post(f"/console/cases/{case.case_id}/resolution/", {"body": "Use the new link."})
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLUTION_PROPOSED
    customer = client_for("alice").get(f"/cases/{case.case_id}/").content.decode()
    assert "Hello from Customer Care" in customer and "Use the new link." in customer
    assert "Only for us" not in customer


def test_an_htmx_post_follows_the_redirect_to_the_case_block(world: World, client_for) -> None:
    case = admin_case(world.alice)
    response = client_for("agent").post(
        f"/console/cases/{case.case_id}/reply/", {"body": "htmx reply"}, HTTP_HX_REQUEST="true", follow=True
    )
    assert response.status_code == 200 and b'id="case"' in response.content and b"Reply sent." in response.content


def test_internal_files_are_for_staff_only(world: World, client_for) -> None:
    case = admin_case(world.alice)
    client = client_for("agent")
    client.post(
        f"/console/cases/{case.case_id}/files/",
        {"file": SimpleUploadedFile("capture.pcap", b"\x00\x01"), "internal": "on"},
    )
    file = case.attachments.get()
    assert file.internal
    assert client.get(f"/console/cases/{case.case_id}/files/{file.pk}/").status_code == 200
    assert "capture.pcap" not in client_for("alice").get(f"/cases/{case.case_id}/").content.decode()
    assert client_for("alice").get(f"/cases/{case.case_id}/files/{file.pk}/").status_code == 404


def test_a_case_the_staff_member_may_not_see_is_not_found_for_every_action(world: World, client_for) -> None:
    gov = admin_case(world.gina, callback_phone="+1 202 555 0143")
    client = client_for("agent")
    for action in ["reply/", "note/", "assign/", "status/", "priority/", "resolution/", "files/"]:
        assert client.post(f"/console/cases/{gov.case_id}/{action}", {"body": "x"}).status_code == 404, action

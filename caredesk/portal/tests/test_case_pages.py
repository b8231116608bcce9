"""Opening a case (D-3.4) and the case page (D-3.5) as a customer sees them."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from caredesk.cases import services
from caredesk.cases.models import Case, CaseStatus
from tests.personas import World, admin_case

FORM = {
    "request_type": "login-assistance",
    "request_subtype": "password-reset",
    "priority": "P2",
    "follow_up_method": "phone",
    "callback_phone": "+49 69 1234 5678",
    "summary": "Portal says my password is wrong",
    "description": "Since Monday.",
    "customer_tracking_number": "TCK-1",
}


def test_opening_a_case_redirects_to_its_page(world: World, client_for) -> None:
    client = client_for("alice")
    assert b"Choose a request type" in client.get("/cases/new/").content
    response = client.post("/cases/new/", FORM)
    case = Case.objects.get()
    assert response["Location"] == f"/cases/{case.case_id}/"
    assert case.callback_phone == "+496912345678" and case.customer_tracking_number == "TCK-1"
    page = client.get(response["Location"]).content.decode()
    assert f"Case {case.case_id} is open" in page and "Portal says my password is wrong" in page


def test_service_errors_land_on_their_fields_and_keep_the_input(world: World, client_for) -> None:
    bad = {**FORM, "callback_phone": "069 1234", "summary": "", "request_subtype": "nope"}
    response = client_for("alice").post("/cases/new/", bad)
    assert response.status_code == 422
    form = response.context["form"]
    assert not form.non_field_errors()  # each error once, next to its field
    assert form.errors["callback_phone"] and form.errors["summary"] and form.errors["request_subtype"]
    assert 'value="069 1234"' in response.content.decode()
    assert not Case.objects.exists()


def test_the_sub_types_and_template_fields_follow_the_request_type(world: World, client_for) -> None:
    fragment = client_for("alice").get("/cases/new/fields/", {"request_type": "installed-base-update"})
    html = fragment.content.decode()
    assert "<html" not in html  # a fragment for htmx to swap in
    assert '<option value="move">Move</option>' in html
    assert 'name="tpl_serials"' in html and 'name="tpl_target_site"' in html and 'type="date"' in html


def test_without_javascript_the_refresh_button_shows_the_sub_types(world: World, client_for) -> None:
    response = client_for("alice").post("/cases/new/", {"request_type": "mis-shipment", "refresh": "1"})
    assert response.status_code == 200 and not Case.objects.exists()
    assert b"Missing or incorrect documentation" in response.content and b'name="tpl_ship_date"' in response.content


def test_template_fields_are_sent_to_the_service_and_shown_on_the_case(world: World, client_for) -> None:
    client = client_for("alice")
    data = {
        **FORM,
        "request_type": "installed-base-update",
        "request_subtype": "move",
        "tpl_serials": "ab-1, ab-2",
        "tpl_target_site": "S-NEW",
    }
    missing = client.post("/cases/new/", {**data, "tpl_serials": ""})
    assert missing.status_code == 422 and missing.context["form"].errors["tpl_serials"]
    response = client.post("/cases/new/", data)
    case = Case.objects.get()
    assert case.template_data == {"serials": ["AB-1", "AB-2"], "target_site": "S-NEW"}
    page = client.get(response["Location"]).content.decode()
    assert "Serial numbers" in page and "AB-1, AB-2" in page and "New site id" in page


def test_a_user_acting_for_several_organisations_chooses_one(world: World, client_for) -> None:
    client = client_for("carol")  # Consultix, associated with Acme
    page = client.get("/cases/new/").content.decode()
    assert "Acme Telecom" in page and 'name="organisation"' in page and 'type="hidden" name="organisation"' not in page
    client.post("/cases/new/", {**FORM, "organisation": str(world.acme.pk), "site": "S-ACME-1"})
    case = Case.objects.get()
    assert case.organisation == world.acme and case.site_code == "S-ACME-1"


def test_a_site_of_another_organisation_is_refused_on_its_field(world: World, client_for) -> None:
    response = client_for("charlie").post("/cases/new/", {**FORM, "site": "S-ACME-1"})
    assert response.status_code == 422 and response.context["form"].errors["site"]


def test_the_case_page_shows_fields_thread_files_and_history(world: World, client_for) -> None:
    case = admin_case(world.alice, site_code="S-ACME-1")
    services.reply(world.agent, case.case_id, "We are looking into it.")
    services.add_note(world.agent, case.case_id, "Internal: customer is on the old release")
    page = client_for("bob").get(f"/cases/{case.case_id}/").content.decode()
    for text in [case.summary, case.description, "Acme Frankfurt DC", "+496912345678", "We are looking into it."]:
        assert text in page, text
    assert "Internal: customer is on the old release" not in page  # notes are for staff only
    assert "opened the case" in page and "Status: New → Open" in page


def test_a_reply_is_added_and_the_page_comes_back(world: World, client_for) -> None:
    case = admin_case(world.alice)
    client = client_for("alice")
    empty = client.post(f"/cases/{case.case_id}/reply/", {"body": "  "})
    assert empty.status_code == 422 and b"Please fill this in." in empty.content
    response = client.post(f"/cases/{case.case_id}/reply/", {"body": "More detail: it fails on Firefox."})
    assert response.status_code == 303 and response["Location"] == f"/cases/{case.case_id}/"
    assert b"More detail: it fails on Firefox." in client.get(response["Location"]).content


def test_htmx_posts_get_the_whole_case_block_back(world: World, client_for) -> None:
    case = admin_case(world.alice)
    client = client_for("alice")
    response = client.post(f"/cases/{case.case_id}/reply/", {"body": "via htmx"}, HTTP_HX_REQUEST="true", follow=True)
    assert response.status_code == 200 and b'id="case"' in response.content and b"via htmx" in response.content


def test_the_customer_accepts_a_proposed_resolution_and_the_case_closes(world: World, client_for) -> None:
    case = admin_case(world.alice)
    services.assign(world.agent, case.case_id)
    services.propose_resolution(world.agent, case.case_id, "Reset the password with the link we sent.")
    client = client_for("alice")
    page = client.get(f"/cases/{case.case_id}/").content.decode()
    assert "Is your request resolved?" in page
    client.post(f"/cases/{case.case_id}/resolution/accept/")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    page = client.get(f"/cases/{case.case_id}/").content.decode()
    assert "This case is closed" in page and 'name="body"' not in page
    again = client.post(f"/cases/{case.case_id}/resolution/accept/", follow=True)
    assert b"No resolution is waiting for your answer" in again.content


def test_the_customer_rejects_a_proposed_resolution_with_a_reason(world: World, client_for) -> None:
    case = admin_case(world.alice)
    services.assign(world.agent, case.case_id)
    services.propose_resolution(world.agent, case.case_id, "Try again.")
    client = client_for("alice")
    missing = client.post(f"/cases/{case.case_id}/resolution/reject/", {"reason": ""})
    assert missing.status_code == 422 and missing.context["reject_form"].errors
    client.post(f"/cases/{case.case_id}/resolution/reject/", {"reason": "Still broken."})
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.messages.filter(body="Still broken.").exists()


def test_files_upload_and_download_and_internal_files_stay_hidden(world: World, client_for) -> None:
    case = admin_case(world.alice)
    client = client_for("alice")
    wrong = client.post(f"/cases/{case.case_id}/files/", {"file": SimpleUploadedFile("x.exe", b"MZ")})
    assert wrong.status_code == 422 and b"This type of file is not accepted." in wrong.content
    none = client.post(f"/cases/{case.case_id}/files/", {})
    assert none.status_code == 422 and b"Choose a file to attach." in none.content
    client.post(f"/cases/{case.case_id}/files/", {"file": SimpleUploadedFile("trace.log", b"line 1\n")})
    internal = services.attach(world.agent, case.case_id, SimpleUploadedFile("secret.txt", b"staff"), internal=True)
    public = case.attachments.get(filename="trace.log")
    page = client.get(f"/cases/{case.case_id}/").content.decode()
    assert "trace.log" in page and "secret.txt" not in page
    download = client.get(f"/cases/{case.case_id}/files/{public.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"line 1\n"
    assert download["Content-Type"] == "application/octet-stream"
    assert client.get(f"/cases/{case.case_id}/files/{internal.pk}/").status_code == 404
    assert client.get(f"/cases/{case.case_id}/files/{'9' * 18}/").status_code == 404


def test_user_text_is_escaped_everywhere(world: World, client_for) -> None:
    evil = '<script>alert("x")</script>'
    case = admin_case(world.alice, summary=evil, description=evil, customer_tracking_number="<b>t</b>")
    services.reply(world.alice, case.case_id, evil)
    for url in ["/", f"/cases/{case.case_id}/"]:
        page = client_for("alice").get(url).content.decode()
        assert evil not in page and "&lt;script&gt;" in page, url
    staff = client_for("agent").get(f"/console/cases/{case.case_id}/").content.decode()
    assert evil not in staff

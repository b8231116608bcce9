"""The console is for vendor staff: for everyone else every console URL is "not found"."""

from __future__ import annotations

import pytest
from django.test import Client

from caredesk.accounts.models import Registration, RegistrationStatus
from tests.personas import World, admin_case

CUSTOMERS = ["alice", "bob", "carol", "paul", "charlie", "gina"]


def _urls(case_id: str, registration_id: int) -> list[tuple[str, str]]:
    base = f"/console/cases/{case_id}/"
    return [
        ("get", "/console/"),
        ("get", base),
        ("get", f"{base}files/1/"),
        ("get", "/console/registrations/"),
        ("post", f"{base}reply/"),
        ("post", f"{base}note/"),
        ("post", f"{base}assign/"),
        ("post", f"{base}status/"),
        ("post", f"{base}priority/"),
        ("post", f"{base}resolution/"),
        ("post", f"{base}files/"),
        ("post", f"/console/registrations/{registration_id}/decision/"),
        ("post", "/console/"),  # even a wrong method is "not found", not "not allowed"
        ("get", "/console/no-such-page/"),
    ]


@pytest.mark.parametrize("name", CUSTOMERS)
def test_every_console_url_is_not_found_for_customers(world: World, client_for, name: str) -> None:
    case = admin_case(world.alice)
    registration = Registration.objects.create(
        email="x@y.example", full_name="X", token_hash="h", status=RegistrationStatus.AWAITING_APPROVAL
    )
    client = client_for(name)
    for method, url in _urls(case.case_id, registration.pk):
        response = getattr(client, method)(url, {"body": "x", "decision": "approve"})
        assert response.status_code == 404, (method, url)
    case.refresh_from_db()
    assert case.owner is None and not case.messages.exists()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.AWAITING_APPROVAL


def test_anonymous_visitors_are_asked_to_log_in(world: World) -> None:
    response = Client().get("/console/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/console/"


@pytest.mark.parametrize("name", ["agent", "cleared", "manager"])
def test_staff_reach_the_console(world: World, client_for, name: str) -> None:
    client = client_for(name)
    assert client.get("/console/").status_code == 200
    assert client.get("/console/registrations/").status_code == 200


def test_staff_who_are_not_cleared_find_no_government_case_in_the_console(world: World, client_for) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from caredesk.cases import services
    from caredesk.cases.models import Case

    case = admin_case(world.gina, summary="Licence question")
    stored = services.attach(world.gina, case.case_id, SimpleUploadedFile("log.txt", b"log lines"))
    before = Case.objects.values().get(pk=case.pk)
    base = f"/console/cases/{case.case_id}/"
    posts = {
        "reply/": {"body": "x"},
        "note/": {"body": "x"},
        "assign/": {"owner": ""},
        "status/": {"status": "awaiting_customer"},
        "priority/": {"priority": "P1"},
        "resolution/": {"body": "x"},
    }
    for name in ["agent", "manager"]:
        client = client_for(name)
        assert client.get(base).status_code == 404
        assert client.get(f"{base}files/{stored.pk}/").status_code == 404
        assert (
            f'href="/console/cases/{case.case_id}/"'
            not in client.get("/console/", {"q": case.case_id}).content.decode()
        )
        for suffix, data in posts.items():
            assert client.post(base + suffix, data).status_code == 404, suffix
        upload = client.post(f"{base}files/", {"file": SimpleUploadedFile("x.txt", b"x")})
        assert upload.status_code == 404
    assert Case.objects.values().get(pk=case.pk) == before
    assert case.messages.count() == 0 and case.attachments.count() == 1
    cleared = client_for("cleared")
    assert cleared.get(base).status_code == 200
    assert cleared.post(base + "assign/", {"owner": ""}).status_code == 303

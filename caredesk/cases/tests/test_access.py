"""D-1.3: who sees which case, on every case endpoint. An invisible case is "not found"."""

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


STAFF = {"agent", "cleared", "manager"}
PARTNERS = {"paul"}

CASE_ENDPOINTS = [
    ("get", "/cases/{id}"),
    ("get", "/cases/{id}/messages"),
    ("get", "/cases/{id}/history"),
    ("get", "/cases/{id}/attachments"),
    ("get", "/cases/{id}/attachments/{file}"),
    ("post", "/cases/{id}/attachments"),
    ("post", "/cases/{id}/replies"),
    ("post", "/cases/{id}/notes"),
    ("post", "/cases/{id}/assign"),
    ("post", "/cases/{id}/status"),
    ("post", "/cases/{id}/priority"),
    ("post", "/cases/{id}/resolution"),
    ("post", "/cases/{id}/resolution/accept"),
    ("post", "/cases/{id}/resolution/reject"),
    ("get", "/cases/{id}/escalations"),
    ("post", "/cases/{id}/escalations"),
    ("post", "/cases/{id}/close"),
    ("post", "/cases/{id}/reopen"),
    ("post", "/cases/{id}/macro"),
]
BODIES = {
    "/replies": {"body": "hello"},
    "/notes": {"body": "hello"},
    "/assign": {},
    "/status": {"status": "awaiting_customer"},
    "/priority": {"priority": "P2"},
    "/resolution": {"body": "done"},
    "/resolution/reject": {"body": "not yet"},
    "/escalations": {"kind": "faster_progress", "reason": "Please hurry."},
    "/close": {"reason": "resolved_by_phone"},
    "/reopen": {},
}


def _expected(person: str, method: str, path: str) -> int:
    """What someone who may see the (new, unowned) case gets from each endpoint."""
    staff = person in STAFF
    if method == "get":
        return 200
    if path.endswith(("/replies", "/attachments")):
        return 201
    if path.endswith("/escalations"):  # D-4.5: the customer, or care staff for them
        return 403 if person in PARTNERS else 201
    if path.endswith("/notes"):
        return 201 if staff else 403
    if path.endswith(("/assign", "/priority", "/close")):
        return 200 if staff else 403
    if path.endswith("/macro"):
        return 201 if staff else 403
    if path.endswith("/reopen"):  # the case is not closed; the customer's partner never reopens
        return 403 if person in PARTNERS else 409
    if path.endswith(("/status", "/resolution")):
        return 409 if staff else 403  # a New case is neither Open nor awaiting (D-3.5)
    # accept / reject: nothing is proposed yet; staff and the customer's partner never decide
    return 403 if staff or person in PARTNERS else 409


@pytest.mark.parametrize(("method", "path"), CASE_ENDPOINTS)
@pytest.mark.parametrize("person", EVERYONE)
@pytest.mark.parametrize("which", ["acme", "gov"])
def test_every_case_endpoint_follows_the_access_rule(
    api, world: World, which: str, method: str, path: str, person: str
) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    from caredesk.cases import services
    from caredesk.cases.models import Case

    opener = world.alice if which == "acme" else world.gina
    case = admin_case(opener, summary="Licence question")
    stored = services.attach(opener, case.case_id, SimpleUploadedFile("log.txt", b"log lines"))
    before = Case.objects.values().get(pk=case.pk)
    sees = person in (SEES_ACME_CASE if which == "acme" else SEES_GOV_CASE)
    client = api(person)
    url = path.format(id=case.case_id, file=stored.pk)
    if method == "get":
        response = client.get(url)
    elif path.endswith("/attachments"):
        response = client.upload(url, {"file": SimpleUploadedFile("more.txt", b"more")})
    elif path.endswith("/macro"):
        macro = services.create_macro(world.manager, services.MacroData(name="Hello", body="Hello", shared=True))
        response = client.post(url, {"macro_id": macro.pk})
    else:
        response = client.post(url, next((b for suffix, b in BODIES.items() if path.endswith(suffix)), {}))
    if sees:
        assert response.status_code == _expected(person, method, path), response.content
    else:
        assert response.status_code == 404, response.content
        assert response.json()["error"]["code"] == "not_found"
        assert Case.objects.values().get(pk=case.pk) == before  # nothing changed
        assert case.messages.count() == 0 and case.attachments.count() == 1


@pytest.mark.parametrize("person", EVERYONE)
def test_case_list_and_search_show_only_visible_cases(api, world: World, acme_case, gov_case, person: str) -> None:  # type: ignore[no-untyped-def]
    client = api(person)
    listed = {row["case_id"] for row in client.get("/cases").json()["items"]}
    assert (acme_case.case_id in listed) == (person in SEES_ACME_CASE)
    assert (gov_case.case_id in listed) == (person in SEES_GOV_CASE)
    found = {row["case_id"] for row in client.get("/cases", q=gov_case.case_id.replace("-", "")).json()["items"]}
    assert found == ({gov_case.case_id} if person in SEES_GOV_CASE else set())


def test_anonymous_callers_get_401(api, world: World, acme_case) -> None:  # type: ignore[no-untyped-def]
    response = api(None).get(f"/cases/{acme_case.case_id}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"

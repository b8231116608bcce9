"""``Idempotency-Key`` on creating POSTs: a client that retries after a dropped connection
gets the first answer again and one object, not two; the same key for a different request
is refused; keys are per user and kept for a while; the key and the write commit together."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client

from caredesk.accounts.models import ApiToken
from caredesk.cases.models import Attachment, Case, CaseMessage, Escalation
from caredesk.core.models import IdempotencyKey
from tests.personas import PASSWORD, World, admin_case

CASE = {"request_type": "login-assistance", "request_subtype": "password-reset", "priority": "P3",
        "follow_up_method": "email", "callback_phone": "+49 69 1234 5678", "summary": "Cannot log in",
        "description": "The portal refuses my password."}  # fmt: skip


def _post(client: Any, path: str, body: Any, key: str) -> Any:
    return client.post(path, body, HTTP_IDEMPOTENCY_KEY=key)


def test_a_retried_case_gets_the_first_answer_and_makes_one_case(api: Any, world: World) -> None:
    alice = api("alice")
    first = _post(alice, "/cases", CASE, "k-1")
    again = _post(alice, "/cases", CASE, "k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert again["Content-Type"] == first["Content-Type"]
    assert Case.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(api: Any, world: World) -> None:
    alice = api("alice")
    assert _post(alice, "/cases", CASE, "k-2").status_code == 201
    other = _post(alice, "/cases", {**CASE, "summary": "Something else"}, "k-2")
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["error"]["fields"]
    elsewhere = _post(alice, f"/cases/{Case.objects.get().case_id}/replies", {"body": "hi"}, "k-2")
    assert elsewhere.status_code == 422
    assert Case.objects.count() == 1 and not CaseMessage.objects.filter(body="hi").exists()


def test_keys_are_per_user(api: Any, world: World) -> None:
    assert _post(api("alice"), "/cases", CASE, "shared").status_code == 201
    bobs = _post(api("bob"), "/cases", CASE, "shared")
    assert bobs.status_code == 201 and bobs.json()["contact"]["email"] == world.bob.email
    assert Case.objects.count() == 2


def test_keys_are_kept_for_the_settings_hours(api: Any, world: World, settings: Any) -> None:
    settings.IDEMPOTENCY_KEY_HOURS = 2
    alice = api("alice")
    _post(alice, "/cases", CASE, "k-3")
    with time_machine.travel(timedelta(hours=1, minutes=59)):
        assert _post(alice, "/cases", CASE, "k-3")["Idempotent-Replayed"] == "true"
    with time_machine.travel(timedelta(hours=2, minutes=1)):
        assert "Idempotent-Replayed" not in _post(alice, "/cases", CASE, "k-3")
    assert Case.objects.count() == 2


def test_expired_keys_are_swept(api: Any, world: World, settings: Any) -> None:
    from caredesk.core.idempotency import forget_expired

    _post(api("alice"), "/cases", CASE, "k-4")
    assert forget_expired() == 0
    with time_machine.travel(timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS, seconds=1)):
        assert forget_expired() == 1
    assert not IdempotencyKey.objects.exists()


def test_a_refused_request_keeps_no_key_and_can_be_corrected(api: Any, world: World) -> None:
    alice = api("alice")
    refused = _post(alice, "/cases", {**CASE, "callback_phone": "555"}, "k-5")
    assert refused.status_code == 422 and not IdempotencyKey.objects.exists()
    assert _post(alice, "/cases", CASE, "k-5").status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "two words", "ümlaut"])
def test_a_malformed_key_is_refused(api: Any, world: World, key: str) -> None:
    response = api("alice").client.post("/api/v1/cases", CASE, content_type="application/json",
                                        HTTP_IDEMPOTENCY_KEY=key, **api("alice").headers)  # fmt: skip
    assert response.status_code == 422 and "Idempotency-Key" in response.json()["error"]["fields"]
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("who", "path", "body", "made"),
    [
        ("alice", "/cases/{case}/replies", {"body": "Again?"}, lambda: CaseMessage.objects.filter(body="Again?")),
        ("agent", "/cases/{case}/notes", {"body": "Note"}, lambda: CaseMessage.objects.filter(body="Note")),
        ("agent", "/cases/{case}/resolution", {"body": "Fixed"}, lambda: CaseMessage.objects.filter(body="Fixed")),
        ("alice", "/cases/{case}/escalations", {"kind": "faster_progress", "reason": "Urgent"},
         lambda: Escalation.objects.all()),
        ("alice", "/me/tokens", {"name": "ci"}, lambda: ApiToken.objects.filter(name="ci")),
    ],
)  # fmt: skip
def test_every_creating_post_takes_a_key(api: Any, world: World, who: str, path: str, body: Any, made: Any) -> None:
    from caredesk.cases import services

    case = admin_case(world.alice)
    services.assign(world.agent, case.case_id, None)  # open, so that a resolution may be proposed
    client = api(who)
    url = path.format(case=case.case_id)
    first = _post(client, url, body, "again")
    assert first.status_code in (200, 201), first.content
    assert _post(client, url, body, "again").json() == first.json()
    assert made().count() == 1


def test_a_retried_upload_stores_one_file(api: Any, world: World) -> None:
    case = admin_case(world.alice)
    client = api("alice")

    def upload(content: bytes) -> Any:
        return client.client.post(f"/api/v1/cases/{case.case_id}/attachments",
                                   {"file": SimpleUploadedFile("log.txt", content)},
                                   HTTP_IDEMPOTENCY_KEY="up-1", **client.headers)  # fmt: skip

    first = upload(b"firmware 4.2")
    assert first.status_code == 201
    assert upload(b"firmware 4.2").json() == first.json()
    assert upload(b"another file").status_code == 422
    assert Attachment.objects.count() == 1


def test_a_retried_password_exchange_gets_the_same_token_only_with_the_password(api: Any, world: World) -> None:
    def ask(password: str) -> Any:
        return Client().post("/api/v1/auth/tokens", {"email": world.alice.email, "password": password, "name": "ci"},
                             content_type="application/json", HTTP_IDEMPOTENCY_KEY="tok-1")  # fmt: skip

    first = ask(PASSWORD)
    assert first.status_code == 201
    assert ask(PASSWORD).json()["token"] == first.json()["token"]
    assert ask("not the password").status_code == 401  # the key alone gets nothing
    assert ApiToken.objects.filter(user=world.alice, name="ci").count() == 1


def test_the_openapi_description_names_the_header_on_creating_posts(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    names = [p["name"] for p in spec["paths"]["/api/v1/cases"]["post"]["parameters"]]
    assert "Idempotency-Key" in names
    assert "Idempotency-Key" not in [p["name"] for p in spec["paths"]["/api/v1/cases"]["get"]["parameters"]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_make_one_case(seeded: None, monkeypatch: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run `make test-postgres` (DATABASE_URL) to exercise real concurrency")
    from caredesk.accounts.services import issue_api_token
    from caredesk.core import idempotency
    from tests.personas import build_world

    world = build_world()
    secret = issue_api_token(world.alice, "retries").secret
    complete = idempotency.complete

    def slow_complete(*args: Any) -> None:
        time.sleep(0.5)  # the first request holds its claim while the others arrive
        complete(*args)

    monkeypatch.setattr(idempotency, "complete", slow_complete)
    threads, answers, errors = 6, [], []
    barrier = threading.Barrier(threads)
    lock = threading.Lock()

    def retry() -> None:
        try:
            barrier.wait()
            response = Client().post("/api/v1/cases", CASE, content_type="application/json",
                                     HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_IDEMPOTENCY_KEY="same")  # fmt: skip
            with lock:
                answers.append((response.status_code, response.json()))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=retry) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors, errors
    assert Case.objects.count() == 1
    assert {status for status, _ in answers} == {201}
    assert len({body["case_id"] for _, body in answers}) == 1

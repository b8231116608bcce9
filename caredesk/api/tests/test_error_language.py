"""API errors in the caller's language (D-7.5): the domain's, and the request checks'."""

from __future__ import annotations

from typing import Any

import pytest

from caredesk.accounts import services as accounts
from tests.personas import World

pytestmark = pytest.mark.django_db


def test_request_checks_answer_in_the_callers_language(world: World, api: Any) -> None:
    alice = api("alice")
    body = {"kind": "admin", "summary": "x" * 300, "unknown": 1}
    english = alice.post("/cases", body).json()["error"]
    assert english["fields"]["unknown"] == "Not a field of this request."
    assert english["fields"]["priority"] == "Please give this field."
    german = alice.post("/cases", body, HTTP_ACCEPT_LANGUAGE="de").json()["error"]
    assert german["message"] == "Die Anfrage ist nicht gültig."
    assert german["fields"]["summary"] == "Höchstens 200 Zeichen."


def test_the_token_owners_language_wins_over_the_header(world: World, api: Any) -> None:
    accounts.update_profile(world.alice, {"language": "ja"})
    answer = api("alice").get("/cases/2020-0101-99999", HTTP_ACCEPT_LANGUAGE="de")
    assert answer.status_code == 404 and answer.headers["Content-Language"] == "ja"
    assert answer.json()["error"]["message"] != "No such case."

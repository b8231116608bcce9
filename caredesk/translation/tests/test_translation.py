"""Machine translation for staff (D-7.5) against a local server that speaks the
LibreTranslate HTTP API (the one true external boundary), and the offline detector."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import override_settings

from caredesk.cases import services as cases
from caredesk.cases.models import Case, CaseMessage
from caredesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caredesk.translation import languages, services
from caredesk.translation.models import Translation
from tests.personas import World, admin_case

pytestmark = pytest.mark.django_db


class FakeServer(BaseHTTPRequestHandler):
    calls: list[dict[str, Any]] = []
    broken = False

    def do_POST(self) -> None:  # noqa: N802 - the http.server protocol
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeServer.calls.append(body)
        if FakeServer.broken or self.path != "/translate":
            self.send_response(500)
            self.end_headers()
            return
        answer = json.dumps({"translatedText": f"[{body['source']}>{body['target']}] {body['q'][::-1]}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    FakeServer.calls, FakeServer.broken = [], False
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    with override_settings(TRANSLATION_URL=url, TRANSLATION_API_KEY="k-123"):
        yield url
    httpd.shutdown()


def _case(world: World) -> Case:
    return admin_case(world.alice, description="Bonjour, notre routeur ne démarre plus depuis la mise à jour.")


def test_the_detector_labels_new_customer_messages(world: World) -> None:
    case = _case(world)
    cases.reply(world.alice, case.case_id, "Unser Router startet nach dem Update nicht mehr, bitte helfen Sie uns.")
    cases.reply(world.alice, case.case_id, "ok")
    assert services.label_messages() == 3
    assert Case.objects.get(pk=case.pk).language == "fr"
    assert sorted(CaseMessage.objects.filter(case=case).values_list("language", flat=True)) == ["de", "und"]
    assert services.label_messages() == 0  # each is labelled once


def test_detect_is_offline_and_refuses_to_guess_from_too_little() -> None:
    assert languages.detect("ルーターがアップデート後に起動しません。") == "ja"
    assert languages.detect("Thanks!") == ""


def test_an_agent_translates_a_message_once_per_language(world: World, server: str) -> None:
    case = _case(world)
    services.label_messages()
    first = services.translate_message(world.agent, case.case_id, 0, "en")
    assert first.original.startswith("Bonjour") and first.text.startswith("[fr>en] ") and not first.cached
    assert FakeServer.calls[0]["api_key"] == "k-123" and FakeServer.calls[0]["format"] == "text"
    again = services.translate_message(world.agent, case.case_id, 0, "en")
    assert again.cached and again.text == first.text and len(FakeServer.calls) == 1
    assert Translation.objects.count() == 1
    services.translate_message(world.agent, case.case_id, 0, "de")
    assert len(FakeServer.calls) == 2


def test_a_draft_reply_is_translated_into_the_customers_language(world: World, server: str) -> None:
    done = services.translate_draft(world.agent, "Please restart the unit and send us the log.", "fr")
    assert done.text.startswith("[auto>fr] ") and done.original.startswith("Please")


def test_customers_cannot_translate_and_others_cases_do_not_exist(world: World, server: str) -> None:
    case = _case(world)
    with pytest.raises(Forbidden):
        services.translate_message(world.alice, case.case_id, 0, "en")
    with pytest.raises(NotFound):
        services.translate_message(world.agent, "20990101-0000000", 0, "en")
    with pytest.raises(NotFound):
        services.translate_message(world.agent, case.case_id, 10**9, "en")


def test_a_server_that_fails_is_a_clear_error_and_keeps_nothing(world: World, server: str) -> None:
    FakeServer.broken = True
    with pytest.raises(Conflict) as refused:
        services.translate_draft(world.agent, "Please restart the unit.", "de")
    assert refused.value.code == "translation_unavailable" and Translation.objects.count() == 0


def test_without_a_server_nothing_is_offered(world: World) -> None:
    assert services.engine() is None
    with pytest.raises(Conflict) as refused:
        services.translate_draft(world.agent, "Please restart the unit.", "de")
    assert refused.value.code == "translation_off"


def test_bad_requests_are_refused(world: World, server: str) -> None:
    with pytest.raises(ValidationFailed):
        services.translate_draft(world.agent, "Hello there, friend", "xx")
    with pytest.raises(ValidationFailed):
        services.translate_draft(world.agent, "   ", "de")
    assert FakeServer.calls == []


# --- in the console and the API -------------------------------------------------------------


def test_the_console_offers_translation_only_with_a_server(world: World, client: Any) -> None:
    case = _case(world)
    client.force_login(world.agent)
    page = client.get(f"/console/cases/{case.case_id}/").content.decode()
    assert "/translate/" not in page
    with override_settings(TRANSLATION_URL="http://127.0.0.1:9"):
        page = client.get(f"/console/cases/{case.case_id}/").content.decode()
    assert f"/console/cases/{case.case_id}/translate/" in page and "reply/translate/" in page


def test_an_agent_sees_the_translation_beside_the_original(world: World, client: Any, server: str) -> None:
    case = _case(world)
    services.label_messages()
    client.force_login(world.agent)
    page = client.get(f"/console/cases/{case.case_id}/").content.decode()
    assert 'lang="fr"' in page and "French" in page  # the description's detected language
    shown = client.post(f"/console/cases/{case.case_id}/translate/", {"message": "", "target": "en"},
                        HTTP_HX_REQUEST="true")  # fmt: skip
    assert shown.status_code == 200
    assert "[fr&gt;en]" in shown.content.decode() and "<html" not in shown.content.decode()
    assert Case.objects.get(pk=case.pk).description.startswith("Bonjour")  # the original is kept


def test_a_draft_comes_back_translated_in_the_reply_form(world: World, client: Any, server: str) -> None:
    case = _case(world)
    client.force_login(world.agent)
    answer = client.post(f"/console/cases/{case.case_id}/reply/translate/",
                         {"body": "Please restart the unit.", "target": "fr"})  # fmt: skip
    html = answer.content.decode()
    assert answer.status_code == 200 and "[auto&gt;fr] .tinu eht tratser esaelP" in html
    assert "Please restart the unit." in html  # the draft is shown beside it
    assert not CaseMessage.objects.filter(case=case).exists()  # nothing is sent until the agent sends it


def test_the_api_translates_for_staff_only(world: World, api: Any, server: str) -> None:
    case = _case(world)
    done = api("agent").post(f"/cases/{case.case_id}/translations", {"target": "de"})
    assert done.status_code == 200 and done.json()["original"].startswith("Bonjour")
    assert api("alice").post(f"/cases/{case.case_id}/translations", {"target": "de"}).status_code == 403
    assert api("agent").post("/translations", {"text": "Bitte starten Sie neu.", "target": "en"}).status_code == 200
    messages = api("agent").get(f"/cases/{case.case_id}/messages").json()
    assert all("language" in m for m in messages)


def test_staff_see_the_customers_language_on_the_case_and_the_contact(world: World, client: Any) -> None:
    from caredesk.accounts import services as accounts

    accounts.update_profile(world.alice, {"language": "de"})
    case = _case(world)
    client.force_login(world.agent)
    assert "Deutsch" in client.get(f"/console/cases/{case.case_id}/").content.decode()
    assert "Deutsch" in client.get(f"/contacts/{world.alice.pk}/").content.decode()

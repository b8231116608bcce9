"""Which language a page speaks and which zone its times are in (D-7.5, D-3.6): the
person's choice, else the browser's Accept-Language, else the installation's default;
switchable on every page, also before login, and remembered."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from caredesk.accounts import services
from caredesk.accounts.models import User
from tests.personas import World

pytestmark = pytest.mark.django_db


def _lang(response: Any) -> str:
    return str(response.headers.get("Content-Language"))


def test_the_browser_decides_when_nobody_chose(client: Client) -> None:
    assert _lang(client.get("/login/")) == "en"
    assert _lang(client.get("/login/", HTTP_ACCEPT_LANGUAGE="fr-CH, fr;q=0.9, en;q=0.5")) == "fr"
    assert _lang(client.get("/login/", HTTP_ACCEPT_LANGUAGE="pt-BR")) == "en"  # not offered: the default
    assert b'<html lang="fr">' in client.get("/login/", HTTP_ACCEPT_LANGUAGE="fr").content


def test_the_switcher_works_before_login_and_is_remembered(client: Client) -> None:
    switched = client.post("/language/", {"language": "ja", "next": "/login/"})
    assert switched.status_code == 302 and switched["Location"] == "/login/"
    assert _lang(client.get("/login/", HTTP_ACCEPT_LANGUAGE="de")) == "ja"  # the choice beats the browser


def test_the_switcher_refuses_to_send_people_elsewhere(client: Client) -> None:
    switched = client.post("/language/", {"language": "de", "next": "https://evil.example/"})
    assert switched["Location"] == "/"
    assert client.post("/language/", {"language": "xx"}).cookies.get("caredesk_language") is None


def test_a_persons_choice_beats_the_browser_and_follows_them(world: World, client: Client) -> None:
    services.update_profile(world.alice, {"language": "de"})
    client.force_login(User.objects.get(pk=world.alice.pk))
    assert _lang(client.get("/", HTTP_ACCEPT_LANGUAGE="ja")) == "de"


def test_switching_while_logged_in_saves_the_profile(world: World, client: Client) -> None:
    client.force_login(world.alice)
    client.post("/language/", {"language": "es", "next": "/"})
    assert User.objects.get(pk=world.alice.pk).language == "es"
    other_browser = Client()
    other_browser.force_login(world.alice)
    assert _lang(other_browser.get("/")) == "es"


def test_the_api_answers_errors_in_the_token_owners_language(world: World, api: Any) -> None:
    services.update_profile(world.alice, {"language": "de"})
    assert _lang(api("alice").get("/cases/CASE-NOT-THERE")) == "de"
    assert _lang(api("bob").get("/cases/CASE-NOT-THERE", HTTP_ACCEPT_LANGUAGE="fr")) in {"en", "fr"}


def test_times_are_in_the_persons_zone_with_the_zone_named(world: World, client: Client) -> None:
    services.update_profile(world.alice, {"time_zone": "Asia/Tokyo"})
    client.force_login(User.objects.get(pk=world.alice.pk))
    page = client.get("/").content.decode()
    assert "JST" in page
    client.force_login(world.bob)  # no zone chosen: the support centre's
    page = client.get("/").content.decode()
    assert "PST" in page or "PDT" in page

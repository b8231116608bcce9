"""“Reset my password”: an e-mailed, single-use link (D-1.5)."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from django.core import mail
from django.test import Client

from caredesk.core.clock import now
from tests.personas import World


def _link(outbox_index: int = -1) -> str:
    match = re.search(r"https?://[^/\s]+(/reset/[^/\s]+/[^/\s]+/)", mail.outbox[outbox_index].body)
    assert match, mail.outbox[outbox_index].body
    return match.group(1)


def test_the_request_page_answers_the_same_for_known_and_unknown_addresses(world: World, mails) -> None:
    with mails(execute=True):
        known = Client().post("/password/reset/", {"email": world.alice.email})
        unknown = Client().post("/password/reset/", {"email": "nobody@nowhere.example"})
    assert known.status_code == unknown.status_code == 200
    assert b"Check your e-mail" in known.content and b"Check your e-mail" in unknown.content
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world.alice.email]


def test_the_link_sets_a_new_password_once(world: World, mails) -> None:
    with mails(execute=True):
        Client().post("/password/reset/", {"email": world.alice.email})
    link = _link()
    client = Client()
    assert client.get(link).status_code == 200
    mismatch = client.post(link, {"new_password": "brand new passphrase", "confirm_password": "other"})
    assert b"The two passwords are not the same." in mismatch.content
    done = client.post(link, {"new_password": "brand new passphrase", "confirm_password": "brand new passphrase"})
    assert done["Location"] == "/login/"
    assert client.post("/login/", {"email": world.alice.email, "password": "brand new passphrase"}).status_code == 302
    used = Client().get(link)
    assert used.status_code == 404 and b"does not work any more" in used.content


def test_the_link_opens_a_locked_account_again(world: World, mails) -> None:
    later = now() + timedelta(days=250)
    with time_machine.travel(later, tick=False):
        assert Client().post("/login/", {"email": world.alice.email, "password": "x"}).status_code in (401, 403)
        with mails(execute=True):
            Client().post("/password/reset/", {"email": world.alice.email})
        link = _link()
        Client().post(link, {"new_password": "brand new passphrase", "confirm_password": "brand new passphrase"})
        response = Client().post("/login/", {"email": world.alice.email, "password": "brand new passphrase"})
        assert response.status_code == 302 and response["Location"] == "/"


def test_a_mangled_link_is_a_friendly_not_found(world: World) -> None:
    for link in ["/reset/xx/yy/", "/reset/MQ/abc-def/", "/reset/" + "A" * 300 + "/t/"]:
        response = Client().get(link)
        assert response.status_code == 404 and b"Reset my password" in response.content


def test_the_current_password_is_refused_as_the_new_one_on_reset_and_on_change(world: World, mails) -> None:  # type: ignore[no-untyped-def]
    """D-1.5: a locked or expired account is opened only by a new password; the same one
    again would restart its six months without a new secret."""
    from tests.personas import PASSWORD

    polite = "Please choose a password that is different from your current one."
    with mails(execute=True):
        Client().post("/password/reset/", {"email": world.alice.email})
    link = _link()
    same = Client().post(link, {"new_password": PASSWORD, "confirm_password": PASSWORD})
    assert same.status_code == 422
    assert same.context["form"].errors["new_password"] == [polite] and not same.context["form"].non_field_errors()
    client = Client()
    client.force_login(world.alice)
    again = client.post("/password/change/", {"old_password": PASSWORD, "new_password": PASSWORD,
                                              "confirm_password": PASSWORD})  # fmt: skip
    assert again.status_code == 422 and again.content.decode().count(polite) == 1

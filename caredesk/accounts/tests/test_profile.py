"""One's own profile (D-7.5): name, phone numbers in E.164, language, time zone; on the
portal and through ``/me``."""

from __future__ import annotations

from typing import Any

import pytest

from caredesk.accounts import services
from caredesk.accounts.models import User
from caredesk.core.audit import AuditEntry
from caredesk.core.errors import ValidationFailed
from tests.personas import World

pytestmark = pytest.mark.django_db


def test_national_numbers_are_read_in_the_organisations_country_and_kept_as_e164(world: World) -> None:
    services.update_profile(world.alice, {"phone": "069 1234 5678", "mobile_phone": "+49 151 2345 6789"})
    alice = User.objects.get(pk=world.alice.pk)
    assert (alice.phone, alice.mobile_phone) == ("+496912345678", "+4915123456789")  # Acme is in Germany


def test_a_bad_profile_changes_nothing_and_names_each_wrong_field(world: World) -> None:
    before = User.objects.get(pk=world.alice.pk)
    with pytest.raises(ValidationFailed) as refused:
        services.update_profile(
            world.alice, {"full_name": "Alice New", "phone": "12", "language": "xx", "time_zone": "Mars/Olympus"}
        )
    assert set(refused.value.fields) == {"phone", "language", "time_zone"}
    after = User.objects.get(pk=world.alice.pk)
    assert (after.full_name, after.phone, after.language, after.time_zone) == (
        before.full_name, before.phone, before.language, before.time_zone)  # fmt: skip


def test_only_profile_fields_can_be_changed(world: World) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.update_profile(world.alice, {"roles": "admin"})
    assert "roles" in refused.value.fields
    assert User.objects.get(pk=world.alice.pk).roles == world.alice.roles


def test_changes_are_in_the_audit_trail(world: World) -> None:
    services.update_profile(world.alice, {"language": "ja", "time_zone": "Asia/Tokyo"})
    entry = AuditEntry.objects.filter(action="profile_changed").latest("pk")
    assert entry.changes["language"][1] == "ja" and entry.changes["time_zone"][1] == "Asia/Tokyo"
    services.update_profile(world.alice, {"language": "ja"})  # no change: nothing more recorded
    assert AuditEntry.objects.filter(action="profile_changed").count() == 1


def test_the_portal_page_saves_the_profile_and_remembers_the_language(world: World, client: Any) -> None:
    client.force_login(world.alice)
    page = client.get("/profile/")
    assert page.status_code == 200 and b'name="time_zone"' in page.content
    saved = client.post("/profile/", {"full_name": "Alice Adams", "phone": "069 1234 5678", "mobile_phone": "",
                                      "language": "de", "time_zone": "Europe/Berlin"})  # fmt: skip
    assert saved.status_code == 302
    assert saved.cookies["caredesk_language"].value == "de"
    alice = User.objects.get(pk=world.alice.pk)
    assert (alice.language, alice.time_zone, alice.phone) == ("de", "Europe/Berlin", "+496912345678")
    refused = client.post("/profile/", {"full_name": "", "language": "de"})
    assert refused.status_code == 422
    assert User.objects.get(pk=world.alice.pk).full_name == "Alice Adams"


def test_the_new_case_form_offers_the_profiles_phone(world: World, client: Any) -> None:
    services.update_profile(world.alice, {"phone": "+49 69 1234 5678"})
    client.force_login(User.objects.get(pk=world.alice.pk))
    assert b'value="+496912345678"' in client.get("/cases/new/").content


def test_me_shows_and_changes_the_profile(world: World, api: Any) -> None:
    alice = api("alice")
    changed = alice.client.patch("/api/v1/me", {"time_zone": "Europe/Berlin", "phone": "069 1234 5678"},
                                 content_type="application/json", **alice.headers)  # fmt: skip
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["time_zone"], body["phone"], body["language"]) == ("Europe/Berlin", "+496912345678", "")
    refused = alice.client.patch("/api/v1/me", {"language": "klingon"}, content_type="application/json",
                                 **alice.headers)  # fmt: skip
    assert refused.status_code == 422 and "language" in refused.json()["error"]["fields"]
    assert alice.client.patch("/api/v1/me", {"roles": ["admin"]}, content_type="application/json",
                              **alice.headers).status_code == 422  # fmt: skip


def test_e_mails_to_a_person_are_in_their_language_whoever_caused_them(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from django.conf import settings
    from django.core import mail
    from django.utils import translation

    services.update_profile(world.alice, {"language": "de"})
    alice = User.objects.get(pk=world.alice.pk)
    with translation.override("ja"), django_capture_on_commit_callbacks(execute=True):
        services._warn_owner(alice)  # an attacker's browser speaks Japanese
    with translation.override("de"):
        wanted = translation.gettext("%(centre)s: someone is trying your password") % {
            "centre": settings.SUPPORT_CENTRE_NAME
        }
    assert mail.outbox[-1].subject == wanted and wanted != "caredesk Customer Care: someone is trying your password"


def test_a_registration_remembers_its_language_for_the_account_and_the_decision(world: World) -> None:
    from django.utils import translation

    from caredesk.accounts.models import Registration

    with translation.override("fr"):
        services.start_registration("Chloé Martin", "chloe@example.fr", client_ip="192.0.2.7")
    assert Registration.objects.get(email="chloe@example.fr").language == "fr"

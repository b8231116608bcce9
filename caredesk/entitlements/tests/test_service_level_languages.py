"""D-7.5: service levels are shown in the reader's language, from the catalogue's names
per language (the English name where a language has none); bad names are refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from caredesk.accounts import services as accounts
from caredesk.entitlements.models import ServiceLevel
from tests.personas import PASSWORD, InstalledBase, World


@pytest.fixture(autouse=True)
def _back_to_english() -> Any:
    """A request activates its reader's language for the thread; later tests expect none."""
    yield
    translation.deactivate()


def page(user: Any, path: str, language: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_the_catalogue_has_every_level_in_every_language(db: None) -> None:
    for level in ServiceLevel.objects.all():
        assert set(level.names) == {"de", "fr", "es", "ja"}, level.code


@pytest.mark.parametrize(("language", "premium", "software"), [
    ("de", "Premium, Austausch innerhalb von 4 Stunden", "Software-Support (SSRN)"),
    ("ja", "プレミアム、4 時間以内の交換", "ソフトウェアサポート（SSRN）"),
    ("en", "Premium, 4-hour replacement", "Software support (SSRN)"),
])  # fmt: skip
def test_a_units_page_names_its_levels_in_the_readers_language(
    world: World, ib: InstalledBase, language: str, premium: str, software: str
) -> None:
    for user, path in ((world.alice, "/assets/KR1000001/"), (world.agent, "/console/assets/KR1000001/")):
        shown = page(user, path, language)
        assert premium in shown and software in shown, path


def test_a_level_without_a_name_in_the_language_shows_its_english_name(world: World, ib: InstalledBase) -> None:
    ServiceLevel.objects.filter(pk=ib.premium.pk).update(names={"de": "Premium, 4 Stunden"})
    assert "Premium, 4 Stunden" in page(world.alice, "/assets/KR1000001/", "de")
    japanese = page(world.alice, "/assets/KR1000001/", "ja")
    assert "Premium, 4-hour replacement" in japanese and "ソフトウェアサポート（SSRN）" in japanese


def test_the_api_names_the_level_in_the_token_owners_language(world: World, ib: InstalledBase, api: Any) -> None:
    world.alice.language = "de"
    world.alice.save(update_fields=["language"])
    answer = api("alice").get("/entitlements", q="KR1000001").json()
    levels = {c["service_level"]["code"]: c["service_level"]["name"] for c in answer["assets"][0]["contracts"]}
    assert levels["premium-4h"] == "Premium, Austausch innerhalb von 4 Stunden"  # the code stays the code


@pytest.mark.parametrize(
    "names", ["Premium", {"en": "Premium"}, {"pt": "Premium"}, {"de": ""}, {"ja": None}, {"fr": "x" * 101}]
)
def test_bad_names_are_refused(world: World, ib: InstalledBase, names: Any) -> None:
    ib.premium.names = names
    with pytest.raises(ValidationError) as err:
        ib.premium.full_clean()
    assert "names" in err.value.message_dict


def test_the_admin_site_edits_the_names(world: World, ib: InstalledBase) -> None:
    root = accounts.create_user(
        "root@vendor.example", "Rita Root", world.vendor, PASSWORD, roles=["admin"], site_admin=True
    )
    client = Client()
    client.force_login(root)
    path = f"/admin/entitlements/servicelevel/{ib.premium.pk}/change/"
    assert 'as {"de": "…"' in client.get(path).content.decode()  # the help says the format
    form = {"code": "premium-4h", "name": ib.premium.name, "hw_replacement": "same_day_4h", "includes_24x7": "on",
            "software_support": "on"}  # fmt: skip
    refused = client.post(path, {**form, "names": json.dumps({"de": ""})})
    assert refused.status_code == 200 and "errornote" in refused.content.decode()
    saved = client.post(path, {**form, "names": json.dumps({"de": "Premium (4 Std.)"})})
    assert saved.status_code == 302
    ib.premium.refresh_from_db()
    assert ib.premium.names == {"de": "Premium (4 Std.)"}

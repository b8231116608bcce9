"""D-7.5: request types, their sub-types and template fields are stored by code and shown
in the reader's language, from the labels per language of the catalogue (the English name
where a language has none), as are the service levels a case offers; bad labels are refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from caredesk.accounts import services as accounts
from caredesk.cases import services
from caredesk.cases.models import RequestSubType, RequestType, check_template
from caredesk.entitlements.models import Depot, DepotArea
from tests.personas import InstalledBase, World, admin_case


@pytest.fixture(autouse=True)
def _back_to_english() -> Any:
    """A request activates its reader's language for the thread; later tests expect none."""
    yield
    translation.deactivate()


def page(user: Any, path: str, language: str, **params: Any) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(path, params, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def post(user: Any, path: str, language: str, data: dict[str, str]) -> str:
    client = Client()
    client.force_login(user)
    response = client.post(path, data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def rma_case(world: World) -> Any:
    return admin_case(
        world.alice, request_type="rma-assistance", request_subtype="rma-status", template_data={"rma_number": "R-77"}
    )


def test_the_catalogue_has_every_entry_in_every_language(db: None) -> None:
    for request_type in RequestType.objects.prefetch_related("subtypes"):
        assert set(request_type.names) == {"de", "fr", "es", "ja"}, request_type.code
        assert all(set(s.names) == {"de", "fr", "es", "ja"} for s in request_type.subtypes.all()), request_type.code
        assert all(set(spec["labels"]) == {"de", "fr", "es", "ja"} for spec in request_type.template)
        check_template(request_type.template)


def test_the_label_follows_the_active_language(db: None) -> None:
    rma = RequestType.objects.get(code="rma-assistance")
    with translation.override("de"):
        assert rma.label() == "Hilfe bei RMA"
    with translation.override("ja"):
        assert rma.label() == "RMA のサポート"
    with translation.override("en"):
        assert rma.label() == "RMA Assistance"
    rma.names = {"de": "Hilfe bei RMA"}
    with translation.override("ja"):
        assert rma.label() == "RMA Assistance"  # no Japanese: the English name


@pytest.mark.parametrize(("language", "words"), [
    ("de", ["Hilfe bei RMA", "RMA-Status", "RMA-Nummer"]),
    ("ja", ["RMA のサポート", "RMA の状況", "RMA 番号"]),
    ("en", ["RMA Assistance", "RMA status", "RMA number"]),
])  # fmt: skip
def test_the_case_page_shows_type_subtype_and_field_in_the_readers_language(
    world: World, rma_case: Any, language: str, words: list[str]
) -> None:
    for user, path in (
        (world.alice, f"/cases/{rma_case.case_id}/"),
        (world.agent, f"/console/cases/{rma_case.case_id}/"),
    ):
        shown = page(user, path, language)
        for word in words:
            assert word in shown, (path, word)


def test_the_api_names_the_type_in_the_token_owners_language_and_keeps_the_codes(
    world: World, rma_case: Any, api: Any
) -> None:
    world.alice.language = "ja"
    world.alice.save(update_fields=["language"])
    answer = api("alice").get(f"/cases/{rma_case.case_id}").json()
    assert answer["request_type"] == {"code": "rma-assistance", "name": "RMA のサポート"}
    assert answer["request_subtype"] == {"code": "rma-status", "name": "RMA の状況"}
    catalogue = {t["code"]: t for t in api("alice").get("/request-types").json()}
    assert catalogue["rma-assistance"]["name"] == "RMA のサポート"


def test_the_portals_new_case_form_offers_the_catalogue_in_the_readers_language(world: World) -> None:
    german = page(world.alice, "/cases/new/", "de", type="product-registration")
    assert ">Produktregistrierung</option>" in german and ">Allgemeine Anfrage</option>" in german
    assert ">Produkt registrieren</option>" in german and "Seriennummern" in german and "Kundenauftrag" in german
    fragment = page(world.alice, "/cases/new/fields/", "ja", request_type="mis-shipment")  # the htmx sub-type field
    assert ">注文明細の不足または誤り</option>" in fragment and "出荷日" in fragment and "受注番号" in fragment
    english = page(world.alice, "/cases/new/fields/", "en", request_type="mis-shipment")
    assert ">Missing or incorrect documentation</option>" in english and "Ship date" in english


def test_the_consoles_new_case_form_offers_the_catalogue_in_the_readers_language(world: World) -> None:
    data = {"refresh": "1", "organisation": str(world.acme.pk), "request_type": "installed-base-update"}
    german = post(world.agent, "/console/cases/new/", "de", data)
    assert "<h3>Aktualisierung der installierten Basis</h3>" in german
    assert ">Umzug</option>" in german and "Neue Standort-ID" in german and "Gültig ab" in german
    japanese = post(world.agent, "/console/cases/new/", "ja", data)
    assert "<h3>導入製品の更新</h3>" in japanese and ">移動</option>" in japanese and "新しいサイト ID" in japanese


def test_an_entry_an_administrator_adds_without_labels_shows_its_english_name(world: World) -> None:
    added = RequestType.objects.create(
        code="site-visit",
        name="Site Visit",
        template=[{"name": "floor", "label": "Floor", "labels": {"de": "Stockwerk"}, "help": "Which floor"}],
    )
    RequestSubType.objects.create(request_type=added, code="survey", name="Survey", names={"de": "Begehung"})
    for language in ("de", "ja"):
        shown = page(world.alice, "/cases/new/", language, type="site-visit")
        assert ">Site Visit</option>" in shown
        assert "Which floor" in shown  # no help in other languages
    assert ">Begehung</option>" in page(world.alice, "/cases/new/", "de", type="site-visit")
    assert "Stockwerk" in page(world.alice, "/cases/new/", "de", type="site-visit")
    japanese = page(world.alice, "/cases/new/", "ja", type="site-visit")
    assert ">Survey</option>" in japanese and "Floor" in japanese and "Stockwerk" not in japanese
    case = admin_case(world.alice, request_type="site-visit", request_subtype="survey", template_data={"floor": "3"})
    shown = page(world.alice, f"/cases/{case.case_id}/", "ja")
    assert "Site Visit · Survey" in shown and "<dt>Floor</dt>" in shown


@pytest.mark.parametrize(
    "names",
    [
        ["Anfrage"],  # not an object
        {"en": "Request"},  # English is the name itself
        {"xx": "Request"},  # not a language of caredesk
        {"de": ""},
        {"de": "   "},
        {"de": 42},
        {"de": "x" * 101},
    ],
)
def test_bad_names_are_refused(db: None, names: Any) -> None:
    for entry in (RequestType.objects.first(), RequestSubType.objects.first()):
        assert entry is not None
        entry.names = names
        with pytest.raises(ValidationError) as err:
            entry.full_clean()
        assert "names" in err.value.message_dict


def test_good_names_pass(db: None) -> None:
    entry = RequestType.objects.get(code="general-inquiry")
    entry.names = {"de": "x" * 100, "ja": "一般"}
    entry.full_clean()


@pytest.mark.parametrize(
    "spec",
    [
        {"name": "a", "labels": "A"},
        {"name": "a", "labels": {"en": "A"}},
        {"name": "a", "labels": {"de": ""}},
        {"name": "a", "labels": {"ja": "x" * 101}},
        {"name": "a", "help": "Help", "helps": {"de": ["Hilfe"]}},
        {"name": "a", "helps": {"klingon": "Hilfe"}},
        {"name": "a", "helps": {"de": "x" * 301}},
    ],
)
def test_bad_labels_of_template_fields_are_refused(db: None, spec: dict[str, Any]) -> None:
    entry = RequestType.objects.get(code="general-inquiry")
    entry.template = [spec]
    with pytest.raises(ValidationError) as err:
        entry.full_clean()
    assert "template" in err.value.message_dict
    assert not entry.template_is_valid


def test_good_labels_of_template_fields_pass(db: None) -> None:
    check_template([{"name": "a", "label": "A", "labels": {"de": "Ä"}, "help": "H", "helps": {"ja": "ヘルプ" * 50}}])


def test_the_service_level_offer_after_a_move_names_both_levels_in_the_readers_language(
    world: World, ib: InstalledBase
) -> None:
    """The service levels' own names per language: caredesk/entitlements/tests/test_service_level_languages.py."""
    warsaw = Depot.objects.create(name="Warsaw", replacements=["next_business_day"])
    DepotArea.objects.create(depot=warsaw, country="PL")
    accounts.add_site(world.acme, "S-ACME-WAW", "Acme Warsaw", "PL")
    case = admin_case(
        world.alice,
        request_type="installed-base-update",
        request_subtype="move",
        template_data={"serials": "KR1000001", "target_site": "S-ACME-WAW"},
    )
    services.assign(world.agent, case.case_id)
    assert services.apply_installed_base_update(world.agent, case.case_id)
    german = page(world.alice, f"/cases/{case.case_id}/", "de")
    assert "<strong>Premium, Austausch innerhalb von 4 Stunden</strong>" in german
    assert "Advanced, nächster Geschäftstag" in german
    japanese = page(world.agent, f"/console/cases/{case.case_id}/", "ja")
    assert "<strong>アドバンスト、翌営業日</strong>" in japanese

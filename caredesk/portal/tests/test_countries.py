"""The country selects name countries as ISO 3166 does, not by the time-zone table's labels."""

from __future__ import annotations

from django.test import Client
from django.utils import translation

from caredesk.core.geography import country_name, is_country
from caredesk.web.forms import country_choices
from tests.personas import World


def test_countries_have_their_proper_names() -> None:
    names = dict(country_choices())
    assert names["GB"] == "United Kingdom" and names["US"] == "United States" and names["KR"] == "South Korea"
    assert "Britain (UK)" not in names.values()
    assert len(names) == 250  # 249 ISO 3166-1 countries and the prompt
    assert is_country("de") and not is_country("QQ") and not is_country("")


def test_they_are_named_and_sorted_in_the_page_language() -> None:
    with translation.override("de"):
        names = [name for _code, name in country_choices()[1:]]
    assert country_name("GB", "de") == "Vereinigtes Königreich" and "Deutschland" in names
    assert names.index("Ägypten") < names.index("Albanien")  # Ä sorts with A, not after Z


def test_the_registration_page_offers_them(world: World, mails) -> None:  # type: ignore[no-untyped-def]
    import re

    from django.core import mail

    client = Client()
    with mails(execute=True):
        client.post("/register/", {"full_name": "Nina New", "email": "nina@new.example"})
    client.post(re.search(r"(/register/verify/[^/\s]+/)", mail.outbox[-1].body).group(1))  # type: ignore[union-attr]
    page = client.get("/register/organisation/").content.decode()
    assert '<option value="GB">United Kingdom</option>' in page

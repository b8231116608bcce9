"""Guard rails of the translated interface (D-7.5): no text people read goes unmarked, no
language lacks a message the others have, and what ships is compiled from what is written."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from caredesk.core import catalogues
from lint import i18n


def test_every_text_people_read_is_marked_for_translation() -> None:
    found = i18n.findings()
    assert not found, "Not marked for translation (lint/i18n.py says how):\n" + "\n".join(map(str, found))


def test_every_language_has_every_message_translated_and_compiled() -> None:
    problems = catalogues.problems()
    assert not problems, "caredesk messages --check:\n" + "\n".join(problems)


def test_the_interface_offers_the_five_languages() -> None:
    assert [code for code, _name in settings.LANGUAGES] == ["en", "de", "fr", "es", "ja"]
    assert {c.language for c in catalogues.catalogues()} == {"de", "fr", "es", "ja"}


@pytest.mark.parametrize(
    ("language", "wanted"),
    [("de", "Abmelden"), ("fr", "Se déconnecter"), ("es", "Cerrar sesión"), ("ja", "ログアウト")],
)
def test_a_compiled_catalogue_is_what_django_reads(language: str, wanted: str) -> None:
    with translation.override(language):
        assert translation.gettext("Log out") == wanted


# --- the checker itself -----------------------------------------------------------------


def test_the_template_checker_finds_unmarked_text_and_passes_marked_text() -> None:
    source = """{% extends "base.html" %}{% block page_class %}page--wide{% endblock %}
<h1>Plain words</h1>
<h2>{% translate "Marked words" %}</h2>
<p>{% blocktranslate trimmed with n=count %}Marked {{ n }} with a value{% endblocktranslate %}</p>
<input type="text" placeholder="Type here" title="{% translate 'Marked title' %}">
<button type="submit" value="Send">·</button>
{{ when|date:"j M Y, H:i" }} {{ who|default:"Nobody" }} {{ who|default:_("Marked default") }}
{# a comment says anything #}<script>const words = "not checked";</script>
<input type="submit" value="Go">"""
    found = [text for _line, text in i18n.template_findings(source)]
    assert found == ["Plain words", "Type here", "Nobody", "Go"]


def test_the_python_checker_finds_unmarked_text_where_people_read_it() -> None:
    source = """
from django.utils.translation import gettext as _
raise ValidationFailed("Plain message.", fields={"x": _("Marked field."), "y": "Plain field."})
raise NotFound(_("Marked."))
raise Conflict(f"F-string {x}.")
raise Conflict("Formatted %s." % x)
messages.success(request, "Saved plainly.")
errors["name"] = "Plain error."
name = forms.CharField(label="Plain label", help_text=_("Marked help"))
class Colour(TextChoices):
    RED = "red", "Plain red"
    BLUE = "blue", _("Marked blue")
log.warning("logs are for operators")
raise ValidationFailed(message)  # a variable: not judged
"""
    found = {text for _line, text in i18n.python_findings(source)}
    assert found == {"Plain message.", "Plain field.", "f-string: F-string .", "Formatted %s.", "Saved plainly.",
                     "Plain error.", "Plain label", "Plain red"}  # fmt: skip


def test_the_catalogue_check_finds_untranslated_fuzzy_stale_and_missing(tmp_path: Path, settings: object) -> None:
    for code in ("de", "fr"):
        (tmp_path / code / "LC_MESSAGES").mkdir(parents=True)
    de = polib.POFile()
    de.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=2; plural=(n != 1);"}
    de.append(polib.POEntry(msgid="Case %(id)s", msgstr="Fall %(nummer)s"))
    de.append(polib.POEntry(msgid="Open", msgstr="Offen", flags=["fuzzy"]))
    de.append(polib.POEntry(msgid="Closed", msgstr=""))
    de.save(str(tmp_path / "de" / "LC_MESSAGES" / "django.po"))
    fr = polib.POFile()
    fr.metadata = dict(de.metadata)
    fr.append(polib.POEntry(msgid="Case %(id)s", msgstr="Dossier %(id)s"))
    fr.save(str(tmp_path / "fr" / "LC_MESSAGES" / "django.po"))
    fr.save_as_mofile(str(tmp_path / "fr" / "LC_MESSAGES" / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path]  # type: ignore[attr-defined]
    settings.LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français")]  # type: ignore[attr-defined]
    found = "\n".join(catalogues.problems())
    assert "placeholders" in found and "fuzzy: 'Open'" in found and "untranslated: 'Closed'" in found
    assert "de/LC_MESSAGES/django.mo: not compiled" in found
    assert "fr: lacks 'Closed'" in found and "fr: lacks 'Open'" in found
    catalogues.compile_all()
    assert "not compiled" not in "\n".join(catalogues.problems())

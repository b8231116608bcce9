"""Labels of catalogue entries per language (D-7.5).

Statuses and priorities are ``TextChoices`` translated by the catalogues; the entries
administrators add (request types, their sub-types and template fields, service levels)
are data, so their labels in other languages are data too: ``{"de": "…", "ja": "…"}``
beside the English name, which is what people read when their language has none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

NAME_MAX_LENGTH = 100
NAMES_HELP = (
    'The name in other languages, as {"de": "…", "fr": "…", "es": "…", "ja": "…"}; '
    "a language left out shows the English name."
)


def other_languages() -> list[str]:
    """The language codes a label can be given in: every language but the source, English."""
    return [code for code, _name in settings.LANGUAGES if code != "en"]


def names_problem(value: Any, max_length: int = NAME_MAX_LENGTH) -> str | None:
    """What is wrong with labels per language, in words; None when they are well-formed."""
    codes = other_languages()
    if not isinstance(value, dict):
        return _('Give the labels per language as an object, e.g. {"de": "…", "ja": "…"}.')
    for code, text in value.items():
        if code not in codes:
            return _("%(code)s is not a language of caredesk; use one of %(codes)s.") % {
                "code": repr(code),
                "codes": ", ".join(codes),
            }
        if not isinstance(text, str) or not text.strip():
            return _("The entry for %(code)s must be text and not empty.") % {"code": code}
        if len(text) > max_length:
            return _("The entry for %(code)s is longer than %(n)s characters.") % {"code": code, "n": max_length}
    return None


def check_names(value: Any) -> None:
    """Validator of a ``names`` field."""
    problem = names_problem(value)
    if problem:
        raise ValidationError(problem)


def in_language(default: str, names: Mapping[str, Any] | None) -> str:
    """The label in the active language, or ``default`` (the English one) where it has none."""
    if not names or not isinstance(names, Mapping):
        return default
    language = (get_language() or "").lower()
    text = names.get(language) or names.get(language.split("-")[0])
    return text if isinstance(text, str) and text.strip() else default

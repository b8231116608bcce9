"""The country selects: ISO 3166 names (``caredesk.core.geography``) in the page's language."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from caredesk.core.geography import countries


def country_choices(blank: str = "") -> list[tuple[str, str]]:
    return [("", blank or _("Choose a country")), *countries(get_language() or "en")]

"""Validators for values that many domains accept (phone numbers, free text)."""

from __future__ import annotations

import phonenumbers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from caredesk.core.errors import ValidationFailed


def e164(raw: str, *, field: str = "phone", region: str | None = None) -> str:
    """The number in E.164 (``+14087459500``), from international format with a leading +,
    or, given ``region`` (ISO 3166 alpha-2: the person's country), also national format
    (``069 1234 5678`` in DE)."""
    text = (raw or "").strip()
    if region and text and not text.startswith(("+", "00")):
        text = _international(text, region.upper())
    if not text.startswith("+") and not text.startswith("00"):
        raise ValidationFailed(
            _("Give the number in international format, starting with + and the country code."),
            fields={field: _("Use international format, e.g. +1 408 555 0100.")},
        )
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise ValidationFailed(_("That is not a phone number."), fields={field: _("Not a phone number.")}) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed(
            _("That phone number is not valid."), fields={field: _("Not a valid number for its country code.")}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _international(text: str, region: str) -> str:
    """A national number of ``region`` in international format; unchanged if it cannot be
    read (the checks of :func:`e164` then say what is wrong)."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Plain text, translated where it is used (the edge, the API schemas, clean_text).
NUL_REFUSED = gettext_noop("Text may not contain NUL characters.")
NUL_FIELD = gettext_noop("Contains a NUL character.")


def clean_text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    text = (value or "").strip()
    if "\x00" in text:
        raise ValidationFailed(_(NUL_REFUSED), fields={field: _(NUL_FIELD)})
    if required and not text:
        # The field's text is what a page shows next to the field: words, not the field's name.
        raise ValidationFailed(
            _("%(field)s is required.") % {"field": field.replace("_", " ").capitalize()},
            fields={field: _("Please fill this in.")},
        )
    if len(text) > max_length:
        raise ValidationFailed(
            _("%(field)s is too long.") % {"field": field.replace("_", " ").capitalize()},
            fields={field: _("At most %(n)s characters.") % {"n": max_length}},
        )
    return text


def holds_nul(value: object) -> bool:
    """Whether text anywhere in ``value`` (strings, dict keys and values, lists) holds a NUL:
    PostgreSQL can neither store nor compare such text, so inputs refuse it up front."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(holds_nul(v) for v in value)
    return False

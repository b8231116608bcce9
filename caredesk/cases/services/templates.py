"""Request-type templates (D-3.3): the extra structured fields a request type asks for."""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from caredesk.cases.models import (
    RequestType,
)
from caredesk.core.errors import ValidationFailed
from caredesk.core.validation import clean_text
from caredesk.installbase.queries import SERIAL_RE

log = logging.getLogger(__name__)

# --- request-type templates (D-3.3) -------------------------------------------------------


SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")


def _template_value(spec: dict[str, Any], value: Any) -> Any:
    kind = spec.get("type", "text")
    name = spec["name"]
    if kind in ("text", "textarea"):
        if not isinstance(value, str):
            raise ValidationFailed(_("Wrong type."), fields={f"template_data.{name}": _("Must be text.")})
        return clean_text(value, field=f"template_data.{name}", max_length=int(spec.get("max_length", 2000)))
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValidationFailed(_("Wrong type."), fields={f"template_data.{name}": _("Must be a whole number.")})
        try:
            return int(value)
        except ValueError:
            raise ValidationFailed(
                _("Wrong type."), fields={f"template_data.{name}": _("Must be a whole number.")}
            ) from None
    if kind == "choice":
        if value not in spec.get("choices", []):
            raise ValidationFailed(
                _("Not one of the choices."),
                fields={f"template_data.{name}": _("One of: %(choices)s.") % {"choices": ", ".join(spec["choices"])}},
            )
        return value
    if kind == "date":
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValidationFailed(
                _("Not a date."), fields={f"template_data.{name}": _("A date as YYYY-MM-DD.")}
            ) from None
    if kind == "country":
        text = str(value).strip().upper()
        if len(text) != 2 or not text.isalpha():
            raise ValidationFailed(_("Not a country."), fields={f"template_data.{name}": _("Two-letter country code.")})
        return text
    if kind == "serials":
        items = value if isinstance(value, list) else re.split(r"[\s,;]+", str(value))
        serials = [str(s).strip().upper() for s in items if str(s).strip()]
        if not serials or len(serials) > 500 or not all(SERIAL_RE.match(s) for s in serials):
            raise ValidationFailed(
                _("Serial numbers are not valid."), fields={f"template_data.{name}": _("1 to 500 serial numbers.")}
            )
        return serials
    raise ValidationFailed(
        _("The request type's template is broken."), fields={f"template_data.{name}": _("Unknown type.")}
    )


def validate_template_data(request_type: RequestType, data: dict[str, Any]) -> dict[str, Any]:
    """The template's fields, checked and normalised; unknown fields are refused."""
    if not request_type.template_is_valid:
        log.error("request type %s has a broken template; fix it in the admin site", request_type.code)
        raise ValidationFailed(
            _("This request type cannot take cases until an administrator fixes it. Choose another one."),
            fields={"request_type": _("Misconfigured; choose another request type.")},
        )
    specs = {spec["name"]: spec for spec in request_type.template}
    unknown = sorted(set(data) - set(specs))
    if unknown:
        raise ValidationFailed(
            _("Unknown template fields."),
            fields={f"template_data.{name}": _("Not a field of this request type.") for name in unknown},
        )
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, spec in specs.items():
        value = data.get(name)
        if value is None or value == "" or value == []:
            if spec.get("required"):
                errors[f"template_data.{name}"] = _("%(label)s is required.") % {"label": spec.get("label", name)}
            continue
        try:
            cleaned[name] = _template_value(spec, value)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed(_("Some fields of the request template are not valid."), fields=errors)
    return cleaned

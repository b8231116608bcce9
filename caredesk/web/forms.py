"""Forms that the portal and the console share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from caredesk.cases.models import EscalationKind, template_help, template_label
from caredesk.core.geography import countries
from caredesk.web.html import escape


class EscalateForm(forms.Form):
    """D-4.5: the kind of escalation and why."""

    kind = forms.ChoiceField(
        label=_("What do you need?"),
        choices=EscalationKind.choices,
        initial=EscalationKind.FASTER_PROGRESS,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Why does the case need escalating?"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": "3", "required": True, "maxlength": "2000"}),
    )


def country_choices(blank: str = "") -> list[tuple[str, str]]:
    """The country selects: ISO 3166 names (``core.geography``) in the page's language."""
    return [("", blank or str(_("Choose a country"))), *countries(get_language() or "en")]


def template_field(spec: dict[str, Any]) -> forms.Field:
    """A form field for one entry of a request type's template (D-3.3); the service checks
    the values (``validate_template_data``), so every field is optional here."""
    label = template_label(spec) or str(spec["name"])
    kind = spec.get("type", "text")
    attrs: dict[str, Any] = {"required": True} if spec.get("required") else {}
    field: forms.Field
    if kind == "textarea":
        field = forms.CharField(widget=forms.Textarea(attrs={"rows": "4", **attrs}))
    elif kind == "choice":
        choices = [("", _("Choose…")), *((str(c), str(c)) for c in spec.get("choices", []))]
        field = forms.ChoiceField(choices=choices, widget=forms.Select(attrs=attrs))
    elif kind == "integer":
        field = forms.CharField(widget=forms.NumberInput(attrs={"step": "1", **attrs}))
    elif kind == "date":
        field = forms.CharField(widget=forms.DateInput(attrs={"type": "date", **attrs}))
    elif kind == "serials":
        field = forms.CharField(
            widget=forms.Textarea(attrs={"rows": "3", "spellcheck": "false", **attrs}),
            help_text=_("One or more serial numbers, separated by spaces, commas or new lines."),
        )
    elif kind == "country":
        field = forms.ChoiceField(choices=country_choices(), widget=forms.Select(attrs=attrs))
    else:
        if spec.get("max_length"):
            attrs["maxlength"] = str(spec["max_length"])
        field = forms.CharField(widget=forms.TextInput(attrs=attrs))
    field.required = False
    field.label = label
    if template_help(spec):
        field.help_text = template_help(spec)
    return field


# --- rendering widgets ---------------------------------------------------------------------------

_INPUTS = {
    f"django/forms/widgets/{name}.html"
    for name in ("text", "email", "number", "password", "hidden", "url", "date", "datetime", "time", "search", "tel")
}
_CHECKBOX = "django/forms/widgets/checkbox.html"
_TEXTAREA = "django/forms/widgets/textarea.html"
_SELECT = "django/forms/widgets/select.html"
_OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict[str, Any]) -> str:
    # As django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name.
    return "".join(
        f" {name}" if value is True else f' {name}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _option(option: dict[str, Any]) -> str:
    # The newline is select_option.html's own last line.
    return f'<option value="{escape(option["value"])}"{_attrs(option["attrs"])}>{escape(option["label"])}</option>\n'


class FastRenderer(DjangoTemplates):
    """Django's form renderer, with the plain widgets (text inputs, checkboxes, text areas,
    selects) written in Python. Django renders each widget from templates, a select with
    one include per option: on the console's case page, with a dozen fields and the staff
    list as choices, that was a third of the page's CPU time. The markup is the same as
    Django's templates write (``caredesk/web/tests/test_fast_renderer.py`` holds the two
    side by side); every other widget is rendered by its template, as before."""

    def render(self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
        widget = context.get("widget")
        if isinstance(widget, dict) and widget.get("template_name") == template_name:
            value, name, attrs = widget.get("value"), escape(widget["name"]), _attrs(widget["attrs"])
            if template_name in _INPUTS or template_name == _CHECKBOX:
                shown = f' value="{escape(value)}"' if value is not None else ""
                return f'<input type="{escape(widget["type"])}" name="{name}"{shown}{attrs}>'
            if template_name == _TEXTAREA:
                return f'<textarea name="{name}"{attrs}>\n{escape(value) if value else ""}</textarea>'
            if template_name == _SELECT and all(
                o["template_name"] == _OPTION for _, group, _ in widget["optgroups"] for o in group
            ):
                parts = [f'<select name="{name}"{attrs}>']
                for group_name, group, _ in widget["optgroups"]:
                    if group_name:
                        parts.append(f'\n  <optgroup label="{escape(group_name)}">')
                    parts += [f"\n  {_option(o)}" for o in group]
                    if group_name:
                        parts.append("\n  </optgroup>")
                parts.append("\n</select>")
                return "".join(parts)
        return super().render(template_name, context, request)

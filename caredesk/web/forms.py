"""Forms that the portal and the console share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from caredesk.cases.models import EscalationKind


class EscalateForm(forms.Form):
    """D-4.5: the kind of escalation and why."""

    kind = forms.ChoiceField(
        label="What do you need?",
        choices=EscalationKind.choices,
        initial=EscalationKind.FASTER_PROGRESS,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Why does the case need escalating?",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": "3", "required": True, "maxlength": "2000"}),
    )


def template_field(spec: dict[str, Any], country_choices: list[tuple[str, str]] | None = None) -> forms.Field:
    """A form field for one entry of a request type's template (D-3.3); the service checks
    the values (``validate_template_data``), so every field is optional here."""
    label = str(spec.get("label") or spec["name"])
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
    elif kind == "country" and country_choices is not None:
        field = forms.ChoiceField(choices=country_choices, widget=forms.Select(attrs=attrs))
    else:
        if spec.get("max_length"):
            attrs["maxlength"] = str(spec["max_length"])
        field = forms.CharField(widget=forms.TextInput(attrs=attrs))
    field.required = False
    field.label = label
    if spec.get("help"):
        field.help_text = str(spec["help"])
    return field

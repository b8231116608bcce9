"""Forms that the portal and the console share."""

from __future__ import annotations

from django import forms

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

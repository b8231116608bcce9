"""The console's forms: they render and read; the services check every rule."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from caredesk.accounts.queries import staff_members
from caredesk.cases.models import CaseStatus, Priority


def _textarea(label: str, rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, strip=False, widget=forms.Textarea(attrs={"rows": str(rows), "required": True})
    )


class _TextForm(forms.Form):
    """One text field named ``body``; three of these share the case page, so each gets
    its own element ids (``reply_body``, ``note_body``, …) for its label to point at."""

    id_prefix = "text"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ReplyForm(_TextForm):
    id_prefix = "reply"
    body = _textarea("Reply to the customer")


class NoteForm(_TextForm):
    id_prefix = "note"
    body = _textarea("Internal note (staff only)", rows=3)


class ResolutionForm(_TextForm):
    id_prefix = "resolution"
    body = _textarea("Proposed resolution", rows=3)


class AssignForm(forms.Form):
    owner = forms.ChoiceField(label="Owner", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["owner"]).choices = [
            ("", "Me"),
            *((u.email, u.full_name) for u in staff_members()),
        ]


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[
            (CaseStatus.OPEN.value, CaseStatus.OPEN.label),
            (CaseStatus.AWAITING_CUSTOMER.value, CaseStatus.AWAITING_CUSTOMER.label),
        ],
    )


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label="Priority", required=False, choices=Priority.choices)


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="Add a file", required=False, widget=forms.ClearableFileInput(attrs={"required": True})
    )
    internal = forms.BooleanField(label="Internal: staff only", required=False, initial=True)


class DecisionForm(forms.Form):
    note = forms.CharField(
        label="Note to the applicant",
        required=False,
        widget=forms.TextInput(attrs={"maxlength": "500"}),
        help_text="Sent with a rejection.",
    )


class OrderImportForm(forms.Form):
    file = forms.FileField(
        label="Sales-order file (CSV)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"required": True, "accept": ".csv,text/csv"}),
        help_text="Columns: sales_order, line, serial, sku, customer_account (required), ship_date, site_id, "
        "channel, partner_account.",
    )

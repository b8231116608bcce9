"""The form renderer writes the plain widgets in Python with the markup Django's own
widget templates write, for every kind of value and attribute (escaping included)."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from caredesk.web.forms import FastRenderer


class Everything(forms.Form):
    name = forms.CharField(max_length=20, help_text="Your name")
    email = forms.EmailField(required=False)
    count = forms.IntegerField(min_value=1)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    agree = forms.BooleanField(required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": "3", "placeholder": 'say "hi" <b>'}))
    kind = forms.ChoiceField(choices=[("", "Choose…"), ("a&b", "A & B"), ("c", mark_safe("<i>C</i>"))])
    grouped = forms.ChoiceField(choices=[("Group <1>", [("x", "X"), ("y", "Y")]), ("z", "Z")])
    many = forms.MultipleChoiceField(choices=[("1", "One"), ("2", "Two")], required=False)
    pick = forms.ChoiceField(choices=[("p", "P"), ("q", "Q")], widget=forms.RadioSelect)  # rendered by templates


VALUES: list[dict[str, Any]] = [
    {},
    {
        "name": 'O\'Neil "&" <Sons>',
        "email": "a@b.example",
        "count": "3",
        "secret": "s3<cr>et",
        "hidden": "h&h",
        "when": "2026-12-01",
        "agree": "on",
        "body": "line one\n<script>alert(1)</script>",
        "kind": "a&b",
        "grouped": "y",
        "many": ["1", "2"],
        "pick": "q",
    },
]


@pytest.mark.parametrize("data", VALUES)
def test_every_widget_reads_as_django_writes_it(data: dict[str, Any]) -> None:
    fast = Everything(data or None, renderer=FastRenderer())
    slow = Everything(data or None, renderer=DjangoTemplates())
    fast.is_bound and fast.is_valid()
    slow.is_bound and slow.is_valid()
    for name in Everything.base_fields:
        assert str(fast[name]) == str(slow[name]), name


def test_values_are_escaped() -> None:
    html = str(Everything({"name": "<b>x</b>"}, renderer=FastRenderer())["name"])
    assert "<b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_plain_widgets_are_not_rendered_by_templates(monkeypatch: Any) -> None:
    used: list[str] = []
    original = DjangoTemplates.render

    def spy(self: Any, template_name: str, context: Any, request: Any = None) -> str:
        used.append(template_name)
        return original(self, template_name, context, request)

    monkeypatch.setattr(DjangoTemplates, "render", spy)
    form = Everything(VALUES[1], renderer=FastRenderer())
    for name in Everything.base_fields:
        str(form[name])
    assert used and all("radio" in name or "multiple_input" in name for name in used), used

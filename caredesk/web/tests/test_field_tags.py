"""``{% field %}`` and ``{% form_errors %}``: one labelled field with its help and errors,
and the alert above a form, escaped, on every page without a ``{% load %}``."""

from __future__ import annotations

from django import forms
from django.template import engines


class Sample(forms.Form):
    serial = forms.CharField(label="Serial <number>", help_text="On the label & the box",
                             widget=forms.TextInput(attrs={"required": True}))  # fmt: skip
    note = forms.CharField(required=False, label="Note")
    agree = forms.BooleanField(required=False, label="I agree")
    name = forms.CharField()


def page(source: str, form: forms.Form) -> str:
    return engines["django"].from_string(source).render({"form": form})


def test_a_required_field_is_starred_and_an_optional_one_says_so_unless_told_not_to() -> None:
    form = Sample()
    assert '<span class="req" aria-hidden="true"> *</span>' in page("{% field form.serial %}", form)
    assert '<span class="optional">(optional)</span>' in page("{% field form.note %}", form)
    assert "optional" not in page("{% field form.note hide_optional=True %}", form)
    assert "field--wide" in page("{% field form.note wide=True %}", form)


def test_help_errors_and_labels_are_escaped_and_tied_to_the_input() -> None:
    form = Sample({"serial": "", "name": ""})
    form.is_valid()
    html = page("{% field form.serial %}", form)
    assert "Serial &lt;number&gt;" in html and "On the label &amp; the box" in html
    assert 'class="field field--invalid"' in html
    assert '<p class="field__help" id="id_serial_helptext">' in html
    assert '<p class="field__error" id="id_serial_error">This field is required.</p>' in html


def test_a_checkbox_comes_before_its_label() -> None:
    html = page("{% field form.agree %}", Sample())
    assert "field--check" in html and html.index("<input") < html.index("<label")


def test_the_alert_names_the_forms_own_errors_or_asks_for_attention() -> None:
    form = Sample({"serial": "x", "name": ""})
    form.is_valid()
    assert "Some fields need attention." in page("{% form_errors form %}", form)
    form.add_error(None, "The <whole> form is wrong")
    html = page("{% form_errors form %}", form)
    assert "The &lt;whole&gt; form is wrong" in html and "need attention" not in html
    assert page("{% form_errors form %}", Sample()) == ""


def test_a_sort_header_links_to_the_first_page_sorted_by_its_column() -> None:
    from django.test import RequestFactory

    from caredesk.web.pages import Column

    request = RequestFactory().get("/console/", {"q": "fan <tray>", "cursor": "abc", "sort": "-modified"})
    html = (
        engines["django"]
        .from_string("{% sort_header col %}")
        .render({"col": Column("priority", "Priority", "-priority", "asc")}, request)
    )
    assert 'aria-sort="ascending"' in html and 'class="sort sort--asc"' in html
    assert "cursor" not in html  # back to the first page
    assert 'href="?q=fan+%3Ctray%3E&amp;sort=-priority"' in html and ">Priority</a>" in html

"""Template tags every page has without ``{% load %}`` (``builtins`` in the settings).

``{% field form.x %}`` writes one labelled form field with its help and errors, and
``{% form_errors form %}`` the alert above a form that has errors. They were templates
included once per field (``ui/field.html``): a page with a dozen forms, like the console's
case page, spent a quarter of its time entering and leaving them. Written here, the markup
is the same and costs a few string joins. ``{% link name %}`` is ``{% url name %}`` for a
route without arguments, reversed once per process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.forms import BoundField, Form
from django.http import QueryDict
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from caredesk.web import dates
from caredesk.web.html import escape

register = template.Library()


@lru_cache(maxsize=256)
def _path(name: str, prefix: str, urlconf: str | None, language: str | None) -> str:
    # The arguments not passed on are the cache's key: reverse() reads them itself.
    return reverse(name, urlconf=urlconf)


@register.simple_tag
def link(name: str) -> str:
    """``{% url name %}`` for a route without arguments, reversed once per process: the page
    frame links to twenty of them on every page, and reversing each was a fifth of the
    frame's time. The address depends only on the name, the script prefix, the URLconf and
    the language, which are the cache's key."""
    return _path(name, get_script_prefix(), get_urlconf(), get_language())


@register.simple_tag
def field(bound: BoundField | str, *, hide_optional: bool = False, wide: bool = False) -> SafeString:
    """One labelled form field with its help text and errors."""
    if not isinstance(bound, BoundField):
        return mark_safe("")  # noqa: S308 - nothing to show (a field the form does not have)
    widget = bound.field.widget
    checkbox = getattr(widget, "input_type", None) == "checkbox"
    classes = "field"
    errors = bound.errors
    if errors:
        classes += " field--invalid"
    if checkbox:
        classes += " field--check"
    if wide:
        classes += " field--wide"
    label_for = escape(bound.id_for_label)
    label = escape(bound.label)
    if checkbox:
        body = f'\n    {bound}\n    <label for="{label_for}">{label}</label>\n  '
    else:
        mark = ""
        if widget.attrs.get("required"):
            mark = '<span class="req" aria-hidden="true"> *</span>'
        elif not bound.field.required and not hide_optional:
            optional = _("(optional)")  # outside the f-string, where message extraction finds it
            mark = f' <span class="optional">{escape(optional)}</span>'
        body = f'\n    <label for="{label_for}">{label}{mark}</label>\n    {bound}\n  '
    parts = [f'<div class="{classes}">', body]
    if bound.help_text:
        parts.append(f'\n  <p class="field__help" id="{escape(bound.auto_id)}_helptext">{escape(bound.help_text)}</p>')
    parts += [f'<p class="field__error" id="{escape(bound.auto_id)}_error">{escape(e)}</p>' for e in errors]
    parts.append("\n</div>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


@register.simple_tag
def form_errors(form: Form | str) -> SafeString:
    """The alert above a form with errors: its own errors, or a word that fields need attention."""
    if not isinstance(form, Form) or not form.errors:
        return mark_safe("")  # noqa: S308 - nothing to show
    own = form.non_field_errors()
    lines = "".join(f"<p>{escape(e)}</p>" for e in own) or f"<p>{escape(_('Some fields need attention.'))}</p>"
    return mark_safe(f'<div class="alert alert--error" role="alert">{lines}</div>')  # noqa: S308 - escaped


@register.simple_tag(takes_context=True)
def sort_header(context: template.Context, column: Any) -> SafeString:
    """One sortable column header of a case list (D-3.6: every column sorts): a link to the
    same list sorted by this column, from the first page (``web.pages.Column``)."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    query["sort"] = column.sort_param
    query.pop("cursor", None)
    href = escape(f"?{query.urlencode()}")
    state = f" sort--{escape(column.state)}" if column.state else ""
    return mark_safe(  # noqa: S308 - every value is escaped
        f'<th scope="col" aria-sort="{escape(column.aria_sort)}"><a class="sort{state}" href="{href}" '
        f'hx-get="{href}">{escape(column.label)}</a></th>'
    )


@register.filter
def when(moment: Any, arg: str = "") -> str:
    """A time in the viewer's zone, written as their language writes it, with the zone
    named (``|when:"nozone"`` without it)."""
    return dates.when(moment, zone_name=arg != "nozone")


@register.filter
def day(value: Any) -> str:
    return dates.day(value)


@register.filter
def when_support(moment: Any) -> str:
    """A due time: in the viewer's zone and, where that is another, the support centre's."""
    return dates.when_with_support_time(moment)

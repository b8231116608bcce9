"""HTML escaping for markup written in Python (``web.rows``, ``web.tags``, ``web.forms``)."""

from __future__ import annotations

from html import escape as _escape
from typing import Any

from django.utils.html import conditional_escape
from django.utils.safestring import SafeData


def escape(value: Any) -> str:
    """As the templates' autoescape: text escaped, text marked safe left as it is. The
    standard library's escape does the work, as in Django's own ``escape``, without the
    check of every argument for lazy translations that made it a third of a list's rows."""
    if isinstance(value, SafeData):
        return str(value)
    if hasattr(value, "__html__"):
        return str(conditional_escape(value))
    return _escape(str(value), quote=True)

"""Installed-base pages the portal and the console share (D-2.x): the asset list, one
asset with its entitlement, and the entitlement check. Each view calls the queries and
renders; the portal and the console wrap them with their own access and navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from caredesk.cases.queries import UNIT_CASES_MAX, cases_naming_unit
from caredesk.core.errors import NotFound, ValidationFailed
from caredesk.entitlements.models import HardwareReplacement
from caredesk.entitlements.queries import entitlement
from caredesk.installbase.queries import list_assets, today
from caredesk.web.pages import current_user

PAGE_SIZE = 25


def assets_page(request: HttpRequest, *, template: str, detail_url: str, nav: str) -> HttpResponse:
    user = current_user(request)
    query = request.GET.get("q", "")[:64]
    show = request.GET.get("show", "")
    error = ""
    try:
        page = list_assets(
            user,
            query=query,
            eol_only=show == "eol",
            nearing_end_of_support_only=show == "ending",
            cursor=request.GET.get("cursor") or None,
            limit=PAGE_SIZE,
        )
        items, next_cursor = page.items, page.next_cursor
    except ValidationFailed as exc:
        items, next_cursor, error = [], None, exc.message
    context = {
        "nav": nav,
        "assets": items,
        "next_cursor": next_cursor,
        "query": query,
        "show": show,
        "today": today(),
        "error": error,
        "detail_url": detail_url,
        "filtered": bool(query or show),
    }
    return render(request, template, context, status=422 if error else 200)


def entitlement_context(request: HttpRequest, text: str, *, kind: str = "") -> dict[str, Any]:
    """``answer`` for a visible serial, SSRN or contract id; ``not_found`` otherwise."""
    context: dict[str, Any] = {"query": text, "replacement_labels": HardwareReplacement.choices}
    if not text.strip():
        return context
    try:
        context["answer"] = entitlement(current_user(request), text, kind=kind)
    except NotFound as exc:
        context["not_found"] = exc.message
    except ValidationFailed as exc:
        context["error"] = exc.message
    return context


def unit_cases(request: HttpRequest, serial: str, *, case_url: str) -> dict[str, Any]:
    """The cases naming a unit that the viewer may see, newest first, for its page; and
    the name of the case page to link them to (the portal's or the console's)."""
    cases = cases_naming_unit(current_user(request), serial, limit=UNIT_CASES_MAX + 1)
    return {
        "unit_cases": cases[:UNIT_CASES_MAX],
        "unit_cases_more": len(cases) > UNIT_CASES_MAX,
        "case_url": case_url,
    }

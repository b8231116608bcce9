"""Console pages for what an agent reaches for first: opening a case on a customer's behalf,
closing with a reason and reopening, macros, bulk actions on the queue and saved views.

Thin like every view: each reads the form, calls one service, and shows its errors.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from caredesk.accounts.access import Capability, may, require
from caredesk.cases import queries, services
from caredesk.console.forms import CloseForm, MacroForm, ReopenForm, StaffCaseForm
from caredesk.console.views import _back, _case_page, _field_action, staff_page
from caredesk.core.errors import DomainError
from caredesk.web.pages import current_user, show_error

# --- opening a case on a customer's behalf (D-3.4) ---------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    """The phone call that becomes a case: organisation, contact and site, then the case."""
    user = current_user(request)
    require(user, Capability.OPEN_CASES_FOR_CUSTOMERS)
    if request.method == "GET":
        form = StaffCaseForm(user, initial={"organisation": request.GET.get("organisation", "")[:18]})
        return render(request, "console/case_new.html", {"form": form, "nav": "new_case"})
    form = StaffCaseForm(user, request.POST)
    if "refresh" in request.POST:
        # The organisation, its search or the request type changed: show what depends on it.
        return render(request, "console/case_new.html", {"form": form, "nav": "new_case"})
    try:
        case = services.open_case(user, form.new_case())
    except DomainError as exc:
        if exc.status == 404:
            raise
        show_error(form, exc, form.error_names())
        return render(request, "console/case_new.html", {"form": form, "nav": "new_case"}, status=exc.status)
    messages.success(
        request,
        _("Case %(case_id)s is open for %(contact)s.") % {"case_id": case.case_id, "contact": case.contact_name},
    )
    return _back(case.case_id)


# --- closing with a reason, reopening -------------------------------------------------------------


@staff_page
@require_POST
def case_close(request: HttpRequest, case_id: str) -> HttpResponse:
    user = current_user(request)
    post = request.POST
    return _field_action(
        request,
        case_id,
        "close_form",
        CloseForm(post),
        lambda: services.close_case(
            user, case_id, post.get("reason", ""), post.get("note", ""), post.get("duplicate_of", "")
        ),
        _("The case is closed."),
    )


@staff_page
@require_POST
def case_reopen(request: HttpRequest, case_id: str) -> HttpResponse:
    user = current_user(request)
    return _field_action(
        request,
        case_id,
        "reopen_form",
        ReopenForm(request.POST),
        lambda: services.reopen_case(user, case_id, request.POST.get("body", "")),
        _("The case is open again."),
    )


# --- macros -----------------------------------------------------------------------------------------


@staff_page
@require_POST
def case_macro(request: HttpRequest, case_id: str) -> HttpResponse:
    """Apply the chosen macro to the case (its reply or note, status and priority)."""
    user = current_user(request)
    queries.get_case(user, case_id)  # a case the agent may not see is the 404 page (D-1.3)
    raw = request.POST.get("macro", "")
    macro_id = int(raw) if raw.isdigit() and len(raw) < 18 else 0
    try:
        services.apply_macro(user, case_id, macro_id)
    except DomainError as exc:
        if exc.status == 403:  # staff_page: what they may not do is "not found"
            raise
        detail = " ".join(exc.fields.values())
        return _case_page(request, case_id, status=exc.status, action_error=f"{exc.message} {detail}".strip())
    messages.success(request, _("The macro is applied."))
    return _back(case_id)


def _macro_page(request: HttpRequest, form: MacroForm, *, editing: Any = None, status: int = 200) -> HttpResponse:
    user = current_user(request)
    context = {
        "nav": "macros",
        "macros": list(services.visible_macros(user)),
        "form": form,
        "editing": editing,
        "placeholders": [(name, label) for name, (label, _fn) in services.PLACEHOLDERS.items()],
        "may_share": may(user, Capability.MANAGE_SHARED_MACROS),
    }
    return render(request, "console/macros.html", context, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def macros(request: HttpRequest) -> HttpResponse:
    """The macros an agent may apply, and a form for a new one."""
    user = current_user(request)
    require(user, Capability.WORK_CASES)
    share = may(user, Capability.MANAGE_SHARED_MACROS)
    if request.method == "GET":
        return _macro_page(request, MacroForm(may_share=share))
    form = MacroForm(request.POST, may_share=share)
    try:
        macro = services.create_macro(user, form.macro_data())
    except DomainError as exc:
        show_error(form, exc)
        return _macro_page(request, form, status=exc.status)
    messages.success(request, _("The macro “%(name)s” is saved.") % {"name": macro.name})
    return redirect("console:macros")


@staff_page
@require_http_methods(["GET", "POST"])
def macro_edit(request: HttpRequest, macro_id: str) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.WORK_CASES)
    macro = services.visible_macros(user).filter(pk=int(macro_id)).first()
    if macro is None:
        raise Http404(_("No such macro."))
    if request.method == "GET":
        initial = {
            "name": macro.name,
            "body": macro.body,
            "as_note": macro.as_note,
            "set_status": macro.set_status,
            "set_priority": macro.set_priority,
        }
        return _macro_page(request, MacroForm(initial=initial), editing=macro)
    form = MacroForm(request.POST)
    try:
        if "delete" in request.POST:
            services.delete_macro(user, macro.pk)
            messages.success(request, _("The macro “%(name)s” is deleted.") % {"name": macro.name})
        else:
            services.update_macro(user, macro.pk, form.macro_data())
            messages.success(request, _("The macro “%(name)s” is saved.") % {"name": macro.name})
    except DomainError as exc:
        if exc.status in (403, 404):  # staff_page: both are "not found"
            raise
        show_error(form, exc)
        return _macro_page(request, form, editing=macro, status=exc.status)
    return redirect("console:macros")


# --- the queue: bulk actions and saved views ------------------------------------------------------


def _back_to_queue(request: HttpRequest) -> HttpResponse:
    """Back to the queue as it was (its filters and sort), never to another site."""
    target = request.POST.get("next", "")
    queue = reverse("console:queue")
    if not (target.startswith(queue) and url_has_allowed_host_and_scheme(target, allowed_hosts=None)):
        target = queue
    response = redirect(target)
    response.status_code = 303
    return response


@staff_page
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """One change to the cases chosen in the queue; all or nothing (``services.bulk_change``)."""
    user = current_user(request)
    action = request.POST.get("action", "")
    value = request.POST.get(action, "") if action in services.BULK_ACTIONS else ""
    ids = request.POST.getlist("case_ids")[: services.BULK_MAX + 1]
    try:
        changed = services.bulk_change(user, ids, action, value)
    except DomainError as exc:
        if exc.status in (403, 404):  # staff_page: both are "not found"
            raise
        details = [f"{name.removeprefix('cases.')}: {text}" for name, text in exc.fields.items()]
        messages.error(request, " ".join([exc.message, *details]))
    else:
        messages.success(request, _("%(count)d cases changed.") % {"count": len(changed)})
    return _back_to_queue(request)


@staff_page
@require_POST
def view_save(request: HttpRequest) -> HttpResponse:
    """Keep the queue's current filter and sort under a name."""
    post = request.POST
    data = services.ViewData(
        name=post.get("name", ""),
        query=post.get("q", ""),
        status=post.get("status", ""),
        priority=post.get("priority", ""),
        owner=post.get("owner", ""),
        sort=post.get("sort", "-modified") or "-modified",
    )
    try:
        view = services.save_view(current_user(request), data)
    except DomainError as exc:
        if exc.status in (403, 404):  # staff_page: both are "not found"
            raise
        messages.error(request, " ".join([exc.message, *exc.fields.values()]))
        return _back_to_queue(request)
    messages.success(request, _("The view “%(name)s” is saved.") % {"name": view.name})
    response = redirect(f"{reverse('console:queue')}?{urlencode(view.params())}")
    response.status_code = 303
    return response


@staff_page
@require_POST
def view_delete(request: HttpRequest, view_id: str) -> HttpResponse:
    services.delete_view(current_user(request), int(view_id))
    messages.success(request, _("The view is deleted."))
    return _back_to_queue(request)

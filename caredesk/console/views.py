"""Staff pages: the case queue, the case page with every action, registrations to approve.

Every view is behind ``staff_page``: anyone who is not vendor staff gets the 404 page, so
the console does not even confirm that a URL exists. Cases are fetched with ``get_case``,
which hides government customers' cases from staff who are not cleared (D-1.3).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from caredesk.accounts import services as accounts
from caredesk.accounts.access import Capability, may
from caredesk.accounts.queries import registrations_awaiting_approval
from caredesk.cases import queries, services
from caredesk.cases.models import CaseStatus
from caredesk.console.forms import (
    AssignForm,
    AttachmentForm,
    BulkForm,
    CloseForm,
    DecisionForm,
    NoteForm,
    PartShippedForm,
    PriorityForm,
    ReopenForm,
    ReplyForm,
    ResolutionForm,
    StatusForm,
    may_request_rma,
    rma_request_form,
)
from caredesk.core.clock import now
from caredesk.core.errors import DomainError, Forbidden, ValidationFailed
from caredesk.entitlements.queries import offers_of_case
from caredesk.rma import claims
from caredesk.rma.models import ClaimStatus
from caredesk.rma.queries import case_rma_requests
from caredesk.sla.queries import is_business_time
from caredesk.translation import services as translation
from caredesk.web.forms import EscalateForm
from caredesk.web.pages import (
    attachment_response,
    current_user,
    domain_errors,
    history_rows,
    list_params,
    priority_choices,
    show_error,
    status_choices,
    template_rows,
)
from caredesk.web.rows import queue_rows

PAGE_SIZE = 50


def staff_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def hiding_refusals(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except Forbidden as exc:
            # What a member of staff may not do is not there for them, as the console is
            # not there for anyone else: a page or action they lack the capability for
            # is "not found" (D-1.2), never a page saying it exists.
            raise Http404(exc.message) from exc

    guarded = domain_errors(hiding_refusals)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not may(current_user(request), Capability.USE_CONSOLE):
            raise Http404("No such page.")
        return guarded(request, *args, **kwargs)

    return wrapper


# --- the queue ---------------------------------------------------------------------------------


@staff_page
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    query = request.GET.copy()
    if "status" not in query:
        query["status"] = "active"  # the queue's default: everything not closed
    params = list_params(query, allow_owner=True, staff=True)
    error = ""
    try:
        page = queries.list_cases(user, params.filter, sort=params.sort, cursor=params.cursor, limit=PAGE_SIZE)
        items, next_cursor = queries.with_names(page.items), page.next_cursor
    except ValidationFailed as exc:
        items, next_cursor, error = [], None, exc.message
    context = {
        "nav": "queue",
        "cases": items,
        "rows": queue_rows(
            items, detail_url="console:case", contact_url="portal:contact", selectable=may(user, Capability.WORK_CASES)
        ),
        "saved_views": services.saved_view_list(user),
        "may_open": may(user, Capability.OPEN_CASES_FOR_CUSTOMERS),
        "may_work": may(user, Capability.WORK_CASES),
        "bulk_form": BulkForm(),
        "here": request.get_full_path(),
        "next_cursor": next_cursor,
        "params": params,
        "error": error,
        "status_choices": status_choices(with_active=True),
        "priority_choices": priority_choices(),
        "owner_choices": [("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody (unassigned)"))],
        "detail_url": "console:case",
        "filtered": bool(
            params.filter.query or params.filter.status != "active" or params.filter.priority or params.filter.owner
        ),
    }
    return render(request, "console/queue.html", context, status=422 if error else 200)


# --- the case page -----------------------------------------------------------------------------

FORMS = {
    "reply_form": ReplyForm,
    "note_form": NoteForm,
    "resolution_form": ResolutionForm,
    "attachment_form": AttachmentForm,
}


def _case_page(request: HttpRequest, case_id: str, status: int = 200, **bound: Any) -> HttpResponse:
    user = current_user(request)
    case = queries.get_case(user, case_id)
    ib_update = case.request_type is not None and case.request_type.code == services.INSTALLED_BASE_UPDATE
    context: dict[str, Any] = {
        "case": case,
        "thread": queries.case_thread(user, case),
        "opener_name": queries.opener_name(case),
        "attachments": queries.case_files(user, case),
        "history": history_rows(user, case),
        "template_rows": template_rows(case),
        "is_closed": case.status == CaseStatus.CLOSED,
        "can_propose": case.status == CaseStatus.OPEN,
        "show_contact_email": True,
        "ib_update": ib_update,
        "offers": list(offers_of_case(case.case_id)) if ib_update else [],
        "nav": "queue",
        "assign_form": bound.get("assign_form") or AssignForm(initial={"owner": ""}),
        "status_form": bound.get("status_form") or StatusForm(initial={"status": case.status}),
        "priority_form": bound.get("priority_form") or PriorityForm(initial={"priority": case.priority}),
        "action_error": bound.get("action_error", ""),
        "open_escalation": queries.open_escalation(user, case),
        "escalate_form": bound.get("escalate_form") or EscalateForm(),
        "escalate_url": "console:case_escalate",
        "serial_url": "console:asset",
        "close_form": bound.get("close_form") or CloseForm(),
        "reopen_form": bound.get("reopen_form") or ReopenForm(),
        "may_reopen": services.may_reopen(user, case),
        "reopen_until": services.reopen_deadline(case),
        "macros": services.macro_list(user),
        "draft_original": bound.get("draft_original", ""),
        "rma_requests": case_rma_requests(user, case.pk),
    }
    if may_request_rma(user, case):
        context["rma_form"] = rma_request_form(user, case)
    for name, form_class in FORMS.items():
        context[name] = bound.get(name) or form_class()
    context.update(_translation_context(user, case))
    claim = claims.claim_of_case(case)  # D-5.7: a Mis-shipment case's claim, and the "part shipped" form
    if claim is not None:
        context["claim_rows"] = claims.claim_rows(claim)
        if claim.status == ClaimStatus.OPEN and may(user, Capability.WORK_CASES):
            context["part_shipped_form"] = bound.get("part_shipped_form") or PartShippedForm()
    return render(request, "console/case.html", context, status=status)


def _translation_context(user: Any, case: Any) -> dict[str, str]:
    """D-7.5: the customer's language, and the agent's for the "translate" buttons (none
    when no translation server is set up or the agent may not use it)."""
    offered = translation.engine() is not None and may(user, Capability.TRANSLATE_MESSAGES)
    return {
        "translate_to": (user.language or get_language() or settings.LANGUAGE_CODE) if offered else "",
        "customer_language": case.contact.language or "",
        "draft_target": (case.contact.language or settings.LANGUAGE_CODE) if offered else "",
    }


@staff_page
@require_POST
def case_translate(request: HttpRequest, case_id: str) -> HttpResponse:
    """A customer's message (or the case's description) in the agent's language, shown
    beside the original: a fragment for htmx, a page without it."""
    raw = request.POST.get("message", "")
    message_id = int(raw) if raw.isdigit() and len(raw) <= 18 else 0
    try:
        done = translation.translate_message(current_user(request), case_id, message_id, request.POST.get("target", ""))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return _translation_answer(request, case_id, error=exc.message, status=exc.status)
    return _translation_answer(request, case_id, done=done)


@staff_page
@require_POST
def case_translate_draft(request: HttpRequest, case_id: str) -> HttpResponse:
    """The agent's draft reply in the customer's language: the reply form comes back with
    the translation in it and the draft beside it, to check before sending."""
    user = current_user(request)
    queries.get_case(user, case_id)  # the case must be one the agent may see
    draft = request.POST.get("body", "")
    try:
        done = translation.translate_draft(user, draft, request.POST.get("target", ""))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        form = FORMS["reply_form"](request.POST)
        show_error(form, exc)
        return _case_page(request, case_id, status=exc.status, reply_form=form)
    form = FORMS["reply_form"](initial={"body": done.text})
    return _case_page(request, case_id, reply_form=form, draft_original=done.original)


def _translation_answer(
    request: HttpRequest, case_id: str, *, done: Any = None, error: str = "", status: int = 200
) -> HttpResponse:
    template = "console/_translation.html" if request.headers.get("HX-Request") else "console/translation.html"
    return render(request, template, {"done": done, "error": error, "case_id": case_id}, status=status)


def _back(case_id: str) -> HttpResponse:
    response = redirect(reverse("console:case", args=[case_id]))
    response.status_code = 303  # followed with a GET, by the browser and by htmx
    return response


@staff_page
@require_GET
def case_detail(request: HttpRequest, case_id: str) -> HttpResponse:
    return _case_page(request, case_id)


@staff_page
@require_POST
def case_apply_update(request: HttpRequest, case_id: str) -> HttpResponse:
    """D-2.8: apply the move the case asks for."""
    try:
        offers = services.apply_installed_base_update(current_user(request), case_id)
    except DomainError as exc:
        if exc.status in (403, 404):  # staff_page: both are "not found"
            raise
        detail = " ".join(exc.fields.values())
        return _case_page(request, case_id, status=exc.status, action_error=f"{exc.message} {detail}".strip())
    if offers:
        messages.warning(
            request,
            ngettext(
                "The units are moved. %(n)s contract level cannot be delivered at the new site: the customer is "
                "offered the best deliverable level, and replacement is best effort until they accept.",
                "The units are moved. %(n)s contract levels cannot be delivered at the new site: the customer is "
                "offered the best deliverable level, and replacement is best effort until they accept.",
                len(offers),
            )
            % {"n": len(offers)},
        )
    else:
        messages.success(request, _("The units are moved; their service levels are delivered at the new site."))
    return _back(case_id)


def _text_action(
    request: HttpRequest, case_id: str, form_name: str, action: Callable[[str], Any], done: str
) -> HttpResponse:
    """Run a service that takes a text (reply, note, resolution); on an error show the page
    again with the text kept and the error on the field."""
    form = FORMS[form_name](request.POST)
    try:
        action(request.POST.get("body", ""))
    except DomainError as exc:
        if exc.status in (403, 404):  # staff_page: both are "not found"
            raise
        show_error(form, exc)
        return _case_page(request, case_id, status=exc.status, **{form_name: form})
    messages.success(request, done)
    return _back(case_id)


@staff_page
@require_POST
def case_reply(request: HttpRequest, case_id: str) -> HttpResponse:
    user = current_user(request)
    return _text_action(
        request, case_id, "reply_form", lambda body: services.reply(user, case_id, body), _("Reply sent.")
    )


@staff_page
@require_POST
def case_note(request: HttpRequest, case_id: str) -> HttpResponse:
    user = current_user(request)
    return _text_action(
        request, case_id, "note_form", lambda body: services.add_note(user, case_id, body), _("Internal note added.")
    )


@staff_page
@require_POST
def case_resolution(request: HttpRequest, case_id: str) -> HttpResponse:
    user = current_user(request)
    return _text_action(
        request,
        case_id,
        "resolution_form",
        lambda body: services.propose_resolution(user, case_id, body),
        _("Resolution proposed. The customer is asked to accept it."),
    )


# Service field names that differ from the console's form fields.
RENAMES = {"owner_email": "owner"}


def _field_action(
    request: HttpRequest, case_id: str, form_name: str, form: Any, action: Callable[[], Any], done: str
) -> HttpResponse:
    try:
        action()
    except DomainError as exc:
        if exc.status in (403, 404):  # staff_page: both are "not found"
            raise
        show_error(form, exc, RENAMES)
        return _case_page(request, case_id, status=exc.status, **{form_name: form})
    messages.success(request, done)
    return _back(case_id)


@staff_page
@require_POST
def case_assign(request: HttpRequest, case_id: str) -> HttpResponse:
    user = current_user(request)
    owner = request.POST.get("owner", "").strip()
    return _field_action(
        request,
        case_id,
        "assign_form",
        AssignForm(request.POST),
        lambda: services.assign(user, case_id, owner or None),
        _("The case is assigned to you.") if not owner or owner == user.email else _("The case is assigned."),
    )


@staff_page
@require_POST
def case_status(request: HttpRequest, case_id: str) -> HttpResponse:
    user = current_user(request)
    status = request.POST.get("status", "")
    return _field_action(
        request,
        case_id,
        "status_form",
        StatusForm(request.POST),
        lambda: services.set_status(user, case_id, status),
        _("Status changed."),
    )


@staff_page
@require_POST
def case_priority(request: HttpRequest, case_id: str) -> HttpResponse:
    user = current_user(request)
    priority = request.POST.get("priority", "")
    return _field_action(
        request,
        case_id,
        "priority_form",
        PriorityForm(request.POST),
        lambda: services.change_priority(user, case_id, priority),
        _("Priority changed."),
    )


@staff_page
@require_POST
def case_attach(request: HttpRequest, case_id: str) -> HttpResponse:
    form = AttachmentForm(request.POST, request.FILES)
    upload = request.FILES.get("file")
    internal = request.POST.get("internal") in ("on", "true", "1")

    def attach() -> Any:
        if upload is None:
            raise ValidationFailed(_("Choose a file to attach."), fields={"file": _("No file chosen.")})
        return services.attach(current_user(request), case_id, upload, internal=internal)

    return _field_action(request, case_id, "attachment_form", form, attach, _("File attached."))


@staff_page
@require_GET
def attachment_download(request: HttpRequest, case_id: str, attachment_id: str) -> FileResponse:
    return attachment_response(current_user(request), case_id, attachment_id)


# --- escalations (D-4.5, D-4.6) ----------------------------------------------------------------


@staff_page
@require_POST
def case_escalate(request: HttpRequest, case_id: str) -> HttpResponse:
    """An agent escalates for the customer (D-4.5)."""
    user = current_user(request)
    kind, reason = request.POST.get("kind", ""), request.POST.get("reason", "")
    return _field_action(
        request,
        case_id,
        "escalate_form",
        EscalateForm(request.POST),
        lambda: services.escalate(user, case_id, kind, reason),
        _("The case is escalated to the escalation team."),
    )


@staff_page
@require_GET
def escalations(request: HttpRequest) -> HttpResponse:
    """The escalation team's queue: escalations not yet handled, oldest first."""
    on_call = {"yes": True, "no": False}.get(request.GET.get("on_call", ""))
    rows = queries.escalation_queue(current_user(request), on_call=on_call)
    return render(request, "console/escalations.html", {"escalations": rows, "nav": "escalations", "on_call": on_call})


@staff_page
@require_GET
def on_call(request: HttpRequest) -> HttpResponse:
    """Outside business days (D-4.6): escalations for the on-call team and P1 cases nobody
    has answered yet."""
    user = current_user(request)
    context = {
        "escalations": queries.escalation_queue(user, on_call=True),
        "cases": queries.on_call_cases(user),
        "business_now": is_business_time(now()),
        "nav": "on_call",
    }
    return render(request, "console/on_call.html", context)


@staff_page
@require_POST
def escalation_handled(request: HttpRequest, escalation_id: str) -> HttpResponse:
    try:
        escalation = services.handle_escalation(
            current_user(request), int(escalation_id), request.POST.get("outcome", "")
        )
    except DomainError as exc:
        if exc.status in (403, 404):  # staff_page: both are "not found"
            raise
        messages.error(request, " ".join([exc.message, *exc.fields.values()]))
        return redirect("console:escalations")
    messages.success(request, _("The escalation of %(case_id)s is handled.") % {"case_id": escalation.case.case_id})
    return _back(escalation.case.case_id)


# --- the manager dashboard -------------------------------------------------------------------------


@staff_page
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Response-target compliance by week and priority, open breaches, backlog by age."""
    try:
        weeks = min(max(int(request.GET.get("weeks", "8")), 1), 52)
    except ValueError:
        weeks = 8
    board = queries.dashboard(current_user(request), weeks=weeks)
    priorities = ["P1", "P2", "P3", "P4"]
    by_week = [{"week": week, "cells": [c for c in board.compliance if c["week"] == week]} for week in board.weeks]
    biggest = max([row["total"] for row in board.backlog] or [0]) or 1
    backlog = [
        {**row, "bars": [(p, row[p], round(100 * row[p] / biggest, 1)) for p in priorities]} for row in board.backlog
    ]
    context = {"board": board, "by_week": by_week, "backlog": backlog, "priorities": priorities, "weeks": weeks,
               "nav": "dashboard"}  # fmt: skip
    return render(request, "console/dashboard.html", context)


# --- registrations (D-1.4) -----------------------------------------------------------------------


@staff_page
@require_GET
def registrations(request: HttpRequest) -> HttpResponse:
    pending = list(registrations_awaiting_approval(current_user(request))[:200])
    return render(
        request,
        "console/registrations.html",
        {"registrations": pending, "nav": "registrations", "form": DecisionForm()},
    )


@staff_page
@require_POST
def registration_decide(request: HttpRequest, registration_id: str) -> HttpResponse:
    approve = request.POST.get("decision") == "approve"
    try:
        registration = accounts.decide_registration(
            int(registration_id), current_user(request), approve=approve, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        if exc.status in (403, 404):  # staff_page: both are "not found"
            raise
        messages.error(request, exc.message)
    else:
        if approve:
            messages.success(request, _("Approved: %(email)s can log in now.") % {"email": registration.email})
        else:
            messages.info(request, _("Rejected the request of %(email)s.") % {"email": registration.email})
    return redirect("console:registrations")

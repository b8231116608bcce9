"""The customer's RMA requests (D-5.1 – D-5.3): My RMAs, found by validation number, RMA
number (whole or ``R…-n``) or serial (D-3.6), and one request with its lines, its
questions and answers, cancelling it, and the answer to a time-and-material quote.

Every request is looked up through ``rma.queries``, which answers NotFound for one the
user may not see (D-1.3); ``domain_errors`` turns that into the 404 page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from caredesk.accounts.access import Capability, may
from caredesk.core.errors import DomainError
from caredesk.portal.forms import RmaCancelForm, RmaQuestionForm
from caredesk.rma import queries, services
from caredesk.rma.models import QuoteStatus
from caredesk.web.pages import current_user, domain_errors, show_error
from caredesk.web.rma import line_rows, return_instructions_of, status_choices

PAGE_SIZE = 25


@login_required
@require_GET
@domain_errors
def rmas(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if user.is_vendor_staff:
        return redirect("console:rmas")
    q = request.GET.get("q", "").strip()[:64]
    status = request.GET.get("status", "")[:16]
    error = ""
    try:
        page = queries.list_rma_requests(
            user, status=status, q=q, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE
        )
        items, next_cursor = page.items, page.next_cursor
    except DomainError as exc:
        items, next_cursor, error = [], None, exc.message
    context = {
        "nav": "rmas",
        "requests": queries.with_line_counts(items),
        "next_cursor": next_cursor,
        "q": q,
        "status": status,
        "status_choices": status_choices(with_open=False),
        "filtered": bool(q or status),
        "error": error,
    }
    return render(request, "portal/rmas.html", context, status=422 if error else 200)


def _page(request: HttpRequest, number: str, status: int = 200, **forms: Any) -> HttpResponse:
    user = current_user(request)
    rma = queries.get_rma_request(user, number)
    customer = not user.is_vendor_staff
    lines = line_rows(rma)
    context = {
        "rma": rma,
        "lines": lines,
        "returns": return_instructions_of([row.line for row in lines]),
        "thread": queries.rma_messages(user, rma),
        "may_ask": customer and rma.is_open and may(user, Capability.ASK_ABOUT_RMAS),
        "may_answer_quote": customer
        and rma.is_open
        and rma.quote_status == QuoteStatus.OFFERED
        and may(user, Capability.ANSWER_RMA_QUOTES),
        "question_form": forms.get("question_form") or RmaQuestionForm(),
        "cancel_form": forms.get("cancel_form") or RmaCancelForm(),
        "action_error": forms.get("action_error", ""),
        "nav": "rmas",
    }
    return render(request, "portal/rma.html", context, status=status)


@login_required
@require_GET
@domain_errors
def rma_detail(request: HttpRequest, number: str) -> HttpResponse:
    user = current_user(request)
    if user.is_vendor_staff:
        rma = queries.get_rma_request(user, number)  # 404 for a request the staff member may not see
        return redirect("console:rma", number=rma.number)
    return _page(request, number)


def _back(number: str) -> HttpResponse:
    # 303: the browser (and htmx) follows with a GET of the request's page.
    response = redirect(reverse("portal:rma", args=[number]))
    response.status_code = 303
    return response


@login_required
@require_POST
@domain_errors
def rma_question(request: HttpRequest, number: str) -> HttpResponse:
    form = RmaQuestionForm(request.POST)
    try:
        services.ask_question(current_user(request), number, request.POST.get("body", ""))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        show_error(form, exc)
        return _page(request, number, status=exc.status, question_form=form)
    messages.success(request, _("Your question is sent. An RMA specialist will answer it here."))
    return _back(number)


@login_required
@require_POST
@domain_errors
def rma_cancel(request: HttpRequest, number: str) -> HttpResponse:
    form = RmaCancelForm(request.POST)
    try:
        services.cancel(current_user(request), number, request.POST.get("reason", ""))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        show_error(form, exc)
        return _page(request, number, status=exc.status, cancel_form=form)
    messages.success(request, _("The RMA request is cancelled."))
    return _back(number)


@login_required
@require_POST
@domain_errors
def rma_quote(request: HttpRequest, number: str) -> HttpResponse:
    """D-5.2: the customer accepts or declines the time-and-material quote."""
    accept = request.POST.get("answer") == "accept"
    try:
        services.answer_quote(current_user(request), number, accept)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return _page(request, number, status=exc.status, action_error=exc.message)
    if accept:
        messages.success(request, _("You accepted the quote. The RMA specialist can now approve the request."))
    else:
        messages.success(request, _("You declined the quote. The units it priced are taken off the request."))
    return _back(number)


@login_required
@require_GET
@domain_errors
def rma_label(request: HttpRequest, number: str) -> HttpResponse:
    """The return label to print and stick on the box (D-5.4): every line whose unit is
    still expected, or one line (``R…-n``); the same PDF as ``GET /api/v1/rmas/{number}/label``."""
    label = services.return_label(current_user(request), number)
    response = HttpResponse(label.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{label.filename}"'
    return response

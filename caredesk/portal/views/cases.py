"""The customer's cases: the list (D-3.6), opening a case (D-3.4), the case page (D-3.5).

Every case is looked up through ``get_case``, which answers NotFound for a case the user
may not see (D-1.3); ``domain_errors`` turns that into the 404 page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caredesk.accounts.models import User
from caredesk.cases import queries, services
from caredesk.cases.models import Case, CaseStatus
from caredesk.core.errors import DomainError, ValidationFailed
from caredesk.entitlements.queries import offers_of_case, product_identity, technical_case_refusal
from caredesk.portal.forms import AttachmentForm, CaseForm, RejectForm, ReopenForm, ReplyForm
from caredesk.rma import claims
from caredesk.rma.queries import case_rma_requests
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

PAGE_SIZE = 25

# --- the list ------------------------------------------------------------------------------


@login_required
@require_GET
@domain_errors
def home(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if user.is_vendor_staff:
        return redirect("console:queue")
    params = list_params(request.GET)
    error = ""
    try:
        page = queries.list_cases(user, params.filter, sort=params.sort, cursor=params.cursor, limit=PAGE_SIZE)
        items, next_cursor = page.items, page.next_cursor
    except ValidationFailed as exc:
        items, next_cursor, error = [], None, exc.message
    context = {
        "nav": "cases",
        "cases": items,
        "next_cursor": next_cursor,
        "params": params,
        "error": error,
        "status_choices": status_choices(with_active=True),
        "priority_choices": priority_choices(),
        "detail_url": "portal:case",
        "filtered": bool(params.filter.query or params.filter.status or params.filter.priority),
    }
    return render(request, "portal/cases.html", context, status=422 if error else 200)


# --- opening a case -------------------------------------------------------------------------


def _org_id(raw: str) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 18 else None


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def case_new(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if user.is_vendor_staff:
        messages.info(request, _("Staff open cases on a customer's behalf from the API for now."))
        return redirect("console:queue")
    if request.method == "GET":
        initial = {
            "callback_phone": user.phone,
            "request_type": request.GET.get("type", ""),
            "kind": "technical" if request.GET.get("kind") == "technical" else "admin",
            "serial_number": request.GET.get("serial", "")[:64],
        }
        form = CaseForm(user, initial=initial)
        return render(request, "portal/case_new.html", {"form": form, "nav": "new"})
    form = CaseForm(user, request.POST)
    if "refresh" in request.POST:
        # Without JavaScript the sub-types come by submitting the chosen type.
        return render(request, "portal/case_new.html", {"form": form, "nav": "new"})
    data = request.POST
    new = services.NewCase(
        kind=data.get("kind", "admin") or "admin",
        request_type=data.get("request_type", ""),
        request_subtype=data.get("request_subtype", ""),
        priority=data.get("priority", ""),
        follow_up_method=data.get("follow_up_method", ""),
        callback_phone=data.get("callback_phone", ""),
        summary=data.get("summary", ""),
        description=data.get("description", ""),
        serial_number=data.get("serial_number", ""),
        ssrn=data.get("ssrn", ""),
        customer_tracking_number=data.get("customer_tracking_number", ""),
        template_data=form.template_data(),
        organisation_id=_org_id(data.get("organisation", "")) if form.acts_for_several else None,
        site_code=data.get("site", "").strip(),
    )
    try:
        case = services.open_case(user, new)
    except DomainError as exc:
        show_error(form, exc, form.error_names())
        return render(request, "portal/case_new.html", {"form": form, "nav": "new"}, status=exc.status)
    messages.success(request, _("Case %(id)s is open. We will get back to you.") % {"id": case.case_id})
    return redirect("portal:case", case_id=case.case_id)


@login_required
@require_GET
def case_type_fields(request: HttpRequest) -> HttpResponse:
    """The sub-type select and the template fields of one request type (an htmx fragment)."""
    form = CaseForm(current_user(request), initial={"request_type": request.GET.get("request_type", "")[:64]})
    return render(request, "portal/_type_fields.html", {"form": form})


# --- the case page ----------------------------------------------------------------------------


def case_context(user: User, case: Case) -> dict[str, Any]:
    return {
        "case": case,
        "thread": queries.case_thread(user, case),
        "opener_name": queries.opener_name(case),
        "attachments": queries.case_files(user, case),
        "history": history_rows(user, case),
        "template_rows": template_rows(case),
        "is_closed": case.status == CaseStatus.CLOSED,
        "resolution_pending": case.status == CaseStatus.RESOLUTION_PROPOSED,
        "may_answer": services.may_answer_resolution(user, case),
        "offers": list(offers_of_case(case.case_id)),
        "auto_close_days": settings.CASE_AUTO_CLOSE_DAYS,
        "open_escalation": queries.open_escalation(user, case),
        "may_escalate": services.may_answer_resolution(user, case),
        "may_reopen": services.may_reopen(user, case),
        "reopen_until": services.reopen_deadline(case),
        "rma_requests": case_rma_requests(user, case.pk),
    }


def _case_page(request: HttpRequest, case_id: str, status: int = 200, **forms: Any) -> HttpResponse:
    user = current_user(request)
    case = queries.get_case(user, case_id)
    context = case_context(user, case)
    context.update(
        reply_form=forms.get("reply_form") or ReplyForm(),
        reject_form=forms.get("reject_form") or RejectForm(),
        attachment_form=forms.get("attachment_form") or AttachmentForm(),
        escalate_form=forms.get("escalate_form") or EscalateForm(),
        reopen_form=forms.get("reopen_form") or ReopenForm(),
        escalate_url="portal:case_escalate",
        nav="cases",
    )
    claim = claims.claim_of_case(case)  # D-5.7: a Mis-shipment case's claim, with the tracking number once shipped
    if claim is not None:
        context["claim_rows"] = claims.claim_rows(claim)
    return render(request, "portal/case.html", context, status=status)


@login_required
@require_GET
@domain_errors
def case_detail(request: HttpRequest, case_id: str) -> HttpResponse:
    if current_user(request).is_vendor_staff:
        queries.get_case(current_user(request), case_id)  # 404 for cases the staff member may not see
        return redirect("console:case", case_id=case_id)
    return _case_page(request, case_id)


def _back(case_id: str) -> HttpResponse:
    # 303: the browser (and htmx) follows with a GET of the case page.
    response = redirect(reverse("portal:case", args=[case_id]))
    response.status_code = 303
    return response


@login_required
@require_POST
@domain_errors
def case_reply(request: HttpRequest, case_id: str) -> HttpResponse:
    form = ReplyForm(request.POST)
    try:
        services.reply(current_user(request), case_id, request.POST.get("body", ""))
    except ValidationFailed as exc:
        show_error(form, exc)
        return _case_page(request, case_id, status=exc.status, reply_form=form)
    except DomainError as exc:
        if exc.status == 404:
            raise
        show_error(form, exc)
        return _case_page(request, case_id, status=exc.status, reply_form=form)
    messages.success(request, _("Your reply is added."))
    return _back(case_id)


@login_required
@require_POST
@domain_errors
def case_accept(request: HttpRequest, case_id: str) -> HttpResponse:
    try:
        services.accept_resolution(current_user(request), case_id)
    except DomainError as exc:
        if exc.status in (403, 404):  # a refusal is its own page, not a message after a redirect
            raise
        messages.error(request, exc.message)
        return _back(case_id)
    messages.success(request, _("Thank you. The case is closed."))
    return _back(case_id)


@login_required
@require_POST
@domain_errors
def case_reject(request: HttpRequest, case_id: str) -> HttpResponse:
    form = RejectForm(request.POST)
    try:
        services.reject_resolution(current_user(request), case_id, request.POST.get("reason", ""))
    except DomainError as exc:
        if exc.status == 404:
            raise
        show_error(form, exc, {"body": "reason"})
        return _case_page(request, case_id, status=exc.status, reject_form=form)
    messages.success(request, _("Thank you. The case is open again and your answer is on it."))
    return _back(case_id)


@login_required
@require_POST
@domain_errors
def case_reopen(request: HttpRequest, case_id: str) -> HttpResponse:
    """The customer reopens a closed case within the reopening window; after it, they are
    asked to open a new case."""
    form = ReopenForm(request.POST)
    try:
        services.reopen_case(current_user(request), case_id, request.POST.get("note", ""))
    except DomainError as exc:
        if exc.status == 404:
            raise
        show_error(form, exc, {"body": "note"})
        return _case_page(request, case_id, status=exc.status, reopen_form=form)
    messages.success(request, _("The case is open again. Customer Care will get back to you."))
    return _back(case_id)


@login_required
@require_POST
@domain_errors
def case_escalate(request: HttpRequest, case_id: str) -> HttpResponse:
    """D-4.5: the customer escalates the case."""
    form = EscalateForm(request.POST)
    try:
        escalation = services.escalate(
            current_user(request), case_id, request.POST.get("kind", ""), request.POST.get("reason", "")
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        show_error(form, exc)
        return _case_page(request, case_id, status=exc.status, escalate_form=form)
    if escalation.on_call:
        messages.success(request, _("Your case is escalated. It is outside business days: the on-call escalation "
                                    "team has it and will contact you."))  # fmt: skip
    else:
        messages.success(request, _("Your case is escalated. The escalation team will contact you."))
    return _back(case_id)


@login_required
@require_POST
@domain_errors
def case_attach(request: HttpRequest, case_id: str) -> HttpResponse:
    form = AttachmentForm(request.POST, request.FILES)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            message = _("Choose a file to attach.")
            raise ValidationFailed(message, fields={"file": message})
        attachment = services.attach(current_user(request), case_id, upload)
    except DomainError as exc:
        if exc.status == 404:
            raise
        show_error(form, exc)
        return _case_page(request, case_id, status=exc.status, attachment_form=form)
    messages.success(request, _("%(name)s is attached.") % {"name": attachment.filename})
    return _back(case_id)


@login_required
@require_GET
@domain_errors
def attachment_download(request: HttpRequest, case_id: str, attachment_id: str) -> FileResponse:
    return attachment_response(current_user(request), case_id, attachment_id)


@login_required
@require_GET
@domain_errors
def case_product(request: HttpRequest) -> HttpResponse:
    """The htmx fragment under the serial and SSRN fields: the product series and platform
    they name (D-3.4), and for a technical case whether it may be opened (D-3.2)."""
    user = current_user(request)
    serial = request.GET.get("serial_number", "").strip()[:64]
    ssrn = request.GET.get("ssrn", "").strip()[:64]
    organisation_id = _org_id(request.GET.get("organisation", "")) or user.organisation_id
    technical = request.GET.get("kind") == "technical"
    context: dict[str, Any] = {"looked_up": bool(serial or ssrn), "technical": technical}
    if serial or ssrn:
        context["product"] = product_identity(user, serial, ssrn, organisation_id=organisation_id)
        if technical:
            context["refusal"] = technical_case_refusal(user, serial, ssrn, organisation_id=organisation_id)
    return render(request, "portal/_product.html", context)


@login_required
@require_POST
@domain_errors
def case_offer_accept(request: HttpRequest, case_id: str, offer_id: str) -> HttpResponse:
    """D-2.8: the customer accepts the service level offered after a move."""
    try:
        offer = services.accept_service_level_offer(current_user(request), case_id, int(offer_id))
    except DomainError as exc:
        if exc.status in (403, 404):  # a refusal is its own page, not a message after a redirect
            raise
        messages.error(request, exc.message)
        return _back(case_id)
    messages.success(
        request,
        _("Contract %(contract)s now has %(level)s.")
        % {"contract": offer.contract.contract_id, "level": offer.offered_level.label()},
    )
    return _back(case_id)

"""Claiming a mis-shipment (D-5.7). Its own page rather than the template fields of the
new-case form: a claim names lines of one order, so the customer first gives the order
number and then picks from the lines the installed base knows of it, which a case
template's fixed fields cannot offer. The new-case form sends customers here when they
choose *Mis-shipment*; the claim opens that case, and the customer lands on it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from caredesk.accounts.access import Capability, require
from caredesk.core.errors import DomainError
from caredesk.portal.forms import MisShipmentClaimForm
from caredesk.rma import claims
from caredesk.web.pages import current_user, domain_errors, show_error


def _numbers(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit() and len(v) <= 9]


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def claim_new(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.OPEN_CASES)
    data = request.POST if request.method == "POST" else request.GET
    order = (data.get("sales_order") or "").strip()[: claims.ORDER_MAX]
    lines = claims.order_lines(user, order) if order else []
    context = {"nav": "new", "order": order, "lines": lines, "claim_days": settings.MIS_SHIPMENT_CLAIM_DAYS}
    if request.method == "GET" or "show_lines" in request.POST:
        initial = {"sales_order": order, "callback_phone": user.phone, "priority": "P3", "follow_up_method": "email"}
        chosen = {"order_lines": request.POST.getlist("order_lines")} if request.method == "POST" else {}
        form = MisShipmentClaimForm(user, lines, initial={**initial, **request.POST.dict(), **chosen})
        return render(request, "portal/claim_new.html", {**context, "form": form})
    form = MisShipmentClaimForm(user, lines, request.POST)
    organisation = data.get("organisation", "")[:18]
    new = claims.NewClaim(
        sales_order=order,
        kind=data.get("kind", ""),
        order_lines=_numbers(request.POST.getlist("order_lines")),
        priority=data.get("priority", ""),
        follow_up_method=data.get("follow_up_method", ""),
        callback_phone=data.get("callback_phone", ""),
        summary=data.get("summary", ""),
        description=data.get("description", ""),
        organisation_id=int(organisation) if form.acts_for_several and organisation.isdigit() else None,
    )
    try:
        claim = claims.claim_mis_shipment(user, new)
    except DomainError as exc:
        show_error(form, exc, {"organisation_id": "organisation"})
        return render(request, "portal/claim_new.html", {**context, "form": form}, status=exc.status)
    messages.success(
        request, _("Your mis-shipment claim is case %(id)s. We will get back to you.") % {"id": claim.case.case_id}
    )
    return redirect("portal:case", case_id=claim.case.case_id)

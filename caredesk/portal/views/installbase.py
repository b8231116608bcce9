"""The customer's installed base: their units (D-2.1, D-2.2), one unit with its
entitlement, the entitlement check by serial, SSRN or contract id (D-2.6), and the
activation of a support e-certificate (D-2.7)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caredesk.core.errors import DomainError
from caredesk.entitlements import services
from caredesk.installbase import services as ib_services
from caredesk.portal.forms import ActivationForm
from caredesk.web.installbase import assets_page, entitlement_context, unit_cases
from caredesk.web.pages import current_user, domain_errors, show_error


@login_required
@require_GET
@domain_errors
def assets(request: HttpRequest) -> HttpResponse:
    return assets_page(request, template="portal/assets.html", detail_url="portal:asset", nav="assets")


@login_required
@require_GET
@domain_errors
def asset(request: HttpRequest, serial: str) -> HttpResponse:
    context = entitlement_context(request, serial, kind="serial")
    if "answer" not in context:
        raise Http404("No such unit.")
    serial = context["answer"].assets[0].asset.serial
    cases = unit_cases(request, serial, case_url="portal:case")
    return render(request, "portal/asset.html", {**context, **cases, "cases_search": "portal:home", "nav": "assets"})


@login_required
@require_GET
@domain_errors
def entitlement_check(request: HttpRequest) -> HttpResponse:
    context = entitlement_context(request, request.GET.get("q", "")[:64])
    status = 404 if "not_found" in context else 422 if "error" in context else 200
    return render(request, "portal/entitlement.html", {**context, "nav": "entitlement"}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def ecertificate(request: HttpRequest) -> HttpResponse:
    form = ActivationForm(request.POST or None, initial={"code": request.GET.get("code", "")[:32]})
    status = 200
    if request.method == "POST":
        try:
            contract = services.activate_ecertificate(
                current_user(request), request.POST.get("code", ""), request.POST.get("serial", "")
            )
        except DomainError as exc:
            show_error(form, exc, rename={"code": "code"})
            status = exc.status
        else:
            serial = contract.assets.values_list("serial", flat=True).first() or ""
            messages.success(
                request,
                _("Certificate activated: contract %(contract)s covers the unit from %(start)s to %(end)s.")
                % {
                    "contract": contract.contract_id,
                    "start": date_format(contract.starts_on, "d M Y"),
                    "end": date_format(contract.ends_on, "d M Y"),
                },
            )
            return redirect("portal:asset", serial=serial)
    return render(request, "portal/ecertificate.html", {"form": form, "nav": "assets"}, status=status)


@login_required
@require_POST
@domain_errors
def asset_reinstatement(request: HttpRequest, serial: str) -> HttpResponse:
    """Ask for inspection and reinstatement of a unit (D-2.9)."""
    try:
        ib_services.request_reinstatement(current_user(request), serial)
    except DomainError as exc:
        if exc.status in (403, 404):  # a refusal is its own page, not a message after a redirect
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Reinstatement requested. Customer Care will arrange the inspection."))
    return redirect("portal:asset", serial=serial)


@login_required
@require_POST
@domain_errors
def asset_transfer(request: HttpRequest, serial: str) -> HttpResponse:
    """Ask to transfer a unit to another customer (D-2.9)."""
    try:
        ib_services.request_transfer(current_user(request), serial, request.POST.get("new_owner", ""))
    except DomainError as exc:
        if exc.status in (403, 404):  # a refusal is its own page, not a message after a redirect
            raise
        messages.error(request, " ".join([exc.message, *exc.fields.values()]))
    else:
        messages.success(
            request, _("Transfer requested. Customer Care will confirm it with both parties before the unit moves.")
        )
    return redirect("portal:asset", serial=serial)

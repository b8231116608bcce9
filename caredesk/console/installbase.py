"""Staff pages of the installed base: every unit staff may see, one unit with its
entitlement, the entitlement check, and sales-order imports with their reports (D-2.x)."""

from __future__ import annotations

from typing import IO, cast

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from caredesk.accounts.access import Capability, may
from caredesk.console.forms import OrderImportForm
from caredesk.console.views import staff_page
from caredesk.core.errors import DomainError, Forbidden, ValidationFailed
from caredesk.installbase import services as ib_services
from caredesk.installbase.queries import get_order_import, open_requests, visible_order_imports
from caredesk.installbase.services import import_orders, rejection_report
from caredesk.web.installbase import assets_page, entitlement_context, unit_cases
from caredesk.web.pages import current_user, show_error


@staff_page
@require_GET
def assets(request: HttpRequest) -> HttpResponse:
    return assets_page(request, template="console/assets.html", detail_url="console:asset", nav="assets")


@staff_page
@require_GET
def asset(request: HttpRequest, serial: str) -> HttpResponse:
    context = entitlement_context(request, serial, kind="serial")
    if "answer" not in context:
        raise Http404("No such unit.")
    serial = context["answer"].assets[0].asset.serial
    cases = unit_cases(request, serial, case_url="console:case")
    return render(request, "console/asset.html", {**context, **cases, "cases_search": "console:queue", "nav": "assets"})


@staff_page
@require_GET
def entitlement_check(request: HttpRequest) -> HttpResponse:
    context = entitlement_context(request, request.GET.get("q", "")[:64])
    status = 404 if "not_found" in context else 422 if "error" in context else 200
    return render(request, "console/entitlement.html", {**context, "nav": "entitlement"}, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def order_imports(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    imports = visible_order_imports(user)
    if not may(user, Capability.IMPORT_ORDERS):
        raise Http404("No such page.")
    form = OrderImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationFailed(_("Choose a CSV file."), fields={"file": _("Required.")})
            if upload.size is not None and upload.size > settings.ORDER_IMPORT_MAX_BYTES:
                raise ValidationFailed(_("The file is too large."), fields={"file": _("Too large.")})
            result = import_orders(cast(IO[bytes], upload), source=upload.name or "upload.csv", actor=user)
        except DomainError as exc:
            show_error(form, exc)
            status = exc.status
        else:
            s = result.summary
            messages.success(
                request,
                _(
                    "%(rows)s rows: %(created)s units registered, %(changed)s changed, %(unchanged)s unchanged, "
                    "%(rejected)s refused."
                )
                % s,
            )
            return redirect("console:order_imports")
    context = {"form": form, "imports": imports.select_related("started_by")[:50], "nav": "imports"}
    return render(request, "console/order_imports.html", context, status=status)


@staff_page
@require_GET
def order_import_report(request: HttpRequest, import_id: str) -> HttpResponse | StreamingHttpResponse:
    order_import = get_order_import(current_user(request), int(import_id))
    response = StreamingHttpResponse(rejection_report(order_import), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="order-import-{order_import.pk}-rejected.csv"'
    return response


@staff_page
@require_http_methods(["GET", "POST"])
def requests(request: HttpRequest) -> HttpResponse:
    """Ownership transfers and reinstatements waiting for a decision (D-2.9)."""
    user = current_user(request)
    status = 200
    if request.method == "POST":
        try:
            item_id = int(request.POST.get("id", "0") or 0)
            if request.POST.get("kind") == "transfer":
                ib_services.decide_transfer(
                    user, item_id, approve=request.POST.get("decision") == "approve", note=request.POST.get("note", "")
                )
            else:
                ib_services.advance_reinstatement(
                    user, item_id, request.POST.get("step", ""), note=request.POST.get("note", ""),
                    fee=request.POST.get("fee") or None,
                )  # fmt: skip
        except (DomainError, ValueError) as exc:
            if isinstance(exc, Forbidden):
                raise  # staff_page: what one may not decide is "not found"
            messages.error(request, exc.message if isinstance(exc, DomainError) else _("Not a valid request."))
            status = exc.status if isinstance(exc, DomainError) else 400
        else:
            messages.success(request, _("Recorded."))
            return redirect("console:requests")
    transfers, reinstatements = open_requests(user)
    context = {"transfers": list(transfers), "reinstatements": list(reinstatements), "nav": "requests"}
    return render(request, "console/requests.html", context, status=status)

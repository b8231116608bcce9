"""Staff pages of RMA logistics: the depot's receiving page (D-5.4), and the charges for
defective units not returned in time (D-5.5). Thin: the rules are ``rma.services``'."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caredesk.accounts.access import Capability, require
from caredesk.console.forms import ReceiptForm, WaiveForm
from caredesk.console.views import staff_page
from caredesk.core.errors import DomainError, ValidationFailed
from caredesk.rma import services
from caredesk.rma.models import ParcelOutcome
from caredesk.rma.queries import list_return_charges, recent_parcels
from caredesk.web.pages import current_user, show_error


@staff_page
@require_http_methods(["GET", "POST"])
def depot(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.RECEIVE_RETURNS)
    form = ReceiptForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.receive_parcel(user, form.cleaned_data["scanned"], form.cleaned_data["serial"])
        except DomainError as exc:
            show_error(form, exc)
            form.ready_for_the_next_scan()
            status = exc.status
        else:
            parcel = booking.parcel
            if parcel.outcome == ParcelOutcome.RECEIVED:
                messages.success(
                    request,
                    _("Received against %(line)s.") % {"line": booking.line.line_number if booking.line else ""},
                )
            elif parcel.outcome == ParcelOutcome.SERIAL_MISMATCH:
                messages.warning(
                    request,
                    _("Held: the unit inside is %(found)s, but line %(line)s is for %(expected)s.")
                    % {
                        "found": parcel.serial,
                        "line": booking.line.line_number if booking.line else "",
                        "expected": booking.line.serial if booking.line else "",
                    },  # fmt: skip
                )
            else:
                messages.error(request, _("No open RMA line matches %(scanned)s: return the box to the sender.")
                               % {"scanned": parcel.scanned})  # fmt: skip
            return redirect("console:depot")  # a fresh, empty field for the next box
    elif request.method == "POST":
        form.ready_for_the_next_scan()
        status = 422
    return render(
        request, "console/depot.html", {"form": form, "parcels": recent_parcels(user), "nav": "depot"}, status=status
    )


@staff_page
@require_GET
def charges(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    status = request.GET.get("status", "open")[:8]
    try:
        page = list_return_charges(user, status=status, cursor=request.GET.get("cursor") or None)
    except ValidationFailed:
        status, page = "open", list_return_charges(user, status="open")
    return render(
        request,
        "console/charges.html",
        {"page": page, "status": status, "form": WaiveForm(), "nav": "charges"},
    )


@staff_page
@require_POST
def charge_waive(request: HttpRequest, charge_id: int) -> HttpResponse:
    user = current_user(request)
    form = WaiveForm(request.POST)
    form.is_valid()
    try:
        services.waive_charge(user, int(charge_id), form.cleaned_data.get("reason", ""))
    except ValidationFailed as exc:
        messages.error(request, exc.fields.get("reason", exc.message))
    else:
        messages.success(request, _("The charge is waived."))
    return redirect("console:charges")

"""The console's side of mis-shipment claims (D-5.7): the claim is shown on its case's
page (``views._case_page``); here staff record that the correct part has shipped."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caredesk.console.forms import PartShippedForm
from caredesk.console.views import _back, _case_page, staff_page
from caredesk.core.errors import DomainError
from caredesk.rma import claims
from caredesk.web.pages import current_user, show_error


@staff_page
@require_POST
def case_part_shipped(request: HttpRequest, case_id: str) -> HttpResponse:
    form = PartShippedForm(request.POST)
    try:
        claims.record_part_shipped(
            current_user(request), case_id, request.POST.get("carrier", ""), request.POST.get("tracking_number", "")
        )
    except DomainError as exc:
        if exc.status in (403, 404):  # staff_page: both are "not found"
            raise
        show_error(form, exc)
        return _case_page(request, case_id, status=exc.status, part_shipped_form=form)
    messages.success(request, _("The shipment of the correct part is recorded; the claim shows its tracking number."))
    return _back(case_id)

"""Personal API tokens: make one (its secret is shown once), list them, revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from caredesk.accounts import services
from caredesk.core.errors import DomainError
from caredesk.portal.forms import TokenForm
from caredesk.web.pages import current_user, domain_errors, show_error


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def tokens(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = TokenForm(request.POST or None)
    issued = None
    status = 200
    if request.method == "POST":
        try:
            issued = services.issue_api_token(user, request.POST.get("name", ""))
        except DomainError as exc:
            show_error(form, exc)
            status = exc.status
        else:
            form = TokenForm()
    context = {
        "form": form,
        "issued": issued,
        "tokens": list(user.api_tokens.order_by(F("revoked_at").asc(nulls_first=True), "-created_at")),
        "nav": "tokens",
    }
    return render(request, "portal/tokens.html", context, status=status)


@login_required
@require_POST
@domain_errors
def token_revoke(request: HttpRequest, token_id: str) -> HttpResponse:
    services.revoke_api_token(current_user(request), int(token_id))
    messages.success(request, _("The token is revoked. Programs using it can no longer call the API."))
    return redirect("portal:tokens")

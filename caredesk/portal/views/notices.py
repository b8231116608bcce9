"""Which e-mail notices reach me (D-7.4): one checkbox per notice, for customers and staff."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from caredesk.notifications import services
from caredesk.web.pages import current_user, domain_errors


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def notices(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if request.method == "POST":
        services.set_preferences(user, set(request.POST.getlist("on")))
        messages.success(request, "Your e-mail notices are saved.")
        return redirect("portal:notices")
    muted = services.muted_events(user)
    rows = [(n.event, n.label, n.event not in muted) for n in services.notices_for(user)]
    return render(request, "portal/notices.html", {"rows": rows, "nav": "notices"})

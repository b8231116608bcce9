"""Which e-mail notices reach me (D-7.4): one checkbox per notice, for customers and staff,
and the e-mails that were sent to me, newest first."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from caredesk.core.errors import ValidationFailed
from caredesk.notifications import queries, services
from caredesk.web.pages import current_user, domain_errors

PAGE_SIZE = 20


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def notices(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if request.method == "POST":
        services.set_preferences(user, set(request.POST.getlist("on")))
        messages.success(request, _("Your e-mail notices are saved."))
        # The profile page shows the same checkboxes: back to where they were ticked.
        return redirect("portal:profile" if request.POST.get("next") == "profile" else "portal:notices")
    muted = services.muted_events(user)
    rows = [(n.event, n.label, n.event not in muted) for n in services.notices_for(user)]
    try:
        page = queries.own_messages(user, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
    except ValidationFailed:
        return redirect("portal:notices")  # a spoilt cursor: start from the newest
    context = {"rows": rows, "nav": "notices", "sent": page.items, "next_cursor": page.next_cursor,
               "paged": bool(request.GET.get("cursor"))}  # fmt: skip
    return render(request, "portal/notices.html", context)

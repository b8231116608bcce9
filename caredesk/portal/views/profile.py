"""One's own profile (D-7.5): name, phone numbers, language, time zone, and which e-mail
notices reach one (kept by the notices view, shown here too)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from caredesk.accounts import services
from caredesk.core.errors import ValidationFailed
from caredesk.notifications import services as notifications
from caredesk.portal.forms import ProfileForm
from caredesk.web.locale import remember_language
from caredesk.web.pages import current_user, domain_errors, show_error


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def profile(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    initial = {name: getattr(user, name) for name in services.PROFILE_FIELDS}
    form = ProfileForm(request.POST or None, initial=initial, languages=list(settings.LANGUAGES),
                       zones=sorted(services.time_zone_names()))  # fmt: skip
    status = 200
    if request.method == "POST":
        changes = {name: request.POST.get(name, "") for name in services.PROFILE_FIELDS if name in request.POST}
        try:
            services.update_profile(user, changes)
        except ValidationFailed as exc:
            show_error(form, exc)
            status = 422
        else:
            messages.success(request, _("Your profile is saved."))
            response = redirect("portal:profile")
            remember_language(response, user.language)  # so the login page speaks it too
            return response
    muted = notifications.muted_events(user)
    rows = [(n.event, n.label, n.event not in muted) for n in notifications.notices_for(user)]
    context = {"form": form, "rows": rows, "nav": "profile", "support_time_zone": settings.SUPPORT_TIME_ZONE}
    return render(request, "portal/profile.html", context, status=status)

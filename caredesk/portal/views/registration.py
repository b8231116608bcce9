"""Self-service registration in the four steps of D-1.4.

1. name and e-mail → the service e-mails a one-time link;
2. the link proves the address. Opening it shows a button; pressing it verifies, and
   the service swaps the e-mailed secret for a fresh one kept only in this session, so
   the link cannot be used again (and a mail scanner that fetches links does not use it up);
3. the organisation: a serial number or contract id, or a request for a new account;
4. password and terms. The end page says whether the account is ready or waits for an agent.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from caredesk.accounts import services
from caredesk.accounts.auth import client_ip
from caredesk.accounts.models import Registration, RegistrationStatus
from caredesk.core.errors import DomainError, NotFound, Throttled
from caredesk.core.maillog import mail_log
from caredesk.portal.forms import RegisterOrganisationForm, RegisterPasswordForm, RegisterStartForm
from caredesk.web.pages import show_error

SESSION_SECRET = "registration_secret"  # noqa: S105 - a session key, not a secret
SESSION_OUTCOME = "registration_outcome"
STEPS = [
    gettext_lazy("Name and e-mail"),
    gettext_lazy("Confirm e-mail"),
    gettext_lazy("Organisation"),
    gettext_lazy("Password"),
]


def _steps(current: int) -> list[dict[str, object]]:
    return [{"label": label, "current": i == current, "done": i < current} for i, label in enumerate(STEPS, 1)]


def _session_registration(request: HttpRequest) -> tuple[str, Registration] | None:
    secret = request.session.get(SESSION_SECRET, "")
    if not secret:
        return None
    try:
        return secret, services.registration_for(secret)
    except NotFound:
        request.session.pop(SESSION_SECRET, None)
        return None


def _restart(request: HttpRequest) -> HttpResponse:
    messages.warning(request, _("Your registration session has ended. Please start again."))
    return redirect("portal:register")


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = RegisterStartForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.start_registration(
                form.cleaned_data["full_name"], form.cleaned_data["email"], client_ip=client_ip(request)
            )
        except Throttled:
            show_error(form, DomainError(_("Too many registrations from your network. Please try again later.")))
            status = 429
        except DomainError as exc:
            show_error(form, exc)
            status = 422
        else:
            # Same page whether or not the address has an account (the e-mail tells its owner).
            context = {"email": form.cleaned_data["email"], "steps": _steps(2), "mail_log": mail_log()}
            return render(request, "portal/register_sent.html", context)
    return render(request, "portal/register_start.html", {"form": form, "steps": _steps(1)}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, secret: str) -> HttpResponse:
    if request.method == "POST":
        try:
            _registration, fresh = services.verify_registration(secret)
        except NotFound as exc:
            return render(request, "portal/register_invalid.html", {"message": exc.message}, status=404)
        request.session[SESSION_SECRET] = fresh
        messages.success(request, _("Your e-mail address is confirmed."))
        return redirect("portal:register_organisation")
    try:
        registration = services.registration_for(secret)
    except NotFound as exc:
        return render(request, "portal/register_invalid.html", {"message": exc.message}, status=404)
    if registration.status != RegistrationStatus.STARTED:
        return render(
            request,
            "portal/register_invalid.html",
            {"message": _("This registration link was already used.")},
            status=404,
        )
    return render(request, "portal/register_verify.html", {"registration": registration, "steps": _steps(2)})


@never_cache
@require_http_methods(["GET", "POST"])
def organisation(request: HttpRequest) -> HttpResponse:
    found = _session_registration(request)
    if found is None:
        return _restart(request)
    secret, registration = found
    initial = {
        "how": "new" if registration.new_organisation_name else "proof",
        "proof": registration.proof,
        "new_organisation_name": registration.new_organisation_name,
        "country": registration.new_organisation_country,
    }
    form = RegisterOrganisationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        new_account = form.cleaned_data["how"] == "new"
        try:
            services.choose_registration_organisation(
                secret,
                proof="" if new_account else form.cleaned_data["proof"],
                new_organisation_name=form.cleaned_data["new_organisation_name"] if new_account else "",
                country=form.cleaned_data["country"] if new_account else "",
                new_account=new_account,
            )
        except NotFound:
            return _restart(request)
        except DomainError as exc:
            show_error(form, exc)
        else:
            return redirect("portal:register_password")
    context = {"form": form, "steps": _steps(3), "registration": registration}
    return render(request, "portal/register_organisation.html", context, status=422 if form.errors else 200)


@never_cache
@sensitive_post_parameters("password", "confirm_password")
@require_http_methods(["GET", "POST"])
def password(request: HttpRequest) -> HttpResponse:
    found = _session_registration(request)
    if found is None:
        return _restart(request)
    secret, registration = found
    if registration.organisation_id is None and not registration.new_organisation_name:
        return redirect("portal:register_organisation")
    form = RegisterPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = services.finish_registration(
                secret, password=form.cleaned_data["password"], accept_terms=form.cleaned_data["accept_terms"]
            )
        except NotFound:
            return _restart(request)
        except DomainError as exc:
            show_error(form, exc)
        else:
            request.session.pop(SESSION_SECRET, None)
            request.session[SESSION_OUTCOME] = done.status
            return redirect("portal:register_done")
    context = {"form": form, "steps": _steps(4), "registration": registration}
    return render(request, "portal/register_password.html", context, status=422 if form.errors else 200)


@require_GET
def done(request: HttpRequest) -> HttpResponse:
    outcome = request.session.get(SESSION_OUTCOME)
    if outcome is None:
        return redirect("portal:register")
    context = {
        "ready": outcome == RegistrationStatus.COMPLETED,
        "waits_for_organisation": outcome == RegistrationStatus.AWAITING_ORG_ADMIN,
    }
    return render(request, "portal/register_done.html", context)

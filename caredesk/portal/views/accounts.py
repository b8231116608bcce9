"""Logging in and out, changing and resetting the password (D-1.5)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caredesk.accounts import queries, services
from caredesk.accounts.auth import client_ip
from caredesk.accounts.middleware import MUST_CHANGE_PASSWORD
from caredesk.core.errors import DomainError, Forbidden, NotFound, Throttled
from caredesk.portal.forms import LoginForm, PasswordChangeForm, ResetForm, ResetRequestForm
from caredesk.web.pages import current_user, domain_errors, show_error


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def _minutes(seconds: int) -> int:
    return max(1, (seconds + 59) // 60)


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_page(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET" and not request.session.get(MUST_CHANGE_PASSWORD):
        return redirect(_safe_next(request) or settings.LOGIN_REDIRECT_URL)
    form = LoginForm(request.POST or None)
    status = 200
    locked = False
    if request.method == "POST":
        try:
            result = services.log_in(
                request.POST.get("email", ""), request.POST.get("password", ""), client_ip=client_ip(request)
            )
        except Throttled as exc:
            minutes = _minutes(exc.retry_after)
            message = ngettext(
                "%(reason)s You can try again in %(n)s minute.",
                "%(reason)s You can try again in %(n)s minutes.",
                minutes,
            ) % {"reason": exc.message, "n": minutes}
            show_error(form, DomainError(message))
            status = 429
        except Forbidden as exc:
            locked = exc.code == "account_locked"
            show_error(form, exc)
            status = 403
        except DomainError as exc:
            show_error(form, exc)
            status = 401 if exc.status == 401 else exc.status
        else:
            return _start_session(request, result)
    context = {"form": form, "next": _safe_next(request), "locked": locked}
    return render(request, "portal/login.html", context, status=status)


def _start_session(request: HttpRequest, result: services.LoginResult) -> HttpResponse:
    login(request, result.user)
    if result.must_change_password:
        # D-1.5: an expired password logs in only to change it; the middleware
        # keeps every other page away until it is changed.
        request.session[MUST_CHANGE_PASSWORD] = True
        messages.warning(request, _("Your password has expired. Choose a new one to continue."))
        return redirect("portal:password_change")
    return redirect(_safe_next(request) or settings.LOGIN_REDIRECT_URL)


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_link(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The one-time link e-mailed to an address under attack (D-1.5). Opening it shows a
    button; only the POST signs in, so a mail scanner that follows links uses nothing up."""
    try:
        person = services.user_for_sign_in_link(uidb64, token)
        if request.method == "POST":
            return _start_session(request, services.log_in_with_link(uidb64, token))
    except (NotFound, Forbidden) as exc:
        return render(request, "portal/sign_in_link.html", {"message": exc.message}, status=exc.status)
    return render(request, "portal/sign_in_link.html", {"person": person})


@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("portal:login")


@never_cache
@login_required
@sensitive_post_parameters("old_password", "new_password", "confirm_password")
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = PasswordChangeForm(request.POST or None)
    expired = bool(request.session.get(MUST_CHANGE_PASSWORD))
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(user, form.cleaned_data["old_password"], form.cleaned_data["new_password"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            update_session_auth_hash(request, user)
            request.session.pop(MUST_CHANGE_PASSWORD, None)
            messages.success(request, _("Your password is changed."))
            return redirect(settings.LOGIN_REDIRECT_URL)
    status = 422 if form.errors else 200
    return render(request, "portal/password_change.html", {"form": form, "expired": expired}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """ "Reset my password": the only way back into a locked account (D-1.5)."""
    form = ResetRequestForm(request.POST or None, initial={"email": request.GET.get("email", "")[:254]})
    if request.method == "POST" and form.is_valid():
        try:
            services.request_password_reset(form.cleaned_data["email"], client_ip=client_ip(request))
        except Throttled as exc:
            minutes = _minutes(exc.retry_after)
            message = ngettext(
                "Too many requests. Try again in %(n)s minute.",
                "Too many requests. Try again in %(n)s minutes.",
                minutes,
            ) % {"n": minutes}
            show_error(form, DomainError(message))
            return render(request, "portal/password_reset.html", {"form": form}, status=429)
        except DomainError as exc:
            show_error(form, exc)
        else:
            # The same answer whether or not the address has an account.
            return render(request, "portal/password_reset_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "portal/password_reset.html", {"form": form}, status=422 if form.errors else 200)


@never_cache
@sensitive_post_parameters("new_password", "confirm_password")
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    try:
        services.user_for_reset(uidb64, token)
    except NotFound as exc:
        return render(request, "portal/password_reset_invalid.html", {"message": exc.message}, status=404)
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_password_reset(uidb64, token, form.cleaned_data["new_password"])
        except NotFound as exc:
            return render(request, "portal/password_reset_invalid.html", {"message": exc.message}, status=404)
        except DomainError as exc:
            show_error(form, exc)
        else:
            if request.user.is_authenticated:
                logout(request)
            messages.success(request, _("Your new password is set. Log in with it."))
            return redirect("portal:login")
    return render(request, "portal/password_reset_confirm.html", {"form": form}, status=422 if form.errors else 200)


@require_GET
def terms(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/terms.html")


@login_required
@require_http_methods(["GET"])
@domain_errors
def contact(request: HttpRequest, contact_id: str) -> HttpResponse:
    """The contact details behind a contact's name in the case lists (D-3.6)."""
    person = queries.get_contact(current_user(request), int(contact_id))
    return render(request, "portal/contact.html", {"person": person})

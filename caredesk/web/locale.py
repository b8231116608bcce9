"""Which language and time zone a page is in (D-7.5, D-3.6), and the switcher every page has.

Django's ``LocaleMiddleware`` (before the session is read) picks the language of the
switcher's cookie, else the browser's ``Accept-Language``, else ``CAREDESK_LANGUAGE``.
After authentication, :class:`PersonalLocaleMiddleware` lets a logged-in person's own
choice win, and shows times in their time zone (the support centre's when they chose
none). API requests authenticated by a token get the same in ``api.auth``.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from caredesk.accounts.models import User


@lru_cache(maxsize=64)
def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None  # a name that tzdata no longer knows: the support centre's time


def activate_for(user: User) -> None:
    """The person's language and time zone for the rest of this request, where they chose one."""
    if user.language and user.language in _codes():
        translation.activate(user.language)
    zone = _zone(user.time_zone) if user.time_zone else None
    if zone is not None:
        timezone.activate(zone)
    else:
        timezone.deactivate()


@lru_cache(maxsize=1)
def _codes() -> frozenset[str]:
    return frozenset(code for code, _name in settings.LANGUAGES)


class PersonalLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if isinstance(user, User):  # logged in (an anonymous visitor is not a User)
            activate_for(user)
            request.LANGUAGE_CODE = translation.get_language()
        else:
            timezone.deactivate()
        return self.get_response(request)


def remember_language(response: HttpResponse, code: str) -> None:
    """The switcher's cookie (LocaleMiddleware reads it): ``code``, or none for "as the browser asks"."""
    if not code:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        return
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
    )


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """The switcher: remembered in a cookie on this browser, and on the profile of a person
    who is logged in. Back to the page it was used on (a local address only)."""
    from caredesk.accounts import services
    from caredesk.core.errors import ValidationFailed

    code = request.POST.get("language", "")
    back = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/"
    response = HttpResponseRedirect(back)
    if code not in _codes():
        return response  # nothing to remember; the page stays as it was
    user = request.user
    if isinstance(user, User):
        try:
            services.set_language(user, code)
        except ValidationFailed:
            return response
    remember_language(response, code)
    return response

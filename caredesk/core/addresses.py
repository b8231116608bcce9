"""The address people reach caredesk on, for the links in e-mails.

``CAREDESK_BASE_URL``, when set, is the address, always. Unset (the default, so that
``make run`` on another port or host needs no setting), links follow the address the
server is reached on:

- inside a request, the address of that request (scheme and ``Host``, which Django has
  checked against ``ALLOWED_HOSTS``), so the link in a verification mail opens where the
  visitor registered;
- outside a request (the sweeps, jobs, the demo, a management command), the last address
  any request came in on, kept in the shared cache so that the worker and scheduler
  processes see what the web processes saw;
- before any request at all, the address ``caredesk run`` serves on (``CAREDESK_BIND`` or
  ``PORT``).

A public installation sets ``CAREDESK_BASE_URL``: a server reached on several names would
otherwise link to whichever was used last, and the Host header, however checked, is the
client's to choose among the allowed names.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

CACHE_KEY = "caredesk:last-address"
_request_address: ContextVar[str] = ContextVar("caredesk_request_address", default="")
# What this process last wrote to the cache, and until when it need not write it again:
# a write on change, and once in a while in case the cache lost it (a restarted Redis).
_remembered: dict[str, str | float] = {"address": "", "until": 0.0}
_REFRESH_SECONDS = 600.0


def base_url() -> str:
    """The address for links, without a trailing slash (see the module's docstring)."""
    if settings.BASE_URL:
        return str(settings.BASE_URL)
    address = _request_address.get()
    if address:
        return address
    last = cache.get(CACHE_KEY)
    if isinstance(last, str) and last:
        return last
    return str(settings.SERVED_URL)


def link(path: str) -> str:
    """An absolute link to ``path`` ("/login/") at ``base_url()``."""
    return base_url() + "/" + path.lstrip("/")


def remember(address: str) -> None:
    """Keep ``address`` as the last known one, for mails made outside a request."""
    moment = time.monotonic()
    if address and (address != _remembered["address"] or moment > float(_remembered["until"])):
        cache.set(CACHE_KEY, address, timeout=None)
        _remembered.update(address=address, until=moment + _REFRESH_SECONDS)


class RequestAddressMiddleware:
    """Makes the request's own address the base of the links written while it runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.BASE_URL:
            return self.get_response(request)
        try:
            address = f"{request.scheme}://{request.get_host()}"
        except DisallowedHost:
            return self.get_response(request)  # Django answers 400 for it; no link is made
        token = _request_address.set(address)
        try:
            remember(address)
            return self.get_response(request)
        finally:
            _request_address.reset(token)

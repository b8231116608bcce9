"""Rate limits key on the client's address; a forwarded address is believed only from
the operator's own proxies."""

from __future__ import annotations

from django.test import RequestFactory

from caredesk.accounts.auth import client_ip


def test_a_forwarded_header_from_an_unknown_peer_is_ignored(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXIES = set()
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_ip(request) == "203.0.113.9"


def test_the_address_seen_by_the_last_trusted_proxy_is_the_client(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXIES = {"10.0.0.2", "10.0.0.3"}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7, 10.0.0.3")
    assert client_ip(request) == "198.51.100.7"  # 6.6.6.6 was sent by the client itself

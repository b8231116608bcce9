"""Typed readers for deployment settings taken from the environment.

Every deployment choice comes from an environment variable. These helpers fail
loudly (``ImproperlyConfigured``) on a value they cannot read, naming the
variable, so that a typo in a deployment stops the process at start-up instead
of silently falling back to a default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    return (os.environ if environ is None else environ).get(name)


def env_str(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    return default if value is None else value


def env_bool(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    folded = value.strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false/1/0), got {value!r}")


def env_int(
    name: str,
    default: int,
    environ: Mapping[str, str] | None = None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, got {number}")
    return number


def env_list(
    name: str, default: list[str], environ: Mapping[str, str] | None = None, *, non_empty: bool = False
) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return list(default)
    items = [item.strip() for item in value.split(",") if item.strip()]
    if non_empty and not items:
        raise ImproperlyConfigured(f"{name} must list at least one value (comma-separated), got {value!r}")
    return items


def env_url(name: str, default: str, environ: Mapping[str, str] | None = None, *, schemes: set[str]) -> str:
    """An absolute URL with one of ``schemes`` and a host, e.g. for links put in e-mails."""
    from urllib.parse import urlsplit

    value = env_str(name, default, environ).strip()
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        port_ok = False
        parts = urlsplit("")
    if parts.scheme not in schemes or not parts.hostname or not port_ok or parts.query or parts.fragment:
        allowed = "/".join(sorted(schemes))
        raise ImproperlyConfigured(
            f"{name} must be an absolute {allowed} URL like https://care.example.com, got {value!r}"
        )
    return value


def env_choice(name: str, default: str, choices: set[str], environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    if value is None:
        return default
    if value not in choices:
        allowed = ", ".join(sorted(choices))
        raise ImproperlyConfigured(f"{name} must be one of {allowed}, got {value!r}")
    return value


def env_timezone(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    value = env_str(name, default, environ)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name} must be an IANA time zone name, got {value!r}") from None
    return value

"""Counters in the shared cache for login and token endpoints (D-1.5 throttling).

The cache is local memory on one node and Redis when scaled out (``REDIS_URL``), so
limits hold across web processes in production. Subjects (addresses, client IPs) are
hashed so the cache never holds them in clear.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache
from django.utils.translation import gettext as _

from caredesk.core.errors import Throttled


def _digest(subject: str) -> str:
    return hashlib.sha256(subject.lower().encode()).hexdigest()[:32]


def _incr(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def hit(scope: str, subject: str, *, limit: int, window: int) -> None:
    """Count one attempt; raise ``Throttled`` past ``limit`` attempts in ``window`` seconds.

    The window opens at the first attempt (not at a wall-clock boundary), so a burst
    cannot straddle two windows and get twice the limit.
    """
    if _incr(f"rl:{scope}:{_digest(subject)}", window) > limit:
        raise Throttled(_("Too many attempts. Please wait and try again."), retry_after=window)


def blocked_for(scope: str, subject: str) -> int:
    """Seconds left on a lockout of ``subject``, 0 when none."""
    until = cache.get(f"rl-block:{scope}:{_digest(subject)}")
    return 0 if until is None else max(int(until - time.time()), 0)


def count_failure(scope: str, subject: str, *, limit: int, window: int, lockout: int) -> bool:
    """Count a failure; at ``limit`` failures within ``window`` lock ``subject`` out for
    ``lockout`` seconds. True when that happened."""
    digest = _digest(subject)
    if _incr(f"rl-fail:{scope}:{digest}", window) < limit:
        return False
    cache.set(f"rl-block:{scope}:{digest}", time.time() + lockout, lockout)
    cache.delete(f"rl-fail:{scope}:{digest}")
    return True


def clear_failures(scope: str, subject: str) -> None:
    digest = _digest(subject)
    cache.delete_many([f"rl-fail:{scope}:{digest}", f"rl-block:{scope}:{digest}"])


def take_once(scope: str, subject: str, *, window: int) -> bool:
    """True the first time in ``window`` seconds for ``subject``, False after that (one
    e-mail per lockout, not one per attempt)."""
    return bool(cache.add(f"rl-once:{scope}:{_digest(subject)}", 1, timeout=window))


def generation(scope: str, subject: str) -> int:
    """A number that ``next_generation`` changes: put into a subject, it drops every
    counter made with the old one at once (all clients' failures for an address)."""
    return int(cache.get(f"rl-gen:{scope}:{_digest(subject)}", 0))


def next_generation(scope: str, subject: str, *, keep: int) -> None:
    """Start a new generation, remembered for ``keep`` seconds: at least as long as the
    counters made with it live, so forgetting it cannot bring an old counter back."""
    cache.set(f"rl-gen:{scope}:{_digest(subject)}", generation(scope, subject) + 1, timeout=keep)

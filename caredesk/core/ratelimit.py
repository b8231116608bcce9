"""Fixed-window counters in the shared cache, for login and token endpoints.

The cache is local memory on one node and Redis when scaled out (``REDIS_URL``), so
limits hold across web processes in production.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache

from caredesk.core.errors import Throttled


def _key(scope: str, subject: str, window: int) -> tuple[str, int]:
    bucket = int(time.time()) // window
    digest = hashlib.sha256(subject.lower().encode()).hexdigest()[:32]
    return f"rl:{scope}:{digest}:{bucket}", window - int(time.time()) % window


def hit(scope: str, subject: str, *, limit: int, window: int) -> None:
    """Count one attempt; raise ``Throttled`` once more than ``limit`` fall in the window."""
    key, remaining = _key(scope, subject, window)
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    if count > limit:
        raise Throttled("Too many attempts. Please wait and try again.", retry_after=max(remaining, 1))


def block(scope: str, subject: str, seconds: int) -> None:
    cache.set(f"rl-block:{scope}:{hashlib.sha256(subject.lower().encode()).hexdigest()[:32]}", time.time() + seconds, seconds)


def blocked_for(scope: str, subject: str) -> int:
    """Seconds left on a block of ``subject``, 0 when not blocked."""
    until = cache.get(f"rl-block:{scope}:{hashlib.sha256(subject.lower().encode()).hexdigest()[:32]}")
    if until is None:
        return 0
    return max(int(until - time.time()), 0)


def count_failure(scope: str, subject: str, *, limit: int, window: int, lockout: int) -> bool:
    """Count a failure for ``subject``; block it for ``lockout`` seconds at ``limit``. True when blocked."""
    key = f"rl-fail:{scope}:{hashlib.sha256(subject.lower().encode()).hexdigest()[:32]}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window)
        count = 1
    if count >= limit:
        block(scope, subject, lockout)
        cache.delete(key)
        return True
    return False


def clear_failures(scope: str, subject: str) -> None:
    digest = hashlib.sha256(subject.lower().encode()).hexdigest()[:32]
    cache.delete_many([f"rl-fail:{scope}:{digest}", f"rl-block:{scope}:{digest}"])

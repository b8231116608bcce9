from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def caredesk(request: HttpRequest) -> dict[str, Any]:
    """Values every page template may use."""
    user = getattr(request, "user", None)
    return {
        "support_centre_name": settings.SUPPORT_CENTRE_NAME,
        "is_vendor_staff": bool(user and user.is_authenticated and getattr(user, "is_vendor_staff", False)),
        "own_time_zone": bool(user and user.is_authenticated and getattr(user, "time_zone", "")),
    }

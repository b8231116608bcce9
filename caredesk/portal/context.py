from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from caredesk.accounts.access import Capability, may


def portal(request: HttpRequest) -> dict[str, Any]:
    """What the portal's menu offers: the members page to an organisation's administrator."""
    user = getattr(request, "user", None)
    customer = bool(user and user.is_authenticated and not getattr(user, "is_vendor_staff", True))
    return {"manages_members": customer and may(user, Capability.MANAGE_ORGANISATION_MEMBERS)}

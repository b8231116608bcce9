from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from caredesk.accounts.access import Capability, may


def portal(request: HttpRequest) -> dict[str, Any]:
    """What the menu offers: the members page to an organisation's administrator, the RMA
    review queue to the staff who review or raise RMA requests."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    customer = signed_in and not getattr(user, "is_vendor_staff", True)
    staff = signed_in and getattr(user, "is_vendor_staff", False)
    return {
        "manages_members": customer and may(user, Capability.MANAGE_ORGANISATION_MEMBERS),
        "reviews_rmas": staff and (may(user, Capability.APPROVE_RMAS) or may(user, Capability.CREATE_RMA_REQUESTS)),
        "receives_returns": staff and may(user, Capability.RECEIVE_RETURNS),
        "sees_return_charges": staff and may(user, Capability.APPROVE_RMAS),
    }

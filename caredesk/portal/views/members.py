"""An organisation's administrator (``org_admin``) keeps its people (D-1.4, D-1.2): who is a
member, who waits for approval after proving the organisation by a serial number or
contract id, whether such people wait at all, and the associations of other people
(consultants). Every page asks the same services and queries as the API.

``/members/remove/<token>/`` is in e-mails already sent: the path must not change.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from caredesk.accounts import queries, services
from caredesk.accounts.access import Capability, may, organisation_administrators
from caredesk.accounts.models import User
from caredesk.web.pages import current_user, domain_errors


def members_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Logged in, and an administrator of their organisation; anyone else gets the 404 page,
    as for any page they have no use for."""
    guarded = login_required(domain_errors(view))

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not may(current_user(request), Capability.MANAGE_ORGANISATION_MEMBERS):
            raise Http404("No such page.")
        if request.user.is_authenticated and current_user(request).is_vendor_staff:
            raise Http404("No such page.")  # staff keep members through the API and the admin site
        return guarded(request, *args, **kwargs)

    return wrapper


@members_page
@require_http_methods(["GET"])
def members(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    organisation = queries.managed_organisation(user, user.organisation_id)
    context = {
        "nav": "members",
        "organisation": organisation,
        "need_approval": queries.members_need_approval(organisation),
        "waiting": list(queries.memberships_awaiting_approval(user, organisation.pk)),
        "people": list(queries.organisation_members(user, organisation.pk)),
        "associates": list(queries.organisation_associates(user, organisation.pk)),
        "administrators": {u.pk for u in organisation_administrators(organisation.pk)},
    }
    return render(request, "portal/members.html", context)


@members_page
@require_POST
def member_approval(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    required = request.POST.get("members_need_approval") == "on"
    services.set_member_approval(user, user.organisation_id, required)
    if required:
        messages.success(request, _("New members who join by a serial number or contract id now wait for approval."))
    else:
        messages.success(request, _("New members who join by a serial number or contract id now join at once."))
    return redirect("portal:members")


@members_page
@require_POST
def membership_decide(request: HttpRequest, registration_id: str) -> HttpResponse:
    approve = request.POST.get("decision") == "approve"
    registration = services.decide_membership(
        current_user(request), int(registration_id), approve=approve, note=request.POST.get("note", "")
    )
    if approve:
        messages.success(request, _("%(name)s is a member now.") % {"name": registration.full_name})
    else:
        messages.success(request, _("%(name)s was refused.") % {"name": registration.full_name})
    return redirect("portal:members")


def _confirm_removal(request: HttpRequest, member: User) -> HttpResponse:
    if request.method == "POST":
        services.remove_member(current_user(request), member.pk)
        messages.success(request, _("%(name)s is removed: their account no longer works.") % {"name": member.full_name})
        return redirect("portal:members")
    return render(request, "portal/member_remove.html", {"member": member, "nav": "members"})


@members_page
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, member_id: str) -> HttpResponse:
    """The members page's remove button: a confirmation, then the removal."""
    user = current_user(request)
    member = queries.organisation_members(user, user.organisation_id).filter(pk=int(member_id)).first()
    if member is None:
        raise Http404("No such person.")
    return _confirm_removal(request, member)


@members_page
@require_http_methods(["GET", "POST"])
def member_remove_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The one-click removal link of the new-member notice: it lands here, on the same
    confirmation, for a logged-in administrator of the member's organisation only, so a
    forwarded or leaked mail removes nobody."""
    return _confirm_removal(request, services.member_for_removal(current_user(request), token))


@members_page
@require_POST
def associate_remove(request: HttpRequest, user_id: str) -> HttpResponse:
    user = current_user(request)
    services.remove_association(user, int(user_id), user.organisation_id)
    messages.success(request, _("The association is ended."))
    return redirect("portal:members")

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router, Schema
from pydantic import Field

from caredesk.accounts import queries, services
from caredesk.accounts.access import Capability, may
from caredesk.accounts.auth import client_ip
from caredesk.accounts.models import ApiToken, Organisation, Registration, User
from caredesk.accounts.policy import expires_at
from caredesk.api.idempotency import claim_for, idempotent
from caredesk.api.schemas import (
    DecisionIn,
    ErrorOut,
    In,
    IssuedTokenOut,
    MeOut,
    OrganisationRef,
    Out,
    ProfileIn,
    QueryIn,
    RegistrationOut,
    TokenNameIn,
    TokenOut,
    TokenRequestIn,
)
from caredesk.notifications import queries as notification_queries
from caredesk.notifications import services as notifications
from caredesk.notifications.models import Message

router = Router(tags=["accounts"])
MAX_ID = 2**62  # ids beyond this cannot exist; refusing them keeps the database from overflow errors


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _org(org: Organisation | None) -> dict[str, Any] | None:
    return {"id": org.pk, "name": org.name, "kind": org.kind} if org is not None else None


@router.get("/me", response={200: MeOut, 401: ErrorOut})
def me(request: HttpRequest) -> dict[str, Any]:
    user = _user(request)
    return {
        "email": user.email,
        "full_name": user.full_name,
        "organisation": _org(user.organisation),
        "associations": [_org(o) for o in user.associations.all()],
        "roles": user.roles,
        "gov_cleared": user.gov_cleared,
        "phone": user.phone,
        "mobile_phone": user.mobile_phone,
        "language": user.language,
        "time_zone": user.time_zone,
        "password_expires_at": expires_at(user),
    }


@router.patch("/me", response={200: MeOut, 401: ErrorOut, 422: ErrorOut}, summary="Change your own profile")
def update_me(request: HttpRequest, payload: ProfileIn) -> dict[str, Any]:
    services.update_profile(_user(request), payload.model_dump(exclude_none=True))
    return me(request)


def _token(token: ApiToken, secret: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }
    if secret:
        out["token"] = secret
    return out


@router.post(
    "/auth/tokens",
    auth=None,
    response={201: IssuedTokenOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Exchange e-mail and password for a personal API token",
)
@idempotent
def create_token(request: HttpRequest, payload: TokenRequestIn) -> tuple[int, dict[str, Any]] | HttpResponse:
    user = services.authenticate_for_token(payload.email, payload.password, client_ip=client_ip(request))
    # The key is claimed only now that the credentials are proven: a replay hands out the
    # first answer's token, so it must never be had without the password.
    replay = claim_for(request, user.pk)
    if replay is not None:
        return replay
    issued = services.issue_api_token(user, payload.name)
    return 201, _token(issued.token, issued.secret)


@router.post(
    "/me/tokens", response={201: IssuedTokenOut, 409: ErrorOut, 422: ErrorOut}, summary="Make a token for yourself"
)
@idempotent
def create_own_token(request: HttpRequest, payload: TokenNameIn) -> tuple[int, dict[str, Any]]:
    issued = services.issue_api_token(_user(request), payload.name)
    return 201, _token(issued.token, issued.secret)


@router.get("/me/tokens", response=list[TokenOut])
def list_tokens(request: HttpRequest) -> list[dict[str, Any]]:
    return [_token(t) for t in _user(request).api_tokens.all()]


@router.delete("/me/tokens/{token_id}", response={204: None, 404: ErrorOut})
def revoke_token(request: HttpRequest, token_id: int = Path(..., ge=1, le=MAX_ID)) -> tuple[int, None]:
    services.revoke_api_token(_user(request), token_id)
    return 204, None


class NoticeOut(Schema):
    event: str
    label: str
    on: bool


class NoticesIn(In):
    on: list[str] = Field(max_length=50, description="The notices wanted by e-mail; every other is turned off")


@router.get("/me/notices", response=list[NoticeOut], summary="Which e-mail notices reach you")
def my_notices(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request)
    muted = notifications.muted_events(user)
    return [{"event": n.event, "label": n.label, "on": n.event not in muted} for n in notifications.notices_for(user)]


@router.put("/me/notices", response={200: list[NoticeOut], 422: ErrorOut}, summary="Choose your e-mail notices")
def set_my_notices(request: HttpRequest, payload: NoticesIn) -> list[dict[str, Any]]:
    user = _user(request)
    notifications.set_preferences(user, set(payload.on))
    return my_notices(request)


@router.get("/registrations", response=list[RegistrationOut], summary="Staff: new-account requests awaiting approval")
def pending_registrations(request: HttpRequest) -> list[Registration]:
    return list(queries.registrations_awaiting_approval(_user(request))[:200])


@router.post(
    "/registrations/{registration_id}/decision",
    response={200: RegistrationOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def decide(
    request: HttpRequest, payload: DecisionIn, registration_id: int = Path(..., ge=1, le=MAX_ID)
) -> Registration:
    return services.decide_registration(registration_id, _user(request), approve=payload.approve, note=payload.note)


# --- your own e-mails and password ------------------------------------------------------------


class MessageQuery(QueryIn):
    cursor: str | None = Field(None, max_length=200, description="next_cursor of the previous page")
    limit: int = Field(20, ge=1, le=100)


class MessageOut(Out):
    id: int
    event: str = Field(description="What the notice is about, e.g. case.replied or member.joined")
    subject: str
    text: str
    link: str
    case_id: str = Field(description="The case the message is about; empty if none")
    status: str = Field(description="pending, sent or failed")
    created_at: datetime
    sent_at: datetime | None


class MessagePageOut(Out):
    items: list[MessageOut]
    next_cursor: str | None


def _message(m: Message) -> dict[str, Any]:
    return {"id": m.pk, "event": m.event, "subject": m.subject, "text": m.text_body, "link": m.link,
            "case_id": m.case_ref, "status": m.status, "created_at": m.created_at, "sent_at": m.sent_at}  # fmt: skip


@router.get(
    "/me/messages",
    response={200: MessagePageOut, 422: ErrorOut},
    summary="The e-mails sent to you, newest first",
)
def my_messages(request: HttpRequest, filters: Query[MessageQuery]) -> dict[str, Any]:
    page = notification_queries.own_messages(_user(request), cursor=filters.cursor, limit=filters.limit)
    return {"items": [_message(m) for m in page.items], "next_cursor": page.next_cursor}


class PasswordChangeIn(In):
    old_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)


@router.post(
    "/me/password",
    response={204: None, 422: ErrorOut, 429: ErrorOut},
    summary="Change your password; the current one is refused as the new one",
)
def change_my_password(request: HttpRequest, payload: PasswordChangeIn) -> tuple[int, None]:
    services.change_password(_user(request), payload.old_password, payload.new_password)
    return 204, None


# --- an organisation's members (D-1.2, D-1.4): its administrators, and staff who manage users ---


class MemberOut(Out):
    id: int
    email: str
    full_name: str
    organisation: OrganisationRef
    active: bool
    administrator: bool = Field(description="An administrator of the organisation (org_admin)")
    date_joined: datetime


class MembersOut(Out):
    organisation: OrganisationRef
    members_need_approval: bool = Field(description="Whether people who join by proof wait for approval now")
    members: list[MemberOut] = Field(description="The organisation's people, active ones first")
    associates: list[MemberOut] = Field(description="People of other organisations associated with it")


class MembershipRequestOut(Out):
    id: int
    email: str
    full_name: str
    organisation: OrganisationRef
    proof: str = Field(description="The serial number or contract id they gave")
    created_at: datetime
    status: str


class MemberApprovalIn(In):
    members_need_approval: bool


class MembershipDecisionIn(In):
    approve: bool
    note: str = Field("", max_length=500, description="Told to the person, e.g. why they were refused")


def _member(u: User) -> dict[str, Any]:
    return {"id": u.pk, "email": u.email, "full_name": u.full_name, "organisation": _org(u.organisation),
            "active": u.is_active, "administrator": may(u, Capability.MANAGE_ORGANISATION_MEMBERS),
            "date_joined": u.date_joined}  # fmt: skip


def _request(r: Registration) -> dict[str, Any]:
    return {"id": r.pk, "email": r.email, "full_name": r.full_name, "organisation": _org(r.organisation),
            "proof": r.proof, "created_at": r.created_at, "status": r.status}  # fmt: skip


@router.get(
    "/organisations/{organisation_id}/members",
    response={200: MembersOut, 403: ErrorOut, 404: ErrorOut},
    summary="An organisation's people, for its administrators and staff who manage users",
)
def organisation_members(request: HttpRequest, organisation_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    user = _user(request)
    services.require_member_manager(user)
    organisation = queries.managed_organisation(user, organisation_id)
    members = queries.organisation_members(user, organisation_id).select_related("organisation")
    return {
        "organisation": _org(organisation),
        "members_need_approval": queries.members_need_approval(organisation),
        "members": [_member(u) for u in members],
        "associates": [_member(u) for u in queries.organisation_associates(user, organisation_id)],
    }


@router.put(
    "/organisations/{organisation_id}/member-approval",
    response={200: MembersOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Whether people who join by a serial number or contract id wait for approval",
)
def set_member_approval(
    request: HttpRequest, payload: MemberApprovalIn, organisation_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    services.set_member_approval(_user(request), organisation_id, payload.members_need_approval)
    return organisation_members(request, organisation_id)


@router.delete(
    "/organisations/{organisation_id}/members/{user_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Remove a member: their account stops working",
)
def remove_member(
    request: HttpRequest,
    organisation_id: int = Path(..., ge=1, le=MAX_ID),
    user_id: int = Path(..., ge=1, le=MAX_ID),
) -> tuple[int, None]:
    services.remove_member(_user(request), user_id, organisation_id=organisation_id)
    return 204, None


@router.delete(
    "/organisations/{organisation_id}/associates/{user_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    summary="End a person's association with the organisation",
)
def remove_association(
    request: HttpRequest,
    organisation_id: int = Path(..., ge=1, le=MAX_ID),
    user_id: int = Path(..., ge=1, le=MAX_ID),
) -> tuple[int, None]:
    services.remove_association(_user(request), user_id, organisation_id)
    return 204, None


@router.get(
    "/membership-requests",
    response={200: list[MembershipRequestOut], 403: ErrorOut},
    summary="People who proved an organisation you manage and wait for approval",
)
def membership_requests(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request)
    services.require_member_manager(user)
    return [_request(r) for r in queries.memberships_awaiting_approval(user)[:200]]


@router.post(
    "/membership-requests/{registration_id}/decision",
    response={200: MembershipRequestOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Approve or refuse someone who waits to join your organisation",
)
def decide_membership(
    request: HttpRequest, payload: MembershipDecisionIn, registration_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    registration = services.decide_membership(
        _user(request), registration_id, approve=payload.approve, note=payload.note
    )
    return _request(registration)

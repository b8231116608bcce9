from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Path, Router, Schema
from pydantic import Field

from caredesk.accounts import queries, services
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
    RegistrationOut,
    TokenNameIn,
    TokenOut,
    TokenRequestIn,
)
from caredesk.notifications import services as notifications

router = Router(tags=["accounts"])
MAX_ID = 2**62  # ids beyond this cannot exist; refusing them keeps the database from overflow errors


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _org(org: Organisation) -> dict[str, Any]:
    return {"id": org.pk, "name": org.name, "kind": org.kind}


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
        "language": user.language,
        "password_expires_at": expires_at(user),
    }


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


@router.get("/me/notices", response=list[NoticeOut], summary="Which e-mail notices reach you (D-7.4)")
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

"""Machine translation for staff (D-7.5): a case's description or message, or a draft."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Path, Router

from caredesk.accounts.models import User
from caredesk.api.schemas import DraftTranslationIn, ErrorOut, MessageTranslationIn, TranslationOut
from caredesk.translation import services

router = Router(tags=["translation"])
CaseId = Path(..., max_length=40, description="YYYY-MMDD-NNNNN, dashes optional")
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@router.post(
    "/cases/{case_id}/translations",
    response={200: TranslationOut, **ERRORS},
    summary="Staff: a case's description or one of its messages in another language",
)
def translate_message(request: HttpRequest, payload: MessageTranslationIn, case_id: str = CaseId) -> dict[str, Any]:
    done = services.translate_message(_user(request), case_id, payload.message_id or 0, payload.target)
    return asdict(done)


@router.post("/translations", response={200: TranslationOut, **ERRORS}, summary="Staff: a draft reply translated")
def translate_draft(request: HttpRequest, payload: DraftTranslationIn) -> dict[str, Any]:
    return asdict(services.translate_draft(_user(request), payload.text, payload.target, source=payload.source))

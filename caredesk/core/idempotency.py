"""Idempotency keys: a retried creating request gets its first answer again.

The caller (the API) claims the key inside the transaction that makes the change, and
completes the claim with the answer before that transaction commits, so the key row and
the write commit together or not at all. Two concurrent requests with one key cannot
both create: the second one's INSERT waits on the unique index until the first commits,
then finds the finished row and replays it (or, if the first rolled back, takes over).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from caredesk.core.clock import now
from caredesk.core.errors import ValidationFailed
from caredesk.core.models import IdempotencyKey

HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


def check_key(key: str) -> str:
    """The key as given: 1 to 255 visible ASCII characters (a UUID is a good choice)."""
    if not 0 < len(key) <= 255 or not all("!" <= ch <= "~" for ch in key):
        raise ValidationFailed(
            _("The Idempotency-Key header is not valid."),
            fields={HEADER: _("1 to 255 visible ASCII characters, e.g. a UUID.")},
        )
    return key


def _cutoff() -> datetime:
    return now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)


def claim(user_id: int, key: str, fingerprint: str) -> IdempotencyKey | Answer:
    """Claim ``key`` for this request, or the answer a first request with it got.

    Call inside the transaction that makes the change. Raises ValidationFailed when the
    key was used for a different request (another body, path or method)."""
    assert transaction.get_connection().in_atomic_block, "claim inside the request's transaction"
    for _attempt in range(2):
        try:
            with transaction.atomic():  # a savepoint: a duplicate must not abort the transaction
                return IdempotencyKey.objects.create(
                    user_id=user_id, key=key, fingerprint=fingerprint, created_at=now()
                )
        except IntegrityError:
            found = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
            if found is None:
                continue  # the other request rolled back in between: try again
            if found.created_at < _cutoff():
                found.delete()  # an expired key may be used again
                continue
            if found.fingerprint != fingerprint:
                raise ValidationFailed(
                    _("This Idempotency-Key was already used for a different request."),
                    fields={HEADER: _("Use a new key for a new request.")},
                ) from None
            return Answer(found.status, found.content_type, bytes(found.body))
    raise ValidationFailed(_("The Idempotency-Key is in use. Try again."), fields={HEADER: _("In use.")})


def complete(claimed: IdempotencyKey, answer: Answer) -> None:
    claimed.status, claimed.content_type, claimed.body = answer.status, answer.content_type, answer.body
    claimed.save(update_fields=["status", "content_type", "body"])


def forget_expired() -> int:
    """Delete keys older than ``IDEMPOTENCY_KEY_HOURS`` (the periodic sweep)."""
    deleted, _rows = IdempotencyKey.objects.filter(created_at__lt=_cutoff()).delete()
    return deleted

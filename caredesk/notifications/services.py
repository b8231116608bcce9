"""Notices of case events (D-7.4) as outbox messages and webhook deliveries, and their
delivery: at least once, each message with its own fixed Message-ID, no notice twice.

``on_case_event`` runs inside the transaction of the change (see caredesk/cases/events.py):
it writes rows only, and asks for delivery once that transaction commits. Delivery claims
a row with a lease in its own short transaction, sends, then records the result; a worker
that dies after claiming leaves the lease to run out, and the next delivery sweep sends
the row again. So a message is sent twice only when a worker died between the mail
server accepting it and the outbox recording that, and then with the same Message-ID.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import lru_cache
from typing import Any
from urllib import error as urlerror
from urllib import request as urlrequest

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caredesk.accounts.models import User
from caredesk.core import audit
from caredesk.core.clock import now
from caredesk.core.errors import ValidationFailed
from caredesk.core.inserts import insert, insert_unless_exists
from caredesk.core.snapshot import Snapshot
from caredesk.notifications.models import Delivery, Message, Webhook, WebhookDelivery

log = logging.getLogger(__name__)

LANGUAGES = ("en", "de", "fr", "es", "ja")  # the languages notices are written in; others get English


def lease() -> timedelta:
    """How long a worker may take to send one row before another may try (a worker that
    died holds it no longer than this)."""
    return timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)


@dataclass(frozen=True)
class Notice:
    """A kind of notice a person can choose to receive or not."""

    event: str
    label: str | Promise  # lazy in NOTICES; text in the reader's language from notices_for
    audience: str  # "customer" or "staff"


NOTICES = [
    Notice("case.opened", gettext_lazy("A case I opened or am the contact of is opened"), "customer"),
    Notice("case.replied", gettext_lazy("A reply on my case"), "customer"),
    Notice("case.awaiting_customer", gettext_lazy("Customer Care waits for my answer"), "customer"),
    Notice("case.resolution_proposed", gettext_lazy("A resolution is proposed on my case"), "customer"),
    Notice("case.closed", gettext_lazy("My case is closed"), "customer"),
    Notice("case.reopened", gettext_lazy("Customer Care reopened my case"), "customer"),
    Notice(
        "case.escalated",
        gettext_lazy("A case is escalated (confirmation to the customer, notice to the team)"),
        "customer",
    ),
    # D-5.6: every status change of an RMA request or line is told: those cannot be turned off.
    Notice("rma.question_answered", gettext_lazy("Customer Care answers my question on an RMA request"), "customer"),
    Notice("case.customer_replied", gettext_lazy("The customer replied on a case I own"), "staff"),
    Notice("case.customer_reopened", gettext_lazy("The customer reopened a case I own"), "staff"),
    Notice("case.assigned", gettext_lazy("A case is assigned to me"), "staff"),
    Notice(
        "case.on_call", gettext_lazy("A P1 case is opened outside business days (on-call escalation team)"), "staff"
    ),
    Notice("case.response_breached", gettext_lazy("A case of mine or my team is late for its first response"), "staff"),
    Notice("case.management_escalation", gettext_lazy("A case reaches my level of the escalation matrix"), "staff"),
]
NOTICE_EVENTS = {n.event for n in NOTICES}


def notices_for(user: User) -> list[Notice]:
    audience = "staff" if user.is_vendor_staff else "customer"
    return [replace(n, label=str(n.label)) for n in NOTICES if n.audience == audience or n.event == "case.escalated"]


def muted_events(user: User) -> set[str]:
    return {e for e in (user.muted_notices or []) if isinstance(e, str)}


@transaction.atomic
def set_preferences(user: User, wanted: set[str]) -> set[str]:
    """``wanted``: the notices the user wants by e-mail; every other of their notices is
    turned off. Returns the ones turned off."""
    mine = {n.event for n in notices_for(user)}
    unknown = wanted - mine
    if unknown:
        raise ValidationFailed(
            _("Unknown notices."),
            fields={"events": _("Not one of yours: %(events)s.") % {"events": ", ".join(sorted(unknown))}},
        )
    muted = sorted(mine - wanted)
    before = sorted(muted_events(user))
    User.objects.filter(pk=user.pk).update(muted_notices=muted)
    user.muted_notices = muted
    if before != muted:
        audit.record(user, "notices_changed", user, {"muted": [before, muted]})
    return set(muted)


# --- writing notices --------------------------------------------------------------------------


def _language(user: User) -> str:
    code = (user.language or settings.LANGUAGE_CODE).split("-")[0].lower()  # no choice: the installation's default
    return code if code in LANGUAGES else "en"


def _render(template: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """Subject and text of a notice. ``notifications/<language>/<template>.txt`` holds the
    subject on its first line ("Subject: …") and the text below. The HTML part is made from
    them when the message is sent (``html_of``), so the two never say different things and
    the request that writes a notice renders one template, not two."""
    with translation.override(language):  # month and weekday names in the recipient's language
        rendered = render_to_string(f"notifications/{language}/{template}.txt", context).strip()
    first, _newline, body = rendered.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"notice template {language}/{template} must start with a Subject: line")
    subject = " ".join(first.removeprefix("Subject:").split())[:250]
    return subject, body.strip() + "\n"


# What the button of a message's HTML part says, by event; case notices open the case.
BUTTONS = {
    "member.joined": {
        "en": "Review or remove the new member",
        "de": "Neues Mitglied prüfen oder entfernen",
        "fr": "Vérifier ou retirer le nouveau membre",
        "es": "Revisar o eliminar al nuevo miembro",
        "ja": "新しいメンバーを確認または削除",
    },
    "member.requested": {
        "en": "Approve or refuse",
        "de": "Zulassen oder ablehnen",
        "fr": "Accepter ou refuser",
        "es": "Aprobar o rechazar",
        "ja": "承認または拒否",
    },
}
RMA_BUTTON = {
    "en": "Open the RMA",
    "de": "RMA öffnen",
    "fr": "Ouvrir le RMA",
    "es": "Abrir el RMA",
    "ja": "RMA を開く",
}
CASE_BUTTON = {
    "en": "Open the case",
    "de": "Fall öffnen",
    "fr": "Ouvrir le dossier",
    "es": "Abrir el caso",
    "ja": "ケースを開く",
}


def html_of(message: Message) -> str:
    """The HTML part of a message: its text in the layout ``notifications/email.html``,
    escaped there, with a button to the case, the RMA or what else the notice is about."""
    button = BUTTONS.get(message.event, RMA_BUTTON if message.event.startswith("rma.") else CASE_BUTTON)
    return render_to_string(
        "notifications/email.html",
        {"subject": message.subject, "language": message.language, "centre": settings.SUPPORT_CENTRE_NAME,
         "paragraphs": [p.strip() for p in message.text_body.split("\n\n") if p.strip()], "link": message.link,
         "button": button.get(message.language, button["en"])},
    )  # fmt: skip


@lru_cache(maxsize=256)
def _personal(template: str, language: str) -> bool:
    """Whether a notice names its recipient; one that does not is rendered once for all."""
    source = get_template(f"notifications/{language}/{template}.txt").template.source  # type: ignore[attr-defined]
    return "recipient" in source


def _message_id(key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return f"<{digest}.{uuid.uuid4().hex[:12]}@{settings.MESSAGE_ID_DOMAIN}>"


def compose(
    event: str, template: str, recipients: list[User], context: dict[str, Any], *, key: str, case_ref: str = ""
) -> list[Message]:
    """The messages (not yet saved) of one notice: one per recipient who has not turned
    ``event`` off, in their language; a notice that does not name its recipient is
    rendered once for all of them."""
    people = {u.pk: u for u in recipients if u is not None and u.is_active and u.email}
    rows = []
    shared: dict[str, tuple[str, str]] = {}
    for pk, user in people.items():
        if event in muted_events(user):
            continue
        row_key = f"{key}:{pk}"[:200]
        language = _language(user)
        if _personal(template, language):
            subject, text = _render(template, language, {**context, "recipient": user})
        else:
            if language not in shared:
                shared[language] = _render(template, language, context)
            subject, text = shared[language]
        rows.append(
            Message(
                key=row_key, message_id=_message_id(row_key), event=event, recipient=user, to_email=user.email,
                language=language, subject=subject, text_body=text, link=context.get("link", ""), case_ref=case_ref,
            )
        )  # fmt: skip
    return rows


FEW = 2


def write(rows: list[Message], *, fresh: bool = False) -> list[Message]:
    """Save messages in one statement, inside the caller's transaction; a message whose key
    is written already (the same notice to the same person) is left out. ``fresh``: the
    keys cannot exist yet (they name an object this transaction made), so no savepoint is
    needed. Delivery is asked for as ``_after_commit`` says."""
    if not rows:
        return []
    if fresh:
        made = [insert(rows[0])] if len(rows) == 1 else Message.objects.bulk_create(rows)
        _after_commit("messages", [m.pk for m in made])
        return made
    if len(rows) <= FEW:
        # One change's notice to a person or two (most changes): a statement each that
        # skips a key written before, cheaper than a savepoint round the batch.
        made = [row for row in rows if insert_unless_exists(row, "key")]
        _after_commit("messages", [m.pk for m in made])
        return made
    try:
        with transaction.atomic():  # a savepoint: a notice told already must not undo the caller's change
            made = Message.objects.bulk_create(rows)
    except IntegrityError:
        made = []
        for row in rows:  # some were written before (the same event sent twice): one by one
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
                made.append(row)
            except IntegrityError:
                continue
    _after_commit("messages", [m.pk for m in made])
    return made


def notify(
    event: str, template: str, recipients: list[User], context: dict[str, Any], *, key: str, case_ref: str = ""
) -> list[Message]:
    """Write one notice to its recipients (see ``compose`` and ``write``)."""
    return write(compose(event, template, recipients, context, key=key, case_ref=case_ref))


def _after_commit(kind: str, ids: list[int]) -> None:
    """Ask for delivery of rows this transaction wrote: one job per call (a sweep's batch
    is one call). On the database engine the job is queued inside the transaction, so it
    commits with the rows, or not at all, and the request pays no second commit. On a
    broker the job is sent only once the transaction has committed, or a worker could look
    for rows not yet visible. Either way the delivery sweep is the net beneath."""
    if not ids:
        return
    messages, hooks = (ids, []) if kind == "messages" else ([], ids)
    if queued_in_database():
        if connection.vendor == "postgresql":
            # The rows' insert trigger notifies the worker's outbox listener at commit
            # (caredesk/notifications/dispatcher.py): no job row, no savepoint.
            return
        _enqueue(messages, hooks)
    else:
        transaction.on_commit(lambda: _enqueue(messages, hooks))


def queued_in_database() -> bool:
    from caredesk.notifications import tasks

    return type(tasks.deliver.get_backend()).__name__ == "DatabaseBackend"


def _enqueue(messages: list[int], webhooks: list[int]) -> None:
    from caredesk.notifications import tasks

    try:
        # A savepoint: inside the caller's transaction (database engine) a failed insert
        # must not abort the change it tells of.
        with transaction.atomic():
            tasks.deliver.enqueue(messages, webhooks)
    except Exception:  # noqa: BLE001 - the delivery sweep sends them anyway
        log.warning("could not queue delivery of %s messages; the sweep will send them", len(messages), exc_info=True)


def _load_webhooks() -> list[Webhook]:
    return list(Webhook.objects.filter(active=True))


webhooks: Snapshot[list[Webhook]] = Snapshot(_load_webhooks)


def queue_webhooks(event: str, payloads: list[dict[str, Any]]) -> list[WebhookDelivery]:
    """One delivery per active webhook that wants ``event``, for each payload, in one
    statement inside the caller's transaction."""
    hooks = [hook for hook in webhooks.get() if hook.wants(event)]
    if not hooks or not payloads:
        return []
    made = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(webhook=hook, delivery_id=uuid.uuid4().hex, event=event, payload=payload)
            for payload in payloads
            for hook in hooks
        ]
    )
    _after_commit("webhooks", [d.pk for d in made])
    return made


# --- delivering --------------------------------------------------------------------------------


def _backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failed attempt, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claim(model: type[Message] | type[WebhookDelivery], pk: int) -> bool:
    moment = now()
    return bool(
        model.objects.filter(pk=pk, status=Delivery.PENDING, next_attempt_at__lte=moment)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=moment))
        .update(lease_until=moment + lease(), attempts=F("attempts") + 1)
    )


def _failed(model: type[Message] | type[WebhookDelivery], row: Any, error: str, **extra: Any) -> None:
    gave_up = row.attempts >= settings.NOTIFY_MAX_ATTEMPTS
    model.objects.filter(pk=row.pk).update(
        status=Delivery.FAILED if gave_up else Delivery.PENDING,
        next_attempt_at=now() + _backoff(row.attempts),
        lease_until=None,
        last_error=error[:2000],
        **extra,
    )


def deliver_message(pk: int) -> bool:
    """Send one message if it is due and nobody else is sending it. Runs outside any
    transaction: the claim must be committed before the mail server is spoken to."""
    if not _claim(Message, pk):
        return False
    message = Message.objects.get(pk=pk)
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_email],
        headers={"Message-ID": message.message_id, "Auto-Submitted": "auto-generated"},
    )
    email.attach_alternative(html_of(message), "text/html")
    try:
        email.send()
    except Exception as exc:  # noqa: BLE001 - whatever fails is recorded and retried, never left leased
        log.warning("message %s to %s not sent: %s", pk, message.to_email, exc)
        _failed(Message, message, f"{type(exc).__name__}: {exc}")
        return False
    Message.objects.filter(pk=pk).update(status=Delivery.SENT, sent_at=now(), lease_until=None, last_error="")
    return True


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature a receiver recomputes: HMAC-SHA256 of "<timestamp>.<body>"."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def deliver_webhook(pk: int) -> bool:
    if not _claim(WebhookDelivery, pk):
        return False
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=pk)
    body = json.dumps(
        {"id": delivery.delivery_id, "event": delivery.event, "created_at": delivery.created_at.isoformat(),
         "data": delivery.payload},
        separators=(",", ":"),
    ).encode()  # fmt: skip
    timestamp = str(int(now().timestamp()))
    request = urlrequest.Request(  # noqa: S310 - operators configure http(s) URLs (URLField)
        delivery.webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "caredesk-webhooks",
            "X-Caredesk-Event": delivery.event,
            "X-Caredesk-Delivery": delivery.delivery_id,
            "X-Caredesk-Timestamp": timestamp,
            "X-Caredesk-Signature": "sha256=" + sign(delivery.webhook.secret, timestamp, body),
        },
    )
    try:
        with urlrequest.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
    except urlerror.HTTPError as exc:
        _failed(WebhookDelivery, delivery, f"HTTP {exc.code}", response_status=exc.code)
        return False
    except (TimeoutError, urlerror.URLError, OSError) as exc:
        _failed(WebhookDelivery, delivery, f"{type(exc).__name__}: {exc}")
        return False
    WebhookDelivery.objects.filter(pk=pk).update(
        status=Delivery.SENT, delivered_at=now(), lease_until=None, response_status=status, last_error=""
    )
    return True


def deliver(messages: list[int], webhooks: list[int]) -> int:
    """Deliver what one transaction wrote; what fails waits for its retry in the sweep."""
    sent = sum(1 for pk in messages if deliver_message(pk))
    return sent + sum(1 for pk in webhooks if deliver_webhook(pk))


def deliver_due(limit: int = 500) -> int:
    """The delivery sweep: every message and webhook delivery that is due and not being
    sent (never queued, its job lost, its worker killed, a retry whose time has come)."""
    moment = now()
    sent = 0
    for model, deliver in ((Message, deliver_message), (WebhookDelivery, deliver_webhook)):
        due = list(
            model.objects.filter(status=Delivery.PENDING, next_attempt_at__lte=moment)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=moment))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        sent += sum(1 for pk in due if deliver(pk))
    return sent

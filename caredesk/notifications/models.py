"""Outgoing messages (D-7.4): an outbox of e-mails, each person's choice of what reaches
them, and webhooks that operators point at other systems, with their deliveries.

Rows here are written in the transaction of the change they tell of, so a message exists
exactly when its change does; delivery happens afterwards, by jobs, at least once."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from caredesk.core.clock import now


class Delivery(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Gave up")


class Message(models.Model):
    """One e-mail to one recipient. ``key`` makes a notice unique (the event, its object,
    the recipient), so telling the same thing twice is refused by the database; the
    Message-ID is fixed when the row is made, so a message sent again is recognisably the
    same message."""

    key = models.CharField(max_length=200, unique=True)
    message_id = models.CharField(max_length=200, unique=True)
    event = models.CharField(max_length=64)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_email = models.EmailField()
    language = models.CharField(max_length=8, default="en")
    subject = models.CharField(max_length=250)
    text_body = models.TextField()
    link = models.URLField(max_length=300, blank=True, help_text="Where the message's button leads")
    case_ref = models.CharField(max_length=24, blank=True, help_text="The case the message is about, if any")
    status = models.CharField(max_length=8, choices=Delivery.choices, default=Delivery.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=now)
    lease_until = models.DateTimeField(null=True, blank=True, help_text="A worker is sending it until then")
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="outbox_pending_idx", condition=models.Q(status="pending")),
            models.Index(fields=["case_ref", "created_at"], name="outbox_case_idx"),
            # A person's own notices, newest first (GET /api/v1/me/messages, the notices page).
            models.Index(fields=["recipient", "-created_at", "-id"], name="outbox_recipient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.to_email}"


def _validate_events(value: object) -> None:
    from caredesk.cases import events
    from caredesk.rma import events as rma_events

    known = {*events.EVENT_NAMES, *rma_events.EVENT_NAMES}
    if not isinstance(value, list) or not all(isinstance(e, str) for e in value):
        raise ValidationError(_('A list of event names, e.g. ["case.opened", "case.closed"].'))
    unknown = sorted(set(value) - known)
    if unknown:
        raise ValidationError(
            _("Unknown events: %(unknown)s. Known: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(known))}
        )


class Webhook(models.Model):
    """An operator's endpoint for case and RMA events, signed with its secret (HMAC-SHA256)."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=200, help_text="Shared with the receiver, who checks the signature")
    events = models.JSONField(
        default=list, blank=True, validators=[_validate_events], help_text="Event names; empty means every event"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        return self.active and (not self.events or event in self.events)


class WebhookDelivery(models.Model):
    """One event for one webhook, retried until the receiver answers 2xx or attempts run out."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.CharField(max_length=64, unique=True)
    event = models.CharField(max_length=64)
    payload = models.JSONField()
    status = models.CharField(max_length=8, choices=Delivery.choices, default=Delivery.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=now)
    lease_until = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="webhook_pending_idx", condition=models.Q(status="pending"))
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook}"

"""Shared tables: identifier sequences and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Sequence(models.Model):
    """A named counter handed out by ``core.identifiers`` (case ids per day, RMA numbers…)."""

    name = models.CharField(max_length=64, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class AuditEntry(models.Model):
    """One recorded change to a domain object: who did what, when, and the values changed.

    ``object_type`` is the model label (``cases.case``) and ``object_id`` its primary
    key as text, so one table serves every domain app without a generic foreign key.
    ``internal`` entries are shown to vendor staff only (internal notes and files).
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    action = models.CharField(max_length=64)
    changes = models.JSONField(default=dict, blank=True)
    internal = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="audit_object_idx")]
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} {self.action} by {self.actor_label or 'system'}"


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` for one creating request, and the answer it got: a
    retry with the same key (after a dropped connection) gets that answer again instead
    of making a second object. Keys are per user and kept for
    ``IDEMPOTENCY_KEY_HOURS``; ``fingerprint`` tells a retry from a different request
    that reuses the key. The row commits with the request's own write, or not at all."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"

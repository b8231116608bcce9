"""Machine translations kept so that a message is sent to the translation server once per
language (D-7.5). Keyed by the text's digest, so a customer's message and a draft with the
same words share one translation; the original text is never replaced."""

from __future__ import annotations

from django.db import models

from caredesk.core.clock import now


class Translation(models.Model):
    digest = models.CharField(max_length=64, help_text="SHA-256 of the original text")
    source = models.CharField(max_length=8, help_text="The original's language, as detected or given")
    target = models.CharField(max_length=8)
    text = models.TextField()
    engine = models.CharField(max_length=40, help_text="Which translation service made it")
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["digest", "source", "target"], name="translation_once_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.digest[:12]} {self.source}→{self.target}"

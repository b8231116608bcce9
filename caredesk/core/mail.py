"""Outgoing e-mail leaves the request: it is queued as a background job after commit.

Issue-level notifications (templates per language, outbox, retries) build on this;
account e-mails (verification, password reset) use it directly.
"""

from __future__ import annotations

from django.db import transaction

from caredesk.core import tasks


def send_after_commit(to: str, subject: str, body: str) -> None:
    """Queue one plain-text message once the current transaction commits (never if it rolls back)."""
    transaction.on_commit(lambda: tasks.deliver_email.enqueue(to=to, subject=subject, body=body))

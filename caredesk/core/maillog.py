"""The e-mail of an installation that sends none (``CAREDESK_EMAIL=console``, the default of
``make run`` and the demo): every message is printed on the server's output, as Django's
console backend does, and appended to a readable mail log, ``CAREDESK_MAIL_LOG``
(``<data dir>/mail.log``), where a newcomer finds the verification link of a registration
without reading the server's output. The log holds the plain-text part only: what a
person reads, not the MIME parts around it."""

from __future__ import annotations

import fcntl
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as ConsoleBackend

from caredesk.core.clock import now

RULE = "=" * 72


def mail_log() -> str:
    """Where mail went instead of being sent, for pages to say so; empty when it is sent."""
    return str(settings.MAIL_LOG) if f"{__name__}.ConsoleAndLogBackend" == settings.EMAIL_BACKEND else ""


def entry(message: EmailMessage) -> str:
    """One message as the log shows it."""
    headers = [
        f"Date:    {now():%Y-%m-%d %H:%M:%S %Z}",
        f"From:    {message.from_email}",
        f"To:      {', '.join(message.to)}",
        f"Subject: {message.subject}",
    ]
    return "\n".join([RULE, *headers, "", str(message.body).rstrip(), "", ""])


class ConsoleAndLogBackend(ConsoleBackend):
    """Django's console backend, and an append to the mail log."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not email_messages:
            return 0
        path = Path(settings.MAIL_LOG)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            fcntl.flock(log, fcntl.LOCK_EX)  # the web, worker and scheduler processes append to one file
            log.write("".join(entry(m) for m in email_messages))
        return super().send_messages(email_messages)

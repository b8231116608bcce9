from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task


@task()
def deliver_email(to: str, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


@task()
def ping(token: str) -> str:
    """The job engine's health check (``caredesk check-jobs``): a worker answers with the token."""
    return token


@task()
def forget_expired_idempotency_keys() -> int:
    from caredesk.core.idempotency import forget_expired

    return forget_expired()

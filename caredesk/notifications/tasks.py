from __future__ import annotations

from django_tasks import task

from caredesk.notifications import services


@task()
def deliver(messages: list[int], webhooks: list[int]) -> int:
    """Send what one transaction wrote: its outbox messages and webhook deliveries."""
    return services.deliver(messages, webhooks)


@task()
def deliver_message(pk: int) -> bool:
    """Send one outbox message (at least once, same Message-ID every time)."""
    return services.deliver_message(pk)


@task()
def deliver_webhook(pk: int) -> bool:
    """POST one signed webhook delivery."""
    return services.deliver_webhook(pk)


@task()
def deliver_due() -> int:
    """Background sweep: whatever is due and not being sent, including work a killed worker left."""
    return services.deliver_due()

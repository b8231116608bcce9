from __future__ import annotations

from django_tasks import task

from caredesk.translation import services


@task()
def label_messages() -> int:
    """Background sweep: customers' new messages labelled with their language (D-7.5)."""
    return services.label_messages()

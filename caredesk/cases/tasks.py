from __future__ import annotations

from django_tasks import task

from caredesk.cases import services


@task()
def close_silent_cases() -> int:
    """Background sweep: close cases whose proposed resolution went unanswered (D-3.5)."""
    return services.close_silent_cases()

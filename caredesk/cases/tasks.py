from __future__ import annotations

from django_tasks import task

from caredesk.cases import services


@task()
def close_silent_cases() -> int:
    """Background sweep: close cases whose proposed resolution went unanswered (D-3.5)."""
    return services.close_silent_cases()


@task()
def sweep_breaches() -> int:
    """Background sweep: late first responses, told to owner and manager once (D-4.3)."""
    return services.sweep_breaches()


@task()
def sweep_escalations() -> int:
    """Background sweep: the management-escalation matrix, each level told once (D-4.4)."""
    return services.sweep_escalations()

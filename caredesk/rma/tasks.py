from __future__ import annotations

from django_tasks import task

from caredesk.rma import services


@task()
def sweep_returns_not_received() -> int:
    """Background sweep: advance replacements whose defective unit is overdue, flagged once for a charge (D-5.5)."""
    return services.sweep_returns_not_received()

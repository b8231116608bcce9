"""The breach and management-escalation sweeps (D-4.3, D-4.4): claimed atomically, told once."""

from __future__ import annotations

from django.db import connection, transaction

from caredesk.cases import events
from caredesk.cases.models import (
    Case,
)
from caredesk.cases.services.shared import next_escalation, plain
from caredesk.cases.services.staff import StaffRoster, breach_recipients, escalation_recipients
from caredesk.core import audit
from caredesk.core.clock import now
from caredesk.sla.queries import escalation_steps

SWEEP_BATCH = 1000
_OPEN_SQL = "('new', 'open', 'awaiting_customer')"  # UNRESOLVED, as the partial index says it


def _claim(assignment: str, condition: str, *, order: str, batch: int) -> list[int]:
    """Claim up to ``batch`` cases that meet ``condition`` (one ``%s``: now) by setting
    ``assignment`` (at most one ``%s``: now) in one UPDATE, whose outer condition is checked
    again on each row it locks: a sweep running at the same moment has either claimed a
    row already, so that it no longer qualifies, or cannot claim it any more. The ids."""
    table = Case._meta.db_table
    moment = now()
    assignment_params = [moment] * assignment.count("%s")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignment} WHERE id IN ("  # noqa: S608 - our own constants, no input
            f"SELECT id FROM {table} WHERE {condition} ORDER BY {order} LIMIT %s) AND {condition} RETURNING id",
            [*assignment_params, moment, batch, moment],
        )
        return [row[0] for row in cursor.fetchall()]


def sweep_breaches(*, batch: int = SWEEP_BATCH) -> int:
    """Find cases whose first response is overdue and tell the owner and their manager,
    once per breach (D-4.3). Each batch is claimed by one UPDATE that re-checks its
    condition on the rows it locks, so two sweeps at the same moment never both claim a
    case; the notices are written in the same transaction as the claim."""
    told = 0
    while True:
        with transaction.atomic():
            claimed = _claim(
                "response_breached_at = %s",
                "response_due_at <= %s AND first_response_at IS NULL AND response_breached_at IS NULL"
                " AND NOT (status = 'closed')",
                order="response_due_at",
                batch=batch,
            )
            staff, entries = StaffRoster(), []
            notices: list[events.CaseEvent] = []
            for case in Case.objects.filter(pk__in=claimed).select_related(
                "organisation", "owner__organisation", "owner__manager__organisation"
            ):
                recipients = breach_recipients(case, staff)
                entries.append((case, {"due": plain(case.response_due_at), "notified": [u.email for u in recipients]}))
                notices.append(events.CaseResponseBreached(case, None, recipients=recipients))
            audit.record_many(entries, "response_breached", None, internal=True)
            events.emit_many(notices)
        told += len(claimed)
        if not claimed:  # not "fewer than a batch": a concurrent sweep may have taken some
            return told


def sweep_escalations(*, batch: int = SWEEP_BATCH) -> int:
    """Bring unresolved cases to the next level of the escalation matrix when its time has
    come, round the clock (D-4.4); each level hears once. A batch is claimed by clearing
    its due time in one UPDATE (so a second sweep skips it), then each case gets its new
    level and the next level's due time. A case that passed several thresholds while no
    sweep ran is raised through each of them in turn, each level told."""
    raised = 0
    while True:
        with transaction.atomic():
            claimed = _claim(
                "escalation_due_at = NULL",
                f"escalation_due_at <= %s AND status IN {_OPEN_SQL}",
                order="escalation_due_at",
                batch=batch,
            )
            cases = list(
                Case.objects.filter(pk__in=claimed).select_related(
                    "organisation", "owner__organisation", "owner__manager__organisation"
                )
            )
            staff, entries = StaffRoster(), []
            notices: list[events.CaseEvent] = []
            for case in cases:
                level = next((lvl for lvl, _ in escalation_steps(case.priority) if lvl > case.escalation_level), None)
                if level is None:
                    continue  # the matrix changed under it: nobody left to tell
                case.escalation_level = level
                case.escalation_due_at = next_escalation(case.priority, case.created_at, level)
                recipients = escalation_recipients(case, level, staff)
                entries.append((case, {"level": level, "notified": [u.email for u in recipients]}))
                notices.append(events.CaseManagementEscalation(case, None, level=level, recipients=recipients))
            audit.record_many(entries, "management_escalation", None, internal=True)
            events.emit_many(notices)
            Case.objects.bulk_update(cases, ["escalation_level", "escalation_due_at"])
        raised += len(cases)
        if not claimed:  # not "fewer than a batch": a concurrent sweep may have taken some
            return raised

"""D-5.5: the sweep of returns not received claims each overdue line once, even with eight
sweeps at the same moment, and reads only owed lines, through the partial index. On
PostgreSQL, where the sweeps really run side by side."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection

from caredesk.accounts.models import Organisation
from caredesk.core.clock import now
from caredesk.installbase import services as installbase
from caredesk.installbase.models import Product
from caredesk.rma import services
from caredesk.rma.models import ReturnCharge, RmaLine
from caredesk.rma.tests.conftest import line
from caredesk.rma.tests.test_numbering_concurrency import THREADS, _in_threads, _setting_up

LINES = 40


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL to run eight sweeps at once and to read the query plan: run "
            "`DATABASE_URL=postgres://… make test-postgres` (SQLite serialises writers anyway)"
        )


def _overdue_lines() -> None:
    tse, specialist, case_id = _setting_up()
    acme = Organisation.objects.get(name="Acme Telecom")
    router = Product.objects.get(sku="KR-480-AC")
    serials = [f"KR18000{n:02d}" for n in range(LINES)]
    for serial in serials:
        installbase.register_asset(installbase.NewAsset(serial=serial, product=router, owner=acme,
                                                        ship_date=date(2026, 3, 1)))  # fmt: skip
    request = services.request_rma(tse, case_id, [line(s) for s in serials])
    services.approve(specialist, request.validation_number)
    # The lines stand in for advance replacements delivered long ago: what the sweep reads.
    RmaLine.objects.filter(request=request).update(
        rma_type="advance_replacement", status="delivered", return_due_at=now() - timedelta(days=1)
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_d55_eight_sweeps_at_once_flag_each_overdue_line_once(seeded: None) -> None:
    _needs_postgresql()
    _overdue_lines()
    counts = _in_threads(lambda n: [services.sweep_returns_not_received(batch=3)])
    assert sum(counts) == LINES and len(counts) == THREADS
    assert ReturnCharge.objects.count() == LINES
    assert services.sweep_returns_not_received() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_d55_the_sweep_reads_only_owed_lines_through_the_partial_index(seeded: None) -> None:
    _needs_postgresql()
    _overdue_lines()
    table = RmaLine._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a tiny table: ask whether the index serves, not what is cheapest
        cursor.execute(
            f"EXPLAIN SELECT id FROM {table} WHERE return_due_at <= %s AND received_at IS NULL "  # noqa: S608
            "AND charge_flagged_at IS NULL ORDER BY return_due_at LIMIT 1000",
            [now()],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "rma_line_return_owed" in plan, plan

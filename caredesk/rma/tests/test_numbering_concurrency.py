"""D-5.1: RMA numbers come from one increasing sequence, unique and increasing when eight
connections approve at once; validation numbers stay unique when eight connections
request at once. On PostgreSQL the approvals really run side by side."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection, connections

from caredesk.accounts import services as accounts
from caredesk.accounts.models import Organisation
from caredesk.installbase import services as installbase
from caredesk.installbase.models import Product
from caredesk.rma import services
from caredesk.rma.models import RmaRequest
from caredesk.rma.tests.conftest import line
from tests.personas import PASSWORD, admin_case, build_installbase, build_world

THREADS = 8
PER_THREAD = 5


def _in_threads(work: Callable[[int], list[Any]]) -> list[Any]:
    """Run ``work(n)`` in eight threads, each on its own database connection, started together."""
    results: list[Any] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)
    lock = threading.Lock()

    def run(n: int) -> None:
        try:
            barrier.wait()
            made = work(n)
            with lock:
                results.extend(made)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors, errors
    return results


def _setting_up() -> tuple[Any, Any, str]:
    world = build_world()
    build_installbase(world)
    tse = accounts.create_user("tse@vendor.example", "Tara Tse", world.vendor, PASSWORD, roles=["tse"])
    specialist = accounts.create_user("rma@vendor.example", "Rita Returns", world.vendor, PASSWORD,
                                      roles=["rma_specialist"])  # fmt: skip
    case = admin_case(world.alice, kind="technical", request_type="", request_subtype="", serial_number="KR1000001")
    return tse, specialist, case.case_id


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL to approve from eight connections at once: run "
            "`DATABASE_URL=postgres://… make test-postgres` (SQLite serialises writers anyway)"
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_d51_rma_numbers_are_unique_and_increasing_from_eight_concurrent_connections(
    seeded: None, settings: Any
) -> None:
    _needs_postgresql()
    settings.RMA_NUMBER_START = 4_000_000
    tse, specialist, case_id = _setting_up()
    # A unit is on one open request at a time: each is made, put aside, and all are pending again below.
    pending = []
    for _ in range(THREADS * PER_THREAD):
        request = services.request_rma(tse, case_id, [line("KR1000002"), line("KR1000003")])
        RmaRequest.objects.filter(pk=request.pk).update(status="cancelled")
        pending.append(request.validation_number)
    RmaRequest.objects.update(status="pending")

    def approve(n: int) -> list[tuple[str, str]]:
        return [
            (number, services.approve(specialist, number).rma_number or "")
            for number in pending[n * PER_THREAD : (n + 1) * PER_THREAD]
        ]

    results = _in_threads(approve)
    numbers = [int(rma[1:]) for _, rma in results]
    assert sorted(numbers) == list(range(4_000_000, 4_000_000 + THREADS * PER_THREAD))  # unique, no gaps
    # Increasing: each connection's approvals, made one after another, got ever larger numbers.
    by_request = dict(results)
    for n in range(THREADS):
        mine = [int(by_request[v][1:]) for v in pending[n * PER_THREAD : (n + 1) * PER_THREAD]]
        assert mine == sorted(mine)
    first = RmaRequest.objects.get(rma_number="R4000000")
    assert [li.line_number for li in first.lines.order_by("position")] == ["R4000000-1", "R4000000-2"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_d51_validation_numbers_are_unique_from_eight_concurrent_connections(seeded: None) -> None:
    _needs_postgresql()
    tse, _specialist, case_id = _setting_up()
    acme = Organisation.objects.get(name="Acme Telecom")
    router = Product.objects.get(sku="KR-480-AC")
    for n in range(THREADS):  # a unit of each connection's own, shipped within warranty
        installbase.register_asset(installbase.NewAsset(serial=f"KR19000{n}", product=router, owner=acme,
                                                        ship_date=date(2026, 3, 1)))  # fmt: skip

    def request(n: int) -> list[str]:
        made = []
        for _ in range(PER_THREAD):
            created = services.request_rma(tse, case_id, [line(f"KR19000{n}")])
            RmaRequest.objects.filter(pk=created.pk).update(status="cancelled")  # frees the unit for the next
            made.append(created.validation_number)
        return made

    numbers = _in_threads(request)
    assert sorted(numbers) == [f"V20260615-{n:04d}" for n in range(1, THREADS * PER_THREAD + 1)]

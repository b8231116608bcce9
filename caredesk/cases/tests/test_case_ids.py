"""D-3.1: case ids YYYY-MMDD-NNNNN, dated in the support centre's zone, unique under
concurrent creation; searches accept them with or without dashes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection, connections

from caredesk.cases.queries import CaseFilter, get_case, list_cases
from caredesk.core.identifiers import allocate_case_id, normalise_case_id
from tests.personas import World, admin_case


def test_ids_count_per_day_from_one(world: World) -> None:
    with time_machine.travel(datetime(2026, 3, 2, 18, 0, tzinfo=UTC), tick=False):
        ids = [admin_case(world.alice).case_id for _ in range(3)]
    assert ids == ["2026-0302-00001", "2026-0302-00002", "2026-0302-00003"]
    with time_machine.travel(datetime(2026, 3, 3, 18, 0, tzinfo=UTC), tick=False):
        assert admin_case(world.alice).case_id == "2026-0303-00001"


def test_the_date_is_the_support_centres_local_date(world: World) -> None:
    # 05:30 UTC on 2 March is still 1 March in America/Los_Angeles (UTC-8).
    with time_machine.travel(datetime(2026, 3, 2, 5, 30, tzinfo=UTC), tick=False):
        assert admin_case(world.alice).case_id == "2026-0301-00001"


def test_the_zone_is_a_setting(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SUPPORT_TIME_ZONE = "Europe/Amsterdam"
    with time_machine.travel(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), tick=False):
        assert admin_case(world.alice).case_id == "2026-0302-00001"


def test_the_number_widens_only_after_99999(db: None) -> None:
    from caredesk.core.models import Sequence

    moment = datetime(2026, 5, 5, 20, 0, tzinfo=UTC)
    Sequence.objects.create(name="case:2026-05-05", value=99_998)
    assert allocate_case_id(moment) == "2026-0505-99999"
    assert allocate_case_id(moment) == "2026-0505-100000"


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("2026-0302-00017", "2026-0302-00017"),
        ("2026030200017", "2026-0302-00017"),
        ("  2026-0302-00017 ", "2026-0302-00017"),
        ("20260302-00017", "2026-0302-00017"),
        ("2026-030200017", "2026-0302-00017"),
        ("2026-0302-0017", None),
        ("R2026030200017", None),
        ("2026-0302-00017x", None),
    ],
)
def test_ids_are_recognised_with_or_without_dashes(typed: str, canonical: str | None) -> None:
    assert normalise_case_id(typed) == canonical


def test_finding_a_case_by_id_without_dashes(world: World) -> None:
    case = admin_case(world.alice)
    assert get_case(world.alice, case.case_id.replace("-", "")) == case
    page = list_cases(world.alice, CaseFilter(query=f" {case.case_id.replace('-', '')} "))
    assert [c.case_id for c in page.items] == [case.case_id]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ids_stay_unique_and_sequential_from_eight_concurrent_connections(seeded: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run `make test-postgres` (DATABASE_URL) to exercise real concurrency")
    from tests.personas import build_world

    world = build_world()
    per_thread, threads = 10, 8
    ids: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)
    lock = threading.Lock()

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(per_thread):
                case_id = admin_case(world.alice).case_id
                with lock:
                    ids.append(case_id)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    with time_machine.travel(datetime(2026, 7, 1, 19, 0, tzinfo=UTC), tick=False):
        pool = [threading.Thread(target=work) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    assert not errors, errors
    assert sorted(ids) == [f"2026-0701-{n:05d}" for n in range(1, per_thread * threads + 1)]

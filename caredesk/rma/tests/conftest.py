"""The RMA tests' people and a technical case of Acme's, on the installed base's day."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from caredesk.accounts import services as accounts
from caredesk.accounts.models import User
from caredesk.cases.models import Case
from caredesk.rma.services import NewLine
from tests.personas import PASSWORD, TODAY, World, admin_case


@pytest.fixture
def tse(world: World) -> User:
    return accounts.create_user("tse@vendor.example", "Tara Tse", world.vendor, PASSWORD, roles=["tse"])


@pytest.fixture
def specialist(world: World) -> User:
    return accounts.create_user("rma@vendor.example", "Rita Returns", world.vendor, PASSWORD, roles=["rma_specialist"])


@pytest.fixture
def case(world: World, ib: Any) -> Case:
    """Acme's technical case about its unit under the premium contract."""
    return admin_case(
        world.alice, kind="technical", request_type="", request_subtype="", serial_number="KR1000001",
        summary="Router KR1000001 reboots every hour",
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _on_the_installed_bases_day() -> Any:
    with time_machine.travel(TODAY.isoformat() + " 17:00 +00:00", tick=False):
        yield


def line(serial: str, category: str = "hardware_fault", text: str = "Reboots every hour; the fan is loud.") -> NewLine:
    return NewLine(serial=serial, fault_category=category, failure_description=text)


def approved(tse: User, specialist: User, case: Case, *serials: str) -> Any:
    """An approved request for ``serials`` of Acme's technical case."""
    from caredesk.rma import services

    request = services.request_rma(tse, case.case_id, [line(s) for s in serials])
    return services.approve(specialist, request.validation_number)


def line_of(request: Any, position: int = 1) -> Any:
    from caredesk.rma.models import RmaLine

    return RmaLine.objects.get(request=request, position=position)

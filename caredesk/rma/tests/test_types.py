"""D-5.2: each line's RMA type follows the unit's entitlement at the time of the request,
with the reason shown; an unentitled unit gets a time-and-material quote that the
customer accepts or declines."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from caredesk.accounts.models import User
from caredesk.cases.models import Case
from caredesk.core.errors import Conflict, Forbidden
from caredesk.entitlements import services as entitlements
from caredesk.entitlements.models import ServiceLevel
from caredesk.installbase import services as installbase
from caredesk.rma import services
from caredesk.rma.models import QuoteStatus, RmaStatus, RmaType, TypeReason
from caredesk.rma.queries import rma_lines
from caredesk.rma.tests.conftest import line
from tests.personas import TODAY, World


def _unit(world: World, ib: Any, serial: str, shipped: date) -> None:
    installbase.register_asset(
        installbase.NewAsset(serial=serial, product=ib.router, owner=world.acme, ship_date=shipped)
    )


def _types(tse: User, case: Case, *serials: str) -> list[tuple[str, str, str]]:
    request = services.request_rma(tse, case.case_id, [line(s) for s in serials])
    return [(li.serial, li.rma_type, li.reason_text()) for li in rma_lines(request)]


def test_d52_a_contract_that_replaces_ahead_gives_advance_replacement(tse: User, case: Case) -> None:
    [(_, kind, why)] = _types(tse, case, "KR1000001")
    assert kind == RmaType.ADVANCE_REPLACEMENT
    assert why.startswith("Contract C-ACME-100 (") and why.endswith(") replaces hardware ahead.")


def test_d52_a_return_to_factory_level_gives_factory_repair(world: World, tse: User, case: Case, ib: Any) -> None:
    _unit(world, ib, "KR1000010", date(2024, 1, 10))
    unit = installbase.Asset.objects.get(serial="KR1000010")
    level = ServiceLevel.objects.get(code="standard-rtf")
    entitlements.create_contract(entitlements.NewContract(
        contract_id="C-ACME-RTF", organisation=world.acme, service_level=level,
        starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31), assets=[unit],
    ))  # fmt: skip
    [(_, kind, why)] = _types(tse, case, "KR1000010")
    assert kind == RmaType.RETURN_TO_FACTORY and "C-ACME-RTF" in why and "return to factory repair" in why


def test_d52_hardware_warranty_gives_standard_product_warranty(tse: User, case: Case) -> None:
    [(_, kind, why)] = _types(tse, case, "KR1000003")  # shipped 2026-02-15
    assert (kind, why) == (RmaType.WARRANTY, "In hardware warranty until 2027-02-14.")


@pytest.mark.parametrize(("days_ago", "doa"), [(0, True), (30, True), (31, False)])
def test_d52_dead_on_arrival_within_30_days_of_shipping(
    world: World, tse: User, case: Case, ib: Any, days_ago: int, doa: bool
) -> None:
    _unit(world, ib, "KR1000011", TODAY - timedelta(days=days_ago))
    [(_, kind, why)] = _types(tse, case, "KR1000011")
    assert (kind == RmaType.DEAD_ON_ARRIVAL) is doa
    if doa:
        assert why == f"Shipped on {(TODAY - timedelta(days=days_ago)).isoformat()}, no more than 30 days ago."
    else:
        assert kind == RmaType.WARRANTY


def test_d52_the_dead_on_arrival_window_is_a_setting(
    world: World, tse: User, case: Case, ib: Any, settings: Any
) -> None:
    settings.RMA_DOA_DAYS = 45
    _unit(world, ib, "KR1000012", TODAY - timedelta(days=40))
    assert _types(tse, case, "KR1000012")[0][1] == RmaType.DEAD_ON_ARRIVAL


def test_d52_a_unit_without_entitlement_gets_a_priced_quote(tse: User, case: Case, settings: Any) -> None:
    settings.RMA_TIME_AND_MATERIAL_PERCENT = 30
    request = services.request_rma(tse, case.case_id, [line("KR1000001"), line("KR1000004"), line("KR1000005")])
    lapsed, grey = rma_lines(request)[1:]
    for li in (lapsed, grey):  # contract ended; bought on the grey market
        assert (li.rma_type, li.type_reason) == (RmaType.TIME_AND_MATERIAL, TypeReason.NOT_ENTITLED)
        assert li.quote_price == Decimal("3750.00")  # 30 % of 12,500.00
    assert (request.quote_status, request.quote_total, request.quote_currency) == (
        QuoteStatus.OFFERED, Decimal("7500.00"), "USD",
    )  # fmt: skip
    assert rma_lines(request)[0].quote_price is None


def test_d52_nothing_is_approved_before_the_quote_is_accepted(
    world: World, tse: User, specialist: User, case: Case
) -> None:
    request = services.request_rma(tse, case.case_id, [line("KR1000004")])
    with pytest.raises(Conflict):
        services.approve(specialist, request.validation_number)
    for person in (specialist, tse, world.agent):
        with pytest.raises(Forbidden):
            services.answer_quote(person, request.validation_number, True)
    services.answer_quote(world.bob, request.validation_number, True)
    with pytest.raises(Conflict):
        services.answer_quote(world.bob, request.validation_number, False)  # answered
    approved = services.approve(specialist, request.validation_number)
    assert approved.quote_status == QuoteStatus.ACCEPTED and approved.rma_number


def test_d52_a_declined_quote_takes_its_units_off_the_request(
    world: World, tse: User, specialist: User, case: Case, settings: Any
) -> None:
    settings.RMA_NUMBER_START = 500
    request = services.request_rma(tse, case.case_id, [line("KR1000004"), line("KR1000001")])
    declined = services.answer_quote(world.alice, request.validation_number, False)
    assert (declined.status, declined.quote_status) == (RmaStatus.PENDING, QuoteStatus.DECLINED)
    approved = services.approve(specialist, request.validation_number)
    assert [(li.serial, li.withdrawn, li.line_number) for li in rma_lines(approved)] == [
        ("KR1000004", True, None), ("KR1000001", False, "R500-1"),
    ]  # fmt: skip


def test_d52_declining_the_quote_of_every_unit_cancels_the_request(world: World, tse: User, case: Case) -> None:
    request = services.request_rma(tse, case.case_id, [line("KR1000004")])
    cancelled = services.answer_quote(world.alice, request.validation_number, False)
    assert cancelled.status == RmaStatus.CANCELLED and cancelled.rma_number is None


def _depot(name: str, speeds: list[str], country: str = "DE") -> None:
    from caredesk.entitlements.models import Depot, DepotArea

    depot = Depot.objects.create(name=name, replacements=speeds)
    DepotArea.objects.create(depot=depot, country=country)


def test_d52_an_advance_replacement_ships_by_its_contracts_speed_from_the_depot_that_covers_the_site(
    tse: User, specialist: User, case: Case
) -> None:
    _depot("Amsterdam spares", ["next_business_day"])
    _depot("Frankfurt spares", ["same_day_4h", "next_business_day"])
    _depot("Lyon spares", ["same_day_4h"], country="FR")
    request = services.request_rma(tse, case.case_id, [line("KR1000001")])  # premium: same day, 4 hours
    approved = services.approve(specialist, request.validation_number)
    [unit] = rma_lines(approved)
    assert unit.ship_by == approved.decided_at + timedelta(hours=4)  # type: ignore[operator]
    assert unit.ship_from == "Frankfurt spares"  # the one in the site's country that delivers that speed


def test_d52_no_depot_delivering_the_speed_at_the_site_promises_no_ship_by_time(
    tse: User, specialist: User, case: Case
) -> None:
    _depot("Amsterdam spares", ["next_business_day"])  # not the contract's four hours
    request = services.request_rma(tse, case.case_id, [line("KR1000001")])
    [unit] = rma_lines(services.approve(specialist, request.validation_number))
    assert (unit.ship_by, unit.ship_from) == (None, "")

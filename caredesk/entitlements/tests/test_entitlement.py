"""D-2.6: the entitlement query by serial number, SSRN and contract id, with D-2.4 (24x7,
PAR), D-2.5 (warranty) and D-2.9 (grey market) in its answers; D-1.3 on who may ask."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from caredesk.core.errors import NotFound, ValidationFailed
from caredesk.entitlements.queries import entitlement, warranty_of
from tests.personas import InstalledBase, World


def test_an_asset_under_an_active_contract_is_entitled_with_its_level(world: World, ib: InstalledBase) -> None:
    answer = entitlement(world.alice, "kr1000001")  # any case, surrounding spaces allowed
    assert answer.found_by == "serial"
    item = answer.assets[0]
    assert item.asset == ib.covered and item.product == ib.router
    assert [c.contract_id for c in item.active_contracts] == ["C-ACME-100", "C-ACME-200"]
    assert item.technical_cases and item.includes_24x7
    assert item.hardware_replacement == "same_day_4h"
    assert item.reasons == [] and item.options == []


def test_par_contracts_never_include_24x7(world: World, ib: InstalledBase) -> None:
    item = entitlement(world.alice, "KR1000002").assets[0]
    assert item.technical_cases
    assert not item.includes_24x7
    assert item.hardware_replacement == "next_business_day"


def test_the_database_refuses_a_par_level_with_24x7(world: World, ib: InstalledBase) -> None:
    from django.db import IntegrityError, transaction

    ib.par.includes_24x7 = True
    with pytest.raises(IntegrityError), transaction.atomic():
        ib.par.save()


def test_warranty_alone_entitles_but_brings_no_24x7(world: World, ib: InstalledBase) -> None:
    item = entitlement(world.alice, "KR1000003").assets[0]
    assert item.contracts == []
    assert item.warranty.hardware_active and item.warranty.software_active is False  # 120 days after shipping
    assert item.technical_cases and not item.includes_24x7


def test_a_lapsed_unit_says_why_and_what_to_do(world: World, ib: InstalledBase) -> None:
    item = entitlement(world.alice, "KR1000004").assets[0]
    assert not item.technical_cases
    assert item.reasons == [
        "The support contract ended on 2025-04-30.",
        "The warranty ended on 2023-05-09.",
    ]
    assert "through an authorised partner (Netsellers)" in item.options[0]
    assert "time-and-material" in item.options[1]


def test_a_grey_market_unit_is_not_entitled_even_under_contract(world: World, ib: InstalledBase) -> None:
    item = entitlement(world.alice, "KR1000005").assets[0]
    assert item.active_contracts  # the contract is there …
    assert not item.technical_cases and not item.includes_24x7  # … but does not count (D-2.9)
    assert item.hardware_replacement == "none"
    assert "reinstatement" in item.reasons[0] and "reinstatement" in item.options[0]


def test_an_eol_product_is_flagged(world: World, ib: InstalledBase) -> None:
    assert entitlement(world.alice, "KS2200001").assets[0].eol_announced
    assert not entitlement(world.alice, "KR1000001").assets[0].eol_announced


def test_by_ssrn_the_software_contract_and_its_units(world: World, ib: InstalledBase) -> None:
    answer = entitlement(world.alice, "SSRN-7001")
    assert answer.found_by == "ssrn"
    assert answer.contract is not None and answer.contract.contract_id == "C-ACME-200"
    assert [a.asset.serial for a in answer.assets] == ["KR1000001"]
    assert answer.technical_cases


def test_by_contract_id_every_unit_it_covers(world: World, ib: InstalledBase) -> None:
    answer = entitlement(world.alice, "C-ACME-100")
    assert answer.found_by == "contract"
    assert [(a.asset.serial, a.technical_cases) for a in answer.assets] == [("KR1000001", True), ("KR1000005", False)]
    ended = entitlement(world.alice, "C-ACME-050")
    assert ended.contract is not None and not ended.contract.active and not ended.technical_cases


@pytest.mark.parametrize(
    ("person", "serial", "visible"),
    [
        ("alice", "KR1000001", True),
        ("bob", "KR1000001", True),
        ("carol", "KR1000001", True),  # consultant associated with Acme
        ("paul", "KR1000001", True),  # Acme's partner
        ("charlie", "KR1000001", False),
        ("gina", "KR1000001", False),
        ("agent", "KR1000001", True),
        ("agent", "KR3000001", False),  # government customer's unit, staff not cleared
        ("cleared", "KR3000001", True),
        ("alice", "KR2000001", False),
        ("alice", "C-GLOBEX-1", False),
        ("paul", "C-ACME-100", True),
        ("charlie", "SSRN-7001", False),
    ],
)
def test_who_may_ask_about_what(world: World, ib: InstalledBase, person: str, serial: str, visible: bool) -> None:
    if visible:
        assert entitlement(world.person(person), serial).query == serial
    else:
        with pytest.raises(NotFound):
            entitlement(world.person(person), serial)


@pytest.mark.parametrize("text", ["", "   ", "x" * 65])
def test_a_query_needs_a_number(world: World, ib: InstalledBase, text: str) -> None:
    with pytest.raises(ValidationFailed):
        entitlement(world.alice, text)


@pytest.mark.parametrize(
    ("day", "hardware", "software"),
    [
        (date(2025, 3, 1), True, True),  # the ship date itself
        (date(2025, 5, 29), True, True),  # day 90 of the software warranty
        (date(2025, 5, 30), True, False),  # day 91
        (date(2026, 2, 28), True, False),  # last day of 12 months from 1 March
        (date(2026, 3, 1), False, False),
    ],
)
def test_warranty_runs_one_year_hardware_and_90_days_software(
    world: World, ib: InstalledBase, day: date, hardware: bool, software: bool
) -> None:
    ib.in_warranty.ship_date = date(2025, 3, 1)
    warranty = warranty_of(ib.in_warranty, ib.router, day)
    assert (warranty.hardware_active, warranty.software_active) == (hardware, software)


def test_entitlement_follows_the_calendar(world: World, ib: InstalledBase) -> None:
    with time_machine.travel("2027-01-01 17:00 +00:00", tick=False):  # the premium contract has ended
        item = entitlement(world.alice, "KR1000001").assets[0]
    assert not item.technical_cases
    assert item.reasons[0] == "The support contract ended on 2026-12-31."


@pytest.mark.parametrize(
    ("day", "hardware"),
    [(date(2025, 2, 28), True), (date(2025, 3, 1), False)],  # shipped on 29 February: no anniversary
)
def test_a_warranty_from_29_february_ends_on_28_february(
    world: World, ib: InstalledBase, day: date, hardware: bool
) -> None:
    ib.in_warranty.ship_date = date(2024, 2, 29)
    assert warranty_of(ib.in_warranty, ib.router, day).hardware_active is hardware

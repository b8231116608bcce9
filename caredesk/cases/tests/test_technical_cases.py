"""D-3.2: technical cases need an entitled serial (or an active SSRN) of the case's
organisation; D-3.4: a serial or SSRN fills the product series and platform."""

from __future__ import annotations

import pytest

from caredesk.cases.models import Case
from caredesk.core.errors import ValidationFailed
from tests.personas import InstalledBase, World, admin_case


def technical(user, **fields):  # type: ignore[no-untyped-def]
    return admin_case(user, kind="technical", request_type="", request_subtype="", **fields)


def test_an_entitled_serial_opens_a_technical_case_with_its_product(world: World, ib: InstalledBase) -> None:
    case = technical(world.alice, serial_number=" kr1000001 ")
    assert case.kind == "technical"
    assert (case.serial_number, case.product_series, case.platform) == ("KR1000001", "KR Series", "KR-480")


def test_warranty_is_enough(world: World, ib: InstalledBase) -> None:
    assert technical(world.bob, serial_number="KR1000003").platform == "KR-480"


@pytest.mark.parametrize(
    ("serial", "why"),
    [
        ("KR1000004", "The support contract ended on 2025-04-30."),  # lapsed
        ("KR1000005", "inspection and reinstatement"),  # grey market
        ("KR2000001", "No unit with serial number KR2000001 is registered to this organisation."),  # Globex's
        ("NOPE", "No unit with serial number NOPE is registered to this organisation."),
    ],
)
def test_a_technical_case_is_refused_for_a_serial_without_support(
    world: World, ib: InstalledBase, serial: str, why: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        technical(world.alice, serial_number=serial)
    assert why in refused.value.fields["serial_number"]
    assert not Case.objects.exists()


def test_without_serial_or_ssrn_a_technical_case_is_refused(world: World, ib: InstalledBase) -> None:
    with pytest.raises(ValidationFailed) as refused:
        technical(world.alice)
    assert "serial number or SSRN" in refused.value.fields["serial_number"]


def test_an_active_ssrn_opens_a_technical_case(world: World, ib: InstalledBase) -> None:
    case = technical(world.alice, ssrn="SSRN-7001")
    assert (case.ssrn, case.platform) == ("SSRN-7001", "KR-480")


def test_staff_open_technical_cases_only_on_the_customers_own_units(world: World, ib: InstalledBase) -> None:
    ok = technical(
        world.agent, serial_number="KR1000001", organisation_id=world.acme.pk, contact_email="alice@acme.example"
    )
    assert ok.organisation == world.acme
    with pytest.raises(ValidationFailed):
        technical(
            world.agent, serial_number="KR2000001", organisation_id=world.acme.pk, contact_email="alice@acme.example"
        )


def test_admin_cases_take_the_product_of_a_serial_too(world: World, ib: InstalledBase) -> None:
    case = admin_case(world.alice, serial_number="KS2200001")
    assert (case.product_series, case.platform) == ("KS Series", "KS-2200")
    unknown = admin_case(world.alice, serial_number="ZZ999")  # an admin case may name an unknown serial
    assert unknown.platform == ""


def test_an_ssrn_is_matched_whatever_its_case(world: World, ib: InstalledBase) -> None:
    case = technical(world.alice, ssrn=" ssrn-7001 ")
    assert (case.ssrn, case.platform) == ("SSRN-7001", "KR-480")

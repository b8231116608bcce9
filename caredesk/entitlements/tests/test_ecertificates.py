"""D-2.7: support e-certificates: coverage starts on the earlier of receipt + 30 days and
activation; valid only in the sales region where bought; next-day ones only for sites in
the continental USA or an EU member state."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from caredesk.accounts import services as accounts
from caredesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caredesk.entitlements.models import ECertificate, SalesRegion, ServiceLevel
from caredesk.entitlements.queries import entitlement
from caredesk.entitlements.services import activate_ecertificate, coverage_start
from caredesk.installbase import services as installbase
from tests.personas import InstalledBase, World


@pytest.mark.parametrize(
    ("activated", "start"),
    [
        (date(2026, 1, 20), date(2026, 1, 20)),  # activated early: coverage from activation
        (date(2026, 1, 31), date(2026, 1, 31)),  # receipt + 30 days exactly
        (date(2026, 2, 1), date(2026, 1, 31)),  # activated late: coverage from receipt + 30 days
        (date(2026, 6, 1), date(2026, 1, 31)),
    ],
)
def test_coverage_starts_on_the_earlier_of_receipt_plus_30_days_and_activation(activated: date, start: date) -> None:
    assert coverage_start(date(2026, 1, 1), activated) == start


def certificate(world: World, region: str, level: str, code: str = "EC-1") -> ECertificate:
    return ECertificate.objects.create(
        code=code,
        service_level=ServiceLevel.objects.get(code=level),
        organisation=world.acme,
        sales_region=SalesRegion.objects.get(code=region),
        received_on=date(2026, 5, 1),
    )


def unit_at(world: World, ib: InstalledBase, serial: str, country: str, subdivision: str = ""):  # type: ignore[no-untyped-def]
    site = accounts.add_site(world.acme, f"S-{serial}", f"Site {serial}", country, subdivision=subdivision)
    return installbase.register_asset(
        installbase.NewAsset(serial=serial, product=ib.router, owner=world.acme, site=site, ship_date=date(2021, 1, 1))
    )


def test_activation_makes_a_contract_that_entitles_the_unit(world: World, ib: InstalledBase) -> None:
    unit = unit_at(world, ib, "EC100", "DE")
    assert not entitlement(world.alice, "EC100").technical_cases
    cert = certificate(world, "emea", "premium-4h")
    contract = activate_ecertificate(world.alice, cert.code, "ec100")
    # Received 1 May, activated 15 June: coverage from 31 May for twelve months.
    assert (contract.starts_on, contract.ends_on) == (date(2026, 5, 31), date(2027, 5, 30))
    assert list(contract.assets.all()) == [unit]
    cert.refresh_from_db()
    assert (cert.status, cert.activated_on, cert.asset) == ("activated", date(2026, 6, 15), unit)
    assert entitlement(world.alice, "EC100").technical_cases
    with pytest.raises(Conflict):
        activate_ecertificate(world.alice, cert.code, "EC100")


def test_a_certificate_is_valid_only_in_its_sales_region(world: World, ib: InstalledBase) -> None:
    unit_at(world, ib, "EC200", "US", "US-CA")
    cert = certificate(world, "emea", "premium-4h")
    with pytest.raises(ValidationFailed) as refused:
        activate_ecertificate(world.alice, cert.code, "EC200")
    assert "valid only there" in refused.value.fields["serial"]
    cert.refresh_from_db()
    assert cert.status == "issued" and cert.contract is None


@pytest.mark.parametrize(
    ("region", "country", "subdivision", "valid"),
    [
        ("amer", "US", "US-CA", True),
        ("amer", "US", "TX", True),  # the state without the country prefix
        ("amer", "US", "US-DC", True),
        ("amer", "US", "US-AK", False),  # Alaska
        ("amer", "US", "US-HI", False),  # Hawaii
        ("amer", "PR", "", False),  # Puerto Rico
        ("amer", "CA", "CA-ON", False),  # Canada
        ("amer", "MX", "", False),
        ("emea", "DE", "", True),
        ("emea", "IE", "", True),
        ("emea", "CY", "", True),  # an EU member state outside continental Europe
        ("emea", "GB", "", False),  # left the EU
        ("emea", "NO", "", False),  # Europe, not the EU
        ("emea", "CH", "", False),
        ("apac", "JP", "", False),
    ],
)
def test_next_day_certificates_only_in_the_continental_usa_and_the_eu(
    world: World, ib: InstalledBase, region: str, country: str, subdivision: str, valid: bool
) -> None:
    unit_at(world, ib, "EC300", country, subdivision)
    cert = certificate(world, region, "advanced-nbd")
    if valid:
        assert activate_ecertificate(world.alice, cert.code, "EC300").service_level.code == "advanced-nbd"
    else:
        with pytest.raises(ValidationFailed) as refused:
            activate_ecertificate(world.alice, cert.code, "EC300")
        assert "continental USA or an EU member state" in refused.value.fields["serial"]


def test_a_us_site_without_its_state_cannot_take_a_next_day_certificate(world: World, ib: InstalledBase) -> None:
    unit_at(world, ib, "EC400", "US")
    cert = certificate(world, "amer", "advanced-nbd")
    with pytest.raises(ValidationFailed) as refused:
        activate_ecertificate(world.alice, cert.code, "EC400")
    assert "US state" in refused.value.fields["serial"]


def test_other_levels_are_not_limited_to_those_territories(world: World, ib: InstalledBase) -> None:
    unit_at(world, ib, "EC500", "NO")
    assert activate_ecertificate(world.alice, certificate(world, "emea", "premium-4h").code, "EC500")


def test_the_certificate_and_the_unit_must_be_the_customers(world: World, ib: InstalledBase) -> None:
    cert = certificate(world, "emea", "premium-4h")
    with pytest.raises(NotFound):
        activate_ecertificate(world.charlie, cert.code, "KR2000001")
    with pytest.raises(ValidationFailed):
        activate_ecertificate(world.alice, cert.code, "KR2000001")  # Globex's unit: not visible to Alice
    with pytest.raises(ValidationFailed) as refused:
        activate_ecertificate(world.agent, cert.code, "KR2000001")  # staff see it, but it is not Acme's
    assert "does not belong" in refused.value.fields["serial"]


def test_a_late_activation_starts_coverage_back_at_receipt_plus_30_days(world: World, ib: InstalledBase) -> None:
    unit_at(world, ib, "EC600", "DE")
    cert = certificate(world, "emea", "premium-4h")
    with time_machine.travel("2026-09-01 12:00 +00:00", tick=False):
        contract = activate_ecertificate(world.alice, cert.code, "EC600")
    assert contract.starts_on == date(2026, 5, 31)


def test_a_grey_market_unit_takes_no_certificate_until_reinstated(world: World, ib: InstalledBase) -> None:
    # D-2.9: a contract can be bought for it only after reinstatement.
    cert = certificate(world, "emea", "premium-4h")
    with pytest.raises((ValidationFailed, Conflict)):
        activate_ecertificate(world.alice, cert.code, ib.grey.serial)
    cert.refresh_from_db()
    assert cert.status != "activated" and cert.contract is None


def test_only_customer_care_activates_for_a_customer(world: World, ib: InstalledBase) -> None:
    tse = accounts.create_user("tse@vendor.example", "Tom Tse", world.vendor, "A-long-pass-phrase-1", roles=["tse"])
    unit_at(world, ib, "EC700", "DE")
    cert = certificate(world, "emea", "premium-4h")
    with pytest.raises(Forbidden):
        activate_ecertificate(tse, cert.code, "EC700")
    assert activate_ecertificate(world.agent, cert.code, "EC700").assets.get().serial == "EC700"

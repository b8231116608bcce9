"""D-2.8: an Installed Base Update case moves units; where no depot delivers the
contracted level at the new site, the customer is offered the best level that can be
delivered, the unit is best effort until they accept, and acceptance changes the
contract; every step is in the case history."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from caredesk.accounts import services as accounts
from caredesk.cases import services
from caredesk.cases.queries import case_history
from caredesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caredesk.entitlements.models import Depot, DepotArea, ServiceLevel, ServiceLevelOffer
from caredesk.entitlements.queries import entitlement
from tests.personas import InstalledBase, World, admin_case


def depot(name: str, areas: list[tuple[str, str, str]], speeds: list[str]) -> Depot:
    """A depot serving ``areas`` of (country, subdivision, postal-code prefix)."""
    made = Depot.objects.create(name=name, replacements=speeds)
    for country, subdivision, prefix in areas:
        DepotArea.objects.create(depot=made, country=country, subdivision=subdivision, postal_prefix=prefix)
    return made


@pytest.fixture
def depots(world: World, ib: InstalledBase) -> None:
    depot("Frankfurt", [("DE", "", ""), ("AT", "", "")], ["same_day_4h", "next_business_day"])
    depot("Warsaw", [("PL", "", "")], ["next_business_day"])
    accounts.add_site(world.acme, "S-ACME-VIE", "Acme Vienna", "AT")
    accounts.add_site(world.acme, "S-ACME-WAW", "Acme Warsaw", "PL")
    accounts.add_site(world.acme, "S-ACME-REY", "Acme Reykjavik", "IS")


def update_case(world: World, serials: str, site: str):  # type: ignore[no-untyped-def]
    case = admin_case(
        world.alice,
        request_type="installed-base-update",
        request_subtype="move",
        template_data={"serials": serials, "target_site": site},
    )
    services.assign(world.agent, case.case_id)
    return case


def test_a_move_within_depot_coverage_keeps_the_level(world: World, ib: InstalledBase, depots: None) -> None:
    case = update_case(world, "KR1000001", "S-ACME-VIE")
    assert services.apply_installed_base_update(world.agent, case.case_id) == []
    ib.covered.refresh_from_db()
    assert ib.covered.site.code == "S-ACME-VIE" and not ib.covered.best_effort
    entry = case_history(world.alice, case).get(action="installed_base_updated")
    assert entry.changes["serials"] == ["KR1000001"] and entry.changes["offers"] == []


def test_a_move_beyond_coverage_offers_the_best_deliverable_level(
    world: World, ib: InstalledBase, depots: None
) -> None:
    case = update_case(world, "KR1000001", "S-ACME-WAW")
    offers = services.apply_installed_base_update(world.agent, case.case_id)
    # The premium contract's 4-hour level is not delivered in Poland; next business day is.
    premium_offer = next(o for o in offers if o.contract.contract_id == "C-ACME-100")
    assert premium_offer.offered_level.code == "advanced-nbd"
    item = entitlement(world.alice, "KR1000001").assets[0]
    assert item.best_effort and item.technical_cases  # still entitled, replacement best effort
    history = case_history(world.alice, case).get(action="installed_base_updated")
    assert {"contract": "C-ACME-100", "serial": "KR1000001", "from": "Premium, 4-hour replacement",
            "offered": "Advanced, next business day"} in history.changes["offers"]  # fmt: skip

    # The customer accepts: the contract changes and the unit is no longer best effort.
    for offer in offers:
        services.accept_service_level_offer(world.alice, case.case_id, offer.pk)
    ib.contract.refresh_from_db()
    assert ib.contract.service_level.code == "advanced-nbd"
    assert not entitlement(world.alice, "KR1000001").assets[0].best_effort
    assert case_history(world.alice, case).filter(action="service_level_accepted").count() == len(offers)
    with pytest.raises(Conflict):
        services.accept_service_level_offer(world.alice, case.case_id, premium_offer.pk)


def test_with_no_depot_at_all_return_to_factory_is_offered(world: World, ib: InstalledBase, depots: None) -> None:
    case = update_case(world, "KR1000002", "S-ACME-REY")  # Iceland: no depot
    (offer,) = services.apply_installed_base_update(world.agent, case.case_id)
    assert offer.from_level.code == "par-nbd" and offer.offered_level.hw_replacement == "return_to_factory"


def test_only_the_customer_accepts_and_staff_apply(world: World, ib: InstalledBase, depots: None) -> None:
    case = update_case(world, "KR1000001", "S-ACME-WAW")
    with pytest.raises(Forbidden):
        services.apply_installed_base_update(world.alice, case.case_id)
    offers = services.apply_installed_base_update(world.agent, case.case_id)
    with pytest.raises(Forbidden):
        services.accept_service_level_offer(world.agent, case.case_id, offers[0].pk)
    with pytest.raises(Forbidden):
        services.accept_service_level_offer(world.paul, case.case_id, offers[0].pk)  # the partner does not decide
    with pytest.raises(NotFound):
        services.accept_service_level_offer(world.charlie, case.case_id, offers[0].pk)
    with pytest.raises(Conflict):
        services.apply_installed_base_update(world.agent, case.case_id)  # applied once


@pytest.mark.parametrize(
    ("serials", "site", "field"),
    [
        ("KR2000001", "S-ACME-VIE", "serials"),
        ("KR1000001 NOPE1", "S-ACME-VIE", "serials"),
        ("KR1000001", "S-GOV-1", "target_site"),
    ],
)
def test_a_move_of_units_or_to_sites_not_the_customers_is_refused_whole(
    world: World, ib: InstalledBase, depots: None, serials: str, site: str, field: str
) -> None:
    case = update_case(world, serials, site)
    with pytest.raises(ValidationFailed) as refused:
        services.apply_installed_base_update(world.agent, case.case_id)
    assert field in refused.value.fields
    ib.covered.refresh_from_db()
    assert ib.covered.site == world.acme_hq
    assert not ServiceLevelOffer.objects.exists()


def test_other_cases_do_not_move_units(world: World, ib: InstalledBase) -> None:
    case = admin_case(world.alice)
    services.assign(world.agent, case.case_id)
    with pytest.raises(Conflict):
        services.apply_installed_base_update(world.agent, case.case_id)


def test_a_par_contract_is_offered_a_par_level_where_the_catalogue_has_one(
    world: World, ib: InstalledBase, depots: None
) -> None:
    # D-2.4: PAR never includes 24x7; a like-for-like PAR level is preferred over one that adds it.
    ServiceLevel.objects.create(
        code="par-rtf", name="Partner-delivered (PAR), return to factory", hw_replacement="return_to_factory",
        includes_24x7=False, software_support=True, par=True,
    )  # fmt: skip
    case = update_case(world, "KR1000002", "S-ACME-REY")
    (offer,) = services.apply_installed_base_update(world.agent, case.case_id)
    assert offer.offered_level.code == "par-rtf" and not offer.offered_level.includes_24x7


def test_moving_back_into_coverage_withdraws_the_offer_and_the_best_effort(
    world: World, ib: InstalledBase, depots: None
) -> None:
    away = update_case(world, "KR1000001", "S-ACME-WAW")
    assert services.apply_installed_base_update(world.agent, away.case_id)
    assert entitlement(world.alice, "KR1000001").assets[0].best_effort
    back = update_case(world, "KR1000001", "S-ACME-VIE")
    assert services.apply_installed_base_update(world.agent, back.case_id) == []
    assert not entitlement(world.alice, "KR1000001").assets[0].best_effort
    assert not ServiceLevelOffer.objects.filter(asset=ib.covered, status="pending").exists()


def test_only_a_move_is_applied(world: World, ib: InstalledBase, depots: None) -> None:
    case = admin_case(
        world.alice,
        request_type="installed-base-update",
        request_subtype="add",
        template_data={"serials": "KR1000001", "target_site": "S-ACME-VIE"},
    )
    services.assign(world.agent, case.case_id)
    with pytest.raises(Conflict):
        services.apply_installed_base_update(world.agent, case.case_id)
    ib.covered.refresh_from_db()
    assert ib.covered.site == world.acme_hq


def test_a_serial_named_twice_moves_once(world: World, ib: InstalledBase, depots: None) -> None:
    case = update_case(world, "KR1000001 kr1000001", "S-ACME-WAW")
    offers = services.apply_installed_base_update(world.agent, case.case_id)
    assert len([o for o in offers if o.contract.contract_id == "C-ACME-100"]) == 1
    assert case_history(world.alice, case).get(action="installed_base_updated").changes["serials"] == ["KR1000001"]


def test_until_the_offer_is_accepted_the_replacement_is_best_effort_and_nothing_else(
    world: World, ib: InstalledBase, depots: None, api: Any
) -> None:
    """D-2.8: while the customer has not accepted the level offered at the new site, the
    contracted speed (4 hours) is not shown as deliverable there: best effort only."""
    case = update_case(world, "KR1000001", "S-ACME-WAW")
    offers = services.apply_installed_base_update(world.agent, case.case_id)
    item = entitlement(world.alice, "KR1000001").assets[0]
    assert item.hardware_replacement == "best_effort" and item.best_effort
    answer = api("alice").get("/entitlements", q="KR1000001").json()["assets"][0]
    assert answer["hardware_replacement"] == "best_effort" and answer["best_effort"] is True
    assert api("alice").get("/assets/KR1000001").json()["best_effort"] is True
    for person, path in (("alice", "/assets/KR1000001/"), ("agent", "/console/assets/KR1000001/")):
        client = Client()
        client.force_login(world.person(person))
        page = client.get(path).content.decode()
        row = page.split("<dt>Hardware replacement</dt>", 1)[1].split("</dd>", 1)[0]
        assert "Best effort" in row and "4 hours" not in row and "Next business day" not in row

    for offer in offers:
        services.accept_service_level_offer(world.alice, case.case_id, offer.pk)
    item = entitlement(world.alice, "KR1000001").assets[0]
    assert item.hardware_replacement == "next_business_day" and not item.best_effort


@pytest.fixture
def us_sites(world: World, ib: InstalledBase) -> None:
    """Sites of Acme in California (San Francisco, Fresno), New York and London."""
    accounts.add_site(world.acme, "S-ACME-SF", "Acme San Francisco", "US", subdivision="us-ca", postal_code="94105")
    accounts.add_site(world.acme, "S-ACME-FRE", "Acme Fresno", "US", subdivision="US-CA", postal_code="93721")
    accounts.add_site(world.acme, "S-ACME-NY", "Acme New York", "US", subdivision="US-NY", postal_code="10001")
    accounts.add_site(world.acme, "S-ACME-LON", "Acme London", "GB", postal_code="SW1A 1AA")


@pytest.mark.parametrize(
    ("site", "kept"),
    [
        ("S-ACME-SF", True),  # the Bay Area depot's postal codes (941…) in California
        ("S-ACME-FRE", False),  # California, but outside those postal codes: next business day only
        ("S-ACME-NY", False),  # New York: no depot for a 4-hour replacement
        ("S-ACME-LON", True),  # central London by postal-code prefix, spaces ignored
    ],
)
def test_a_depot_can_serve_part_of_a_country_by_subdivision_or_postal_code(
    world: World, ib: InstalledBase, us_sites: None, site: str, kept: bool
) -> None:
    """D-2.8: depot coverage names countries or parts of them (ISO 3166-2 subdivisions,
    postal-code prefixes where those are too coarse)."""
    depot("Bay Area", [("US", "US-CA", "941")], ["same_day_4h", "next_business_day"])
    depot("California", [("US", "US-CA", "")], ["next_business_day"])
    depot("London", [("GB", "", "SW1"), ("GB", "", "EC")], ["same_day_4h"])
    case = update_case(world, "KR1000001", site)
    offers = services.apply_installed_base_update(world.agent, case.case_id)
    premium = [o for o in offers if o.contract.contract_id == "C-ACME-100"]
    assert (premium == []) == kept
    if not kept:
        expected = "advanced-nbd" if site == "S-ACME-FRE" else "standard-rtf"
        assert premium[0].offered_level.code == expected

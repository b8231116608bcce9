"""D-2.8: an Installed Base Update case moves units; where no depot delivers the
contracted level at the new site, the customer is offered the best level that can be
delivered, the unit is best effort until they accept, and acceptance changes the
contract; every step is in the case history."""

from __future__ import annotations

import pytest

from caredesk.accounts import services as accounts
from caredesk.cases import services
from caredesk.cases.queries import case_history
from caredesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caredesk.entitlements.models import Depot, ServiceLevel, ServiceLevelOffer
from caredesk.entitlements.queries import entitlement
from tests.personas import InstalledBase, World, admin_case


@pytest.fixture
def depots(world: World, ib: InstalledBase) -> None:
    Depot.objects.create(name="Frankfurt", countries=["DE", "AT"], replacements=["same_day_4h", "next_business_day"])
    Depot.objects.create(name="Warsaw", countries=["PL"], replacements=["next_business_day"])
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
    assert ib.covered.site.code == "S-ACME-VIE" and not ib.covered.hw_best_effort
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

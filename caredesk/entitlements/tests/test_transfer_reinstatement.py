"""D-2.9: support depends on being the original purchaser. A transferred or grey-market
unit is not entitled until inspection and reinstatement (request, inspection, fee,
decision); then a contract can be bought for it."""

from __future__ import annotations

from datetime import date

import pytest

from caredesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caredesk.core.models import AuditEntry
from caredesk.entitlements import services as entitlements
from caredesk.entitlements.queries import entitlement
from caredesk.installbase import services
from caredesk.installbase.models import ReinstatementStatus, SupportStanding
from tests.personas import InstalledBase, World


@pytest.fixture
def globex_account(world: World) -> str:
    world.globex.account_number = "G-200"
    world.globex.save()
    return "G-200"


def test_an_approved_transfer_moves_the_unit_and_ends_its_support(
    world: World, ib: InstalledBase, globex_account: str
) -> None:
    transfer = services.request_transfer(world.alice, "KR1000001", globex_account)
    assert entitlement(world.alice, "KR1000001").assets[0].technical_cases  # nothing changes before the decision
    services.decide_transfer(world.agent, transfer.pk, approve=True, note="Sale confirmed by both parties.")
    ib.covered.refresh_from_db()
    assert ib.covered.owner == world.globex and ib.covered.standing == SupportStanding.NEEDS_REINSTATEMENT
    with pytest.raises(NotFound):
        entitlement(world.alice, "KR1000001")  # no longer Acme's
    item = entitlement(world.charlie, "KR1000001").assets[0]
    assert item.contracts == [] and not item.technical_cases and "reinstatement" in item.reasons[0]
    entry = AuditEntry.objects.filter(object_type="installbase.asset", action="transfer_decided").get()
    assert sorted(entry.changes["contracts_ended"]) == ["C-ACME-100", "C-ACME-200"]


def test_a_refused_transfer_changes_nothing(world: World, ib: InstalledBase, globex_account: str) -> None:
    transfer = services.request_transfer(world.alice, "KR1000001", globex_account)
    services.decide_transfer(world.agent, transfer.pk, approve=False)
    ib.covered.refresh_from_db()
    assert ib.covered.owner == world.acme and ib.covered.standing == SupportStanding.GOOD
    with pytest.raises(Conflict):
        services.decide_transfer(world.agent, transfer.pk, approve=True)


def test_transfer_requests_are_checked(world: World, ib: InstalledBase, globex_account: str) -> None:
    with pytest.raises(NotFound):
        services.request_transfer(world.charlie, "KR1000001", globex_account)  # not Charlie's to give
    with pytest.raises(ValidationFailed):
        services.request_transfer(world.alice, "KR1000001", "NO-SUCH")
    transfer = services.request_transfer(world.alice, "KR1000001", globex_account)
    with pytest.raises(Conflict):
        services.request_transfer(world.bob, "KR1000001", globex_account)
    with pytest.raises(Forbidden):
        services.decide_transfer(world.alice, transfer.pk, approve=True)


def test_reinstatement_goes_request_inspection_fee_decision(world: World, ib: InstalledBase) -> None:
    request = services.request_reinstatement(world.alice, "KR1000005")  # the grey-market unit
    assert not entitlement(world.alice, "KR1000005").assets[0].technical_cases
    services.advance_reinstatement(world.agent, request.pk, "inspect")
    with pytest.raises(Conflict):
        services.advance_reinstatement(world.agent, request.pk, "paid")  # no fee before inspection passes
    services.advance_reinstatement(world.agent, request.pk, "pass", fee="1500.00", note="Genuine, good condition.")
    assert not entitlement(world.alice, "KR1000005").assets[0].technical_cases  # the fee is still due
    done = services.advance_reinstatement(world.agent, request.pk, "paid")
    assert done.status == ReinstatementStatus.REINSTATED and str(done.fee) == "1500.00"
    ib.grey.refresh_from_db()
    assert ib.grey.standing == SupportStanding.GOOD
    assert entitlement(world.alice, "KR1000005").assets[0].technical_cases  # its contract now counts


def test_after_reinstatement_a_contract_can_be_bought(world: World, ib: InstalledBase, globex_account: str) -> None:
    transfer = services.request_transfer(world.alice, "KR1000003", globex_account)
    services.decide_transfer(world.agent, transfer.pk, approve=True)
    request = services.request_reinstatement(world.charlie, "KR1000003")
    for step, extra in (("inspect", {}), ("pass", {"fee": "0"}), ("paid", {})):
        services.advance_reinstatement(world.agent, request.pk, step, **extra)  # type: ignore[arg-type]
    ib.in_warranty.refresh_from_db()
    entitlements.create_contract(
        entitlements.NewContract(contract_id="C-GLOBEX-9", organisation=world.globex, service_level=ib.premium,
                                 starts_on=date(2026, 6, 1), ends_on=date(2027, 5, 31), assets=[ib.in_warranty])
    )  # fmt: skip
    assert entitlement(world.charlie, "KR1000003").assets[0].includes_24x7


def test_a_failed_inspection_refuses_and_a_new_request_may_follow(world: World, ib: InstalledBase) -> None:
    request = services.request_reinstatement(world.alice, "KR1000005")
    with pytest.raises(Conflict):
        services.request_reinstatement(world.alice, "KR1000005")  # one open request at a time
    services.advance_reinstatement(world.agent, request.pk, "inspect")
    refused = services.advance_reinstatement(world.agent, request.pk, "fail", note="Counterfeit chassis.")
    assert refused.status == ReinstatementStatus.REFUSED and refused.inspection_note == "Counterfeit chassis."
    assert services.request_reinstatement(world.alice, "KR1000005").status == ReinstatementStatus.REQUESTED


def test_only_units_that_need_it_and_only_staff_decide(world: World, ib: InstalledBase) -> None:
    with pytest.raises(Conflict):
        services.request_reinstatement(world.alice, "KR1000001")  # with its original purchaser
    request = services.request_reinstatement(world.alice, "KR1000005")
    with pytest.raises(Forbidden):
        services.advance_reinstatement(world.alice, request.pk, "inspect")
    with pytest.raises(ValidationFailed):
        services.advance_reinstatement(world.agent, request.pk, "teleport")
    services.advance_reinstatement(world.agent, request.pk, "inspect")
    with pytest.raises(ValidationFailed):
        services.advance_reinstatement(world.agent, request.pk, "pass", fee="lots")

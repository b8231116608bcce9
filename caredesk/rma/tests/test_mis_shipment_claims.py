"""D-5.7: mis-shipment claims. Only the organisation that placed the order with the vendor
claims (a partner's end customer is sent to the partner), within 90 days of shipping
counted in the support centre's calendar; the correct part's tracking number is shown on
the claim; a refusal says why and opens nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine

from caredesk.cases.models import Case
from caredesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from caredesk.core.models import AuditEntry
from caredesk.installbase import services as installbase
from caredesk.installbase.models import Asset
from caredesk.rma import claims
from caredesk.rma.models import ClaimStatus, MisShipmentClaim
from tests.personas import World

SHIPPED = date(2026, 3, 17)  # day 90 after it is 2026-06-15
DAY_90 = "2026-06-15 12:00 -07:00"  # noon in the support centre (America/Los_Angeles)
DAY_91 = "2026-06-16 12:00 -07:00"


@pytest.fixture
def orders(world: World, ib: Any) -> None:
    """SO-100: Acme's direct order, two lines; SO-200: Acme's order through Netsellers."""

    def unit(serial: str, order: str, line: int, **extra: Any) -> Asset:
        return installbase.register_asset(
            installbase.NewAsset(serial=serial, product=ib.router, owner=world.acme, ship_date=SHIPPED,
                                 sales_order=order, order_line=line, **extra)
        )  # fmt: skip

    unit("KR5000001", "SO-100", 1)
    unit("KR5000002", "SO-100", 2)
    unit("KR5000003", "SO-200", 1, channel="partner", partner=world.netsellers)


def claim(user: Any, order: str = "SO-100", lines: tuple[int, ...] = (1,), **extra: Any) -> MisShipmentClaim:
    data = {
        "sales_order": order, "kind": "line_items", "order_lines": list(lines), "priority": "P3",
        "follow_up_method": "email", "callback_phone": "+49 69 1234 5678",
        "summary": "Line 1 arrived with the wrong model", "description": "The boxes hold 24-port switches.",
    }  # fmt: skip
    data.update(extra)
    return claims.claim_mis_shipment(user, claims.NewClaim(**data))


def refused(user: Any, **extra: Any) -> dict[str, str]:
    """The fields of the refusal; nothing was opened for processing."""
    cases, kept = Case.objects.count(), MisShipmentClaim.objects.count()
    with pytest.raises(ValidationFailed) as refusal:
        claim(user, **extra)
    assert (Case.objects.count(), MisShipmentClaim.objects.count()) == (cases, kept)
    return refusal.value.fields


@time_machine.travel(DAY_90, tick=False)
def test_it_accepts_a_mis_shipment_claim_on_day_90(world: World, orders: None) -> None:
    made = claim(world.alice, lines=(2, 1))
    case = made.case
    assert (made.sales_order, made.order_lines, made.shipped_on) == ("SO-100", [1, 2], SHIPPED)
    assert case.request_type.code == "mis-shipment"  # type: ignore[union-attr]
    assert case.request_subtype.code == "missing-or-incorrect-sales-order-line-items"  # type: ignore[union-attr]
    assert case.template_data == {"sales_order": "SO-100", "ship_date": "2026-03-17"}
    assert made.organisation_id == case.organisation_id == world.acme.pk
    assert AuditEntry.objects.filter(object_id=str(case.pk), action="mis_shipment_claimed").exists()


@time_machine.travel(DAY_91, tick=False)
def test_it_rejects_a_mis_shipment_claim_on_day_91(world: World, orders: None) -> None:
    fields = refused(world.alice)
    assert fields["order_lines"] == (
        "Line 1 shipped on 2026-03-17, 91 days ago: a mis-shipment can be claimed up to 90 days after shipping."
    )


def test_the_days_are_counted_in_the_support_centres_zone(world: World, orders: None) -> None:
    # 06:30 UTC on the 16th is still the evening of the 15th (day 90) in Los Angeles ...
    with time_machine.travel("2026-06-16 06:30 +00:00", tick=False):
        assert claim(world.alice).order_lines == [1]
    # ... and at midnight there it is day 91, though UTC's date has not changed.
    with time_machine.travel("2026-06-16 07:00 +00:00", tick=False):
        assert "91 days ago" in refused(world.alice, lines=(2,))["order_lines"]


@time_machine.travel(DAY_90, tick=False)
def test_a_partners_end_customer_is_sent_to_the_partner(world: World, orders: None) -> None:
    fields = refused(world.alice, order="SO-200")
    assert fields["sales_order"] == (
        "Order SO-200 was placed by your partner Netsellers. Please ask Netsellers to claim the mis-shipment: "
        "only the organisation that ordered from us directly can claim it."
    )


@time_machine.travel(DAY_90, tick=False)
def test_the_partner_that_placed_the_order_claims_it(world: World, orders: None) -> None:
    made = claim(world.paul, order="SO-200")
    assert made.organisation_id == made.case.organisation_id == world.netsellers.pk


@time_machine.travel(DAY_90, tick=False)
def test_a_partner_cannot_claim_its_customers_direct_order(world: World, orders: None) -> None:
    fields = refused(world.paul, order="SO-100")
    assert (
        fields["sales_order"]
        == "Only the organisation that placed order SO-100 with us can claim a mis-shipment on it."
    )


@time_machine.travel(DAY_90, tick=False)
def test_an_order_one_cannot_see_is_not_found(world: World, orders: None) -> None:
    assert refused(world.charlie)["sales_order"] == "No sales order SO-100 with units you can see."


@time_machine.travel(DAY_90, tick=False)
def test_a_unit_bought_on_the_grey_market_was_not_ordered_from_the_vendor(world: World, orders: None) -> None:
    Asset.objects.filter(serial="KR5000002").update(channel="unauthorised")
    assert "Only the organisation" in refused(world.alice, lines=(2,))["sales_order"]


@time_machine.travel(DAY_90, tick=False)
def test_a_line_not_on_the_order_and_an_unknown_kind_are_refused(world: World, orders: None) -> None:
    fields = refused(world.alice, lines=(7,), kind="everything")
    assert fields["order_lines"] == "Order SO-100 has no line 7."
    assert fields["kind"] == "Choose what was shipped wrong."
    assert "order_lines" in refused(world.alice, lines=())


@time_machine.travel(DAY_91, tick=False)
def test_the_claims_and_the_cases_problems_are_told_at_once(world: World, orders: None) -> None:
    fields = refused(world.alice, summary="", callback_phone="not a phone")
    assert {"order_lines", "summary", "callback_phone"} <= set(fields)


@time_machine.travel(DAY_90, tick=False)
def test_the_claim_shows_the_tracking_number_once_the_correct_part_ships(world: World, orders: None) -> None:
    made = claim(world.alice)
    shipped = claims.record_part_shipped(world.agent, made.case.case_id, "DHL", " 1Z999AA10123456784 ")
    seen = claims.get_claim(world.bob, made.case.case_id)
    assert (seen.status, seen.carrier, seen.tracking_number) == (ClaimStatus.SHIPPED, "DHL", "1Z999AA10123456784")
    assert shipped.part_shipped_by == world.agent
    assert AuditEntry.objects.filter(object_id=str(made.case.pk), action="mis_shipment_part_shipped").exists()
    with pytest.raises(Conflict):
        claims.record_part_shipped(world.agent, made.case.case_id, "UPS", "2")


@time_machine.travel(DAY_90, tick=False)
def test_only_staff_record_the_shipment_and_others_do_not_find_the_claim(world: World, orders: None) -> None:
    made = claim(world.alice)
    with pytest.raises(Forbidden):
        claims.record_part_shipped(world.alice, made.case.case_id, "DHL", "1Z")
    with pytest.raises(NotFound):
        claims.get_claim(world.charlie, made.case.case_id)
    with pytest.raises(ValidationFailed) as missing:
        claims.record_part_shipped(world.agent, made.case.case_id, "", "")
    assert {"carrier", "tracking_number"} <= set(missing.value.fields)
    assert MisShipmentClaim.objects.get().status == ClaimStatus.OPEN


@time_machine.travel(DAY_90, tick=False)
def test_a_unit_that_changed_hands_was_ordered_by_its_first_owner(world: World, orders: None) -> None:
    from caredesk.installbase.models import OwnershipTransfer

    unit = Asset.objects.get(serial="KR5000002")
    OwnershipTransfer.objects.create(asset=unit, from_owner=world.acme, to_owner=world.globex, status="approved")
    Asset.objects.filter(pk=unit.pk).update(owner=world.globex)
    assert "Only the organisation" in refused(world.charlie, lines=(2,))["sales_order"]
    assert [line.ordered_by for line in claims.order_lines(world.agent, "SO-100")] == [world.acme.pk] * 2


@time_machine.travel(DAY_90, tick=False)
def test_a_claim_is_found_by_its_case_id_with_or_without_dashes(world: World, orders: None) -> None:
    made = claim(world.alice)
    assert claims.get_claim(world.alice, made.case.case_id.replace("-", "")).pk == made.pk
    with pytest.raises(NotFound):
        claims.get_claim(world.alice, "not\x00a case")


def test_a_line_whose_ship_date_is_still_ahead_has_not_shipped(world: World, orders: None) -> None:
    with time_machine.travel("2026-03-16 12:00 -07:00", tick=False):  # the day before SO-100 ships
        assert refused(world.alice)["order_lines"] == "Line 1 of order SO-100 has not shipped yet."


def test_a_mis_shipment_case_cannot_be_opened_without_its_claim(world: World, orders: None) -> None:
    """D-5.7: the plain new-case form and ``POST /cases`` would skip who ordered and the 90
    days; a Mis-shipment case is opened only by claiming."""
    from caredesk.cases import services as cases

    before = Case.objects.count()
    with pytest.raises(ValidationFailed) as refusal:
        cases.open_case(world.alice, cases.NewCase(
            kind="admin", request_type="mis-shipment", request_subtype="missing-or-incorrect-sales-order-line-items",
            priority="P3", follow_up_method="email", callback_phone="+49 69 1234 5678", summary="Wrong model",
            description="The boxes hold 24-port switches.", template_data={"sales_order": "SO-100"},
        ))  # fmt: skip
    assert "mis-shipment claim form" in refusal.value.fields["request_type"]
    assert Case.objects.count() == before

"""Mis-shipment claims in the API (D-5.7, D-1.3): the orderer claims, a refusal says why
and opens nothing, staff record the correct part, and the claim shows its tracking
number to whoever sees the case."""

from __future__ import annotations

from datetime import date
from typing import Any

import time_machine

from caredesk.cases.models import Case
from caredesk.installbase import services as installbase
from tests.personas import World

CLAIM = {
    "sales_order": "SO-300", "kind": "components", "order_lines": [1], "priority": "P3", "follow_up_method": "email",
    "callback_phone": "+49 69 1234 5678", "summary": "Second power supply missing",
    "description": "The chassis came with one power supply; the order has two.",
}  # fmt: skip


def _order(world: World, ib: Any) -> None:
    """SO-300, Acme's direct order of one unit, shipped on 2026-03-17 (day 90 is 2026-06-15)."""
    installbase.register_asset(
        installbase.NewAsset(serial="KR7000001", product=ib.router, owner=world.acme, ship_date=date(2026, 3, 17),
                             sales_order="SO-300", order_line=1)
    )  # fmt: skip


@time_machine.travel("2026-06-15 12:00 -07:00", tick=False)
def test_d57_a_claim_through_the_api_from_claim_to_tracking_number(world: World, ib: Any, api: Any) -> None:
    _order(world, ib)
    made = api("alice").post("/mis-shipment-claims", CLAIM)
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["kind"], body["order_lines"], body["status"], body["tracking_number"]) == (
        "components",
        [1],
        "open",
        "",
    )
    case_id = body["case_id"]
    assert api("charlie").get(f"/mis-shipment-claims/{case_id}").status_code == 404
    assert api("alice").post(f"/mis-shipment-claims/{case_id}/part-shipped", {"carrier": "DHL",
                             "tracking_number": "1Z"}).status_code == 403  # fmt: skip
    shipped = api(world.agent).post(
        f"/mis-shipment-claims/{case_id}/part-shipped", {"carrier": "DHL", "tracking_number": "1Z999AA10123456784"}
    )
    assert shipped.status_code == 200, shipped.content
    seen = api("bob").get(f"/mis-shipment-claims/{case_id}").json()
    assert (seen["status"], seen["carrier"], seen["tracking_number"]) == ("shipped", "DHL", "1Z999AA10123456784")


@time_machine.travel("2026-06-16 12:00 -07:00", tick=False)
def test_d57_a_refused_claim_says_why_and_opens_no_case(world: World, ib: Any, api: Any) -> None:
    _order(world, ib)
    refused = api("alice").post("/mis-shipment-claims", CLAIM)
    assert refused.status_code == 422
    assert "91 days ago" in refused.json()["error"]["fields"]["order_lines"]
    assert not Case.objects.filter(request_type__code="mis-shipment").exists()

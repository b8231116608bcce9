"""D-5.7 in the console: the claim on its case's page, and the "correct part shipped" form
whose tracking number the claim shows afterwards."""

from __future__ import annotations

from datetime import date
from typing import Any

import time_machine

from caredesk.installbase import services as installbase
from caredesk.rma import claims
from caredesk.rma.models import ClaimStatus, MisShipmentClaim
from tests.personas import World


def _claim(world: World, ib: Any) -> MisShipmentClaim:
    installbase.register_asset(
        installbase.NewAsset(serial="KR8000001", product=ib.router, owner=world.acme, ship_date=date(2026, 6, 1),
                             sales_order="SO-400", order_line=3)
    )  # fmt: skip
    return claims.claim_mis_shipment(
        world.alice,
        claims.NewClaim(
            sales_order="SO-400", kind="documentation", order_lines=[3], priority="P3", follow_up_method="email",
            callback_phone="+49 69 1234 5678", summary="No manual", description="The installation guide is missing.",
        ),
    )  # fmt: skip


@time_machine.travel("2026-06-15 12:00 -07:00", tick=False)
def test_the_case_page_shows_the_claim_and_records_the_correct_part(world: World, ib: Any, client_for) -> None:
    made = _claim(world, ib)
    client = client_for("agent")
    page = client.get(f"/console/cases/{made.case.case_id}/").content.decode()
    assert "Mis-shipment claim" in page and "SO-400" in page and "Missing or incorrect documentation" in page
    assert 'name="tracking_number"' in page
    missing = client.post(f"/console/cases/{made.case.case_id}/part-shipped/", {"carrier": "DHL"})
    assert missing.status_code == 422 and missing.context["part_shipped_form"].errors["tracking_number"]
    done = client.post(
        f"/console/cases/{made.case.case_id}/part-shipped/", {"carrier": "DHL", "tracking_number": "1Z999AA1"}
    )
    assert done.status_code == 303
    assert MisShipmentClaim.objects.get().status == ClaimStatus.SHIPPED
    page = client.get(f"/console/cases/{made.case.case_id}/").content.decode()
    assert "1Z999AA1" in page and 'name="tracking_number"' not in page


@time_machine.travel("2026-06-15 12:00 -07:00", tick=False)
def test_other_case_pages_show_no_claim(world: World, client_for) -> None:
    from tests.personas import admin_case

    case = admin_case(world.alice)
    assert "Mis-shipment claim" not in client_for("agent").get(f"/console/cases/{case.case_id}/").content.decode()

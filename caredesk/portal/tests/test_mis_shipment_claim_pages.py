"""D-5.7 in the portal: choosing Mis-shipment on the new-case form leads to the claim
page, which offers the order's lines once its number is given; a refusal is shown on the
page and opens nothing; the case page shows the claim and, once shipped, the tracking
number."""

from __future__ import annotations

from datetime import date
from typing import Any

import time_machine

from caredesk.cases.models import Case
from caredesk.installbase import services as installbase
from caredesk.rma import claims
from caredesk.rma.models import MisShipmentClaim
from tests.personas import World

FORM = {
    "sales_order": "SO-500", "kind": "line_items", "order_lines": ["2"], "priority": "P3", "follow_up_method": "email",
    "callback_phone": "+49 69 1234 5678", "summary": "Wrong model on line 2", "description": "24-port, not 48-port.",
}  # fmt: skip


def _order(world: World, ib: Any, **extra: Any) -> None:
    for line, serial in ((1, "KR8100001"), (2, "KR8100002")):
        installbase.register_asset(
            installbase.NewAsset(serial=serial, product=ib.router, owner=world.acme, ship_date=date(2026, 3, 17),
                                 sales_order="SO-500", order_line=line, **extra)
        )  # fmt: skip


def test_the_new_case_form_sends_a_mis_shipment_to_the_claim_page(world: World, client_for) -> None:
    fragment = client_for("alice").get("/cases/new/fields/", {"request_type": "mis-shipment"}).content.decode()
    assert 'href="/claims/new/"' in fragment


@time_machine.travel("2026-06-15 12:00 -07:00", tick=False)
def test_the_claim_page_offers_the_orders_lines_and_opens_the_case(world: World, ib: Any, client_for) -> None:
    _order(world, ib)
    client = client_for("alice")
    page = client.get("/claims/new/", {"sales_order": "SO-500"}).content.decode()
    assert 'name="order_lines" value="1"' in page and 'name="order_lines" value="2"' in page
    assert "KR8100002" in page and "2026-03-17" in page
    assert "No sales order" in client.get("/claims/new/", {"sales_order": "SO-999"}).content.decode()
    response = client.post("/claims/new/", FORM)
    assert response.status_code == 302, response.content.decode()
    claim = MisShipmentClaim.objects.get()
    assert claim.order_lines == [2] and response["Location"] == f"/cases/{claim.case.case_id}/"
    claims.record_part_shipped(world.agent, claim.case.case_id, "DHL", "1Z999AA10123456784")
    case_page = client.get(f"/cases/{claim.case.case_id}/").content.decode()
    assert "Mis-shipment claim" in case_page and "1Z999AA10123456784" in case_page
    assert 'name="tracking_number"' not in case_page  # the form is the console's


@time_machine.travel("2026-06-16 12:00 -07:00", tick=False)
def test_a_refused_claim_is_shown_on_the_page_and_opens_nothing(world: World, ib: Any, client_for) -> None:
    _order(world, ib)
    response = client_for("alice").post("/claims/new/", FORM)
    assert response.status_code == 422
    assert "91 days ago" in response.content.decode()
    assert not Case.objects.exists() and not MisShipmentClaim.objects.exists()


@time_machine.travel("2026-06-15 12:00 -07:00", tick=False)
def test_the_end_customer_of_a_partner_order_is_told_to_ask_the_partner(world: World, ib: Any, client_for) -> None:
    _order(world, ib, channel="partner", partner=world.netsellers)
    response = client_for("alice").post("/claims/new/", FORM)
    assert (
        response.status_code == 422 and "Please ask Netsellers to claim the mis-shipment" in response.content.decode()
    )
    assert client_for("paul").post("/claims/new/", FORM).status_code == 302


@time_machine.travel("2026-06-15 12:00 -07:00", tick=False)
def test_without_javascript_the_button_shows_the_lines_keeping_what_was_typed(
    world: World, ib: Any, client_for
) -> None:
    _order(world, ib)
    response = client_for("alice").post("/claims/new/", {**FORM, "show_lines": "1"})
    page = response.content.decode()
    assert response.status_code == 200 and not MisShipmentClaim.objects.exists()
    assert 'value="Wrong model on line 2"' in page and 'name="order_lines" value="2"' in page

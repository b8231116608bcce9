"""RMA logistics in the API (D-5.4, D-5.5, D-1.3): moving a line, the return label, booking
boxes at the depot, and the charges for units not returned."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from caredesk.accounts import services as accounts
from caredesk.rma import services
from tests.personas import PASSWORD, TODAY, World, admin_case

LA = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def approved(world: World, ib: Any, api: Any) -> Any:
    """An approved RMA of Acme's: line 1 replaced ahead (KR1000001), line 2 repaired (KR1000003)."""
    with time_machine.travel(TODAY.isoformat() + " 17:00 +00:00", tick=False):
        tse = accounts.create_user("tse@vendor.example", "Tara Tse", world.vendor, PASSWORD, roles=["tse"])
        specialist = accounts.create_user("rma@vendor.example", "Rita R", world.vendor, PASSWORD,
                                          roles=["rma_specialist"])  # fmt: skip
        case = admin_case(world.alice, kind="technical", request_type="", request_subtype="", serial_number="KR1000001")
        request = services.request_rma(tse, case.case_id, [
            services.NewLine("KR1000001", "hardware_fault", "Dead."), services.NewLine("KR1000003", "no_power", "Off."),
        ])  # fmt: skip
        request = services.approve(specialist, request.validation_number)
        yield {"rma": request.rma_number, "depot": api(specialist), "specialist": specialist}


def test_d54_a_line_is_moved_on_and_shows_its_state(api: Any, approved: Any) -> None:
    rma = approved["rma"]
    moved = approved["depot"].post(f"/rma-lines/{rma}-1/moves", {
        "action": "ship_replacement", "carrier": "DHL", "tracking_number": "JD1", "replacement_serial": "KR1900001",
    })  # fmt: skip
    assert moved.status_code == 200, moved.content
    logistics = moved.json()["logistics"]
    assert logistics["status"] == "replacement_shipped" and logistics["next_actions"] == ["deliver", "receive"]
    assert logistics["replacement_serial"] == "KR1900001" and logistics["return_due_at"].startswith("2026-06-30T17:00")
    seen = api("alice").get(f"/rmas/{rma}").json()["lines"]
    assert seen[0]["logistics"]["tracking_number"] == "JD1" and seen[0]["logistics"]["mismatched_serial"] is None
    assert seen[1]["logistics"]["return_region"] == "EMEA EU" and "Frankfurt" in seen[1]["logistics"]["return_address"]
    refused = approved["depot"].post(f"/rma-lines/{rma}-2/moves", {"action": "close"})
    assert refused.status_code == 409


def test_d54_the_customer_downloads_the_label(api: Any, approved: Any) -> None:
    label = api("alice").get(f"/rmas/{approved['rma']}-2/label")
    assert label.status_code == 200 and label["Content-Type"] == "application/pdf"
    assert label.content.startswith(b"%PDF-") and f"{approved['rma']}-2.pdf" in label["Content-Disposition"]
    assert api("charlie").get(f"/rmas/{approved['rma']}-2/label").status_code == 404


def test_d54_the_depot_books_boxes_and_returns_unknown_ones_to_sender(api: Any, approved: Any) -> None:
    depot = approved["depot"]
    booked = depot.post("/rma-receipts", {"scanned": f"{approved['rma']}-2"})
    assert booked.status_code == 201 and booked.json()["outcome"] == "received"
    assert booked.json()["line_number"] == f"{approved['rma']}-2"
    unknown = depot.post("/rma-receipts", {"scanned": "R424242"})
    assert unknown.status_code == 201
    assert (unknown.json()["outcome"], unknown.json()["line_number"]) == ("return_to_sender", None)
    assert api("alice").post("/rma-receipts", {"scanned": "R424242"}).status_code == 403


def test_d55_staff_list_and_waive_charges(api: Any, approved: Any) -> None:
    depot, rma = approved["depot"], approved["rma"]
    with time_machine.travel(TODAY.isoformat() + " 17:00 +00:00", tick=False):
        shipment = {"action": "ship_replacement", "carrier": "DHL", "tracking_number": "JD1",
                    "replacement_serial": "KR1900001"}  # fmt: skip
        depot.post(f"/rma-lines/{rma}-1/moves", shipment)
    with time_machine.travel(datetime(2026, 7, 1, 12, 0, tzinfo=LA), tick=False):
        services.sweep_returns_not_received()
    [charge] = depot.get("/rma-charges").json()["items"]
    assert (charge["line_number"], charge["amount"], charge["status"]) == (f"{rma}-1", "12500.00", "open")
    waived = depot.post(f"/rma-charges/{charge['id']}/waive", {"reason": "Lost by the carrier."})
    assert waived.status_code == 200 and waived.json()["status"] == "waived"
    assert api("alice").get("/rma-charges").status_code == 403

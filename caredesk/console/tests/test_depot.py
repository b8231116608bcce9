"""The depot's receiving page (D-5.4) and the charges page (D-5.5): keyboard first, one
field with the focus, Enter books the box; the page is fresh for the next box."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from caredesk.accounts import services as accounts
from caredesk.rma import services
from caredesk.rma.models import ChargeStatus, LineStatus, Parcel, ParcelOutcome, ReturnCharge
from tests.personas import PASSWORD, TODAY, World, admin_case


@pytest.fixture
def depot(world: World, ib: Any) -> Any:
    with time_machine.travel(TODAY.isoformat() + " 17:00 +00:00", tick=False):
        tse = accounts.create_user("tse@vendor.example", "Tara Tse", world.vendor, PASSWORD, roles=["tse"])
        specialist = accounts.create_user("rma@vendor.example", "Rita R", world.vendor, PASSWORD,
                                          roles=["rma_specialist"])  # fmt: skip
        case = admin_case(world.alice, kind="technical", request_type="", request_subtype="", serial_number="KR1000001")
        request = services.request_rma(tse, case.case_id, [
            services.NewLine("KR1000001", "hardware_fault", "Dead."), services.NewLine("KR1000003", "no_power", "Off."),
        ])  # fmt: skip
        request = services.approve(specialist, request.validation_number)
        client = Client()
        client.force_login(specialist)
        yield {"client": client, "rma": request.rma_number, "specialist": specialist}


def test_d54_the_scan_field_has_the_focus_and_enter_submits(depot: Any) -> None:
    page = depot["client"].get("/console/depot/").content.decode()
    assert page.count("autofocus") == 1 and 'name="scanned"' in page and 'type="submit"' in page


def test_d54_a_scan_books_the_box_and_leaves_an_empty_field_for_the_next(depot: Any) -> None:
    client = depot["client"]
    answer = client.post("/console/depot/", {"scanned": f"{depot['rma']}-2"}, follow=True)
    assert answer.redirect_chain == [("/console/depot/", 302)]
    text = answer.content.decode()
    assert f"Received against {depot['rma']}-2." in text
    assert Parcel.objects.get().outcome == ParcelOutcome.RECEIVED
    from caredesk.rma.models import RmaLine

    assert RmaLine.objects.get(line_number=f"{depot['rma']}-2").status == LineStatus.RECEIVED


def test_d54_an_unknown_box_is_returned_to_sender_on_the_page(depot: Any) -> None:
    text = depot["client"].post("/console/depot/", {"scanned": "ZZ404"}, follow=True).content.decode()
    assert "return the box to the sender" in text
    assert Parcel.objects.get().outcome == ParcelOutcome.RETURN_TO_SENDER


def test_d54_an_empty_scan_is_shown_next_to_the_field(depot: Any) -> None:
    answer = depot["client"].post("/console/depot/", {"scanned": ""})
    assert answer.status_code == 422 and not Parcel.objects.exists()


def test_d54_after_a_refused_scan_the_focus_is_in_an_empty_field(depot: Any) -> None:
    # A scanner types at the caret, which is before any text left in the field.
    client, rma = depot["client"], depot["rma"]
    # Two units of the RMA are still expected (the advance replacement's once its replacement
    # has shipped): the box needs the serial, the focus goes there.
    services.advance_line(depot["specialist"], f"{rma}-1", "ship_replacement", carrier="DHL",
                          tracking_number="JD1", replacement_serial="KR1900001")  # fmt: skip
    several = client.post("/console/depot/", {"scanned": rma})
    assert several.status_code == 422 and not Parcel.objects.exists()
    form = several.context["form"]
    assert form["scanned"].value() == rma and form["serial"].value() == ""
    assert "autofocus" in form.fields["serial"].widget.attrs and "autofocus" not in form.fields["scanned"].widget.attrs
    # The same label scanned twice: refused, and the scan field is empty for the next box.
    client.post("/console/depot/", {"scanned": f"{rma}-2"})
    again = client.post("/console/depot/", {"scanned": f"{rma}-2", "serial": "KR1000003"})
    assert again.status_code == 409 and "it expects no unit now" in again.content.decode()
    form = again.context["form"]
    assert form["scanned"].value() == "" and form["serial"].value() == ""
    assert again.content.decode().count("autofocus") == 1 and "autofocus" in form.fields["scanned"].widget.attrs


def test_d55_the_charges_page_lists_and_waives(depot: Any) -> None:
    specialist, client, rma = depot["specialist"], depot["client"], depot["rma"]
    with time_machine.travel(TODAY.isoformat() + " 17:00 +00:00", tick=False):
        services.advance_line(specialist, f"{rma}-1", "ship_replacement", carrier="DHL", tracking_number="JD1",
                              replacement_serial="KR1900001")  # fmt: skip
    with time_machine.travel(datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("America/Los_Angeles")), tick=False):
        services.sweep_returns_not_received()
    page = client.get("/console/rma-charges/").content.decode()
    assert f"{rma}-1" in page and "12500.00 USD" in page
    charge = ReturnCharge.objects.get()
    client.post(f"/console/rma-charges/{charge.pk}/waive/", {"reason": ""})
    assert ReturnCharge.objects.get().status == ChargeStatus.OPEN
    client.post(f"/console/rma-charges/{charge.pk}/waive/", {"reason": "Lost by the carrier."})
    assert ReturnCharge.objects.get().status == ChargeStatus.WAIVED
    assert "Lost by the carrier." in client.get("/console/rma-charges/?status=waived").content.decode()


def test_support_logistics_receive_and_move_lines_but_decide_nothing(depot: Any, world: World) -> None:
    """The depot's own role (D-5.4): boxes and shipments, no approvals, no waivers."""
    worker = accounts.create_user("dock@vendor.example", "Dora Dock", world.vendor, PASSWORD,
                                  roles=["support_logistics"])  # fmt: skip
    client = Client()
    client.force_login(worker)
    home = client.get("/console/depot/")
    assert home.status_code == 200 and "Depot" in home.content.decode()
    booked = client.post("/console/depot/", {"scanned": f"{depot['rma']}-2"}, follow=True)
    assert f"Received against {depot['rma']}-2." in booked.content.decode()
    moved = client.post(f"/console/rma-lines/{depot['rma']}-1/moves/", {"action": "ship_replacement", "carrier": "DHL",
                        "tracking_number": "JD7", "replacement_serial": "KR1900007"})  # fmt: skip
    assert moved.status_code == 303
    from caredesk.rma.models import RmaLine

    assert RmaLine.objects.get(line_number=f"{depot['rma']}-1").status == LineStatus.REPLACEMENT_SHIPPED
    request = services.request_rma(
        accounts.create_user("tse2@vendor.example", "T Two", world.vendor, PASSWORD, roles=["tse"]),
        RmaLine.objects.get(line_number=f"{depot['rma']}-1").request.case.case_id,
        [services.NewLine("KR1000002", "hardware_fault", "Dead.")],
    )
    refused = client.post(f"/console/rmas/{request.validation_number}/approve/")
    assert refused.status_code in (403, 404)
    from caredesk.rma.models import RmaRequest

    assert RmaRequest.objects.get(pk=request.pk).status == "pending"

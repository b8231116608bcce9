"""An RMA in a real browser (D-5.1, D-5.4): a TSE requests it from the technical case in
the console, the RMA specialist approves it from the review queue, the customer sees the
RMA number and its lines in the portal and downloads the return label, support logistics
ship the replacement from the console, and the depot receives the box by scanning its
line number, keyboard only; a box that matches no open line is returned to the sender."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from playwright.sync_api import expect

from caredesk.accounts import services as accounts
from caredesk.portal.tests.test_browser import log_in
from caredesk.rma.models import RmaRequest
from tests.personas import PASSWORD, TODAY, World, admin_case, build_installbase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]


def signed_in(browser: Any, base: str, email: str) -> Any:
    page = browser.new_context().new_page()
    page.set_default_timeout(10_000)
    log_in(page, base, email)
    page.wait_for_load_state("networkidle")
    return page


def scan(page: Any, text: str) -> None:
    """What a barcode scanner does: type into the field that has the focus, then Enter."""
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_a_tse_requests_an_rma_the_specialist_approves_the_customer_returns_the_unit_and_the_depot_receives_it(
    world: World, live_server: Any, browser: Any
) -> None:
    # The installed base is built on its own day; the browser then runs on today's clock, so
    # that session cookies are not already expired for it. The premium contract still runs.
    with time_machine.travel(TODAY.isoformat() + " 17:00 +00:00", tick=False):
        ib = build_installbase(world)
    case = admin_case(
        world.alice, kind="technical", request_type="", request_subtype="", serial_number=ib.covered.serial,
        summary="Router reboots every hour",
    )  # fmt: skip
    tse = accounts.create_user("tse@vendor.example", "Tara Tse", world.vendor, PASSWORD, roles=["tse"])
    specialist = accounts.create_user(
        "rma@vendor.example", "Rita Returns", world.vendor, PASSWORD, roles=["rma_specialist"]
    )
    # Support logistics at the depot: the RMA specialist's role carries receiving returns.
    depot = accounts.create_user("depot@vendor.example", "Dan Depot", world.vendor, PASSWORD, roles=["rma_specialist"])
    base = live_server.url

    # The TSE opens the technical case and requests an RMA for its unit.
    tara = signed_in(browser, base, tse.email)
    tara.goto(f"{base}/console/cases/{case.case_id}/")
    form = tara.locator("form", has=tara.get_by_role("button", name="Request the RMA"))
    unit = form.locator("fieldset", has_text=ib.covered.serial)
    assert unit.get_by_role("checkbox").is_checked()  # the case's own unit is ticked to start with
    unit.get_by_label("What failed").select_option(label="Hardware fault")
    unit.get_by_label("Failure description").fill("Reboots every hour; the fan is loud.")
    form.get_by_role("button", name="Request the RMA").click()
    tara.get_by_text("is waiting for review").wait_for()
    request = RmaRequest.objects.get(case__case_id=case.case_id)
    assert request.validation_number in tara.locator("h1").inner_text()

    # The specialist finds it in the review queue and approves it.
    rita = signed_in(browser, base, specialist.email)
    rita.get_by_role("navigation", name="Main").get_by_role("link", name="RMA reviews").click()
    rita.get_by_role("link", name=request.validation_number).click()
    assert rita.locator("table").get_by_text("Reboots every hour; the fan is loud.").is_visible()
    rita.get_by_role("button", name="Approve").click()
    rita.get_by_text("Approved: RMA").wait_for()
    rma_number = re.search(r"R\d+", rita.locator("h1").inner_text()).group(0)  # type: ignore[union-attr]

    # The customer sees the RMA number and its line in My RMAs.
    alice = signed_in(browser, base, world.alice.email)
    alice.get_by_role("navigation", name="Main").get_by_role("link", name="My RMAs").click()
    alice.get_by_role("link", name=rma_number).click()
    assert rma_number in alice.locator("h1").inner_text()
    lines = alice.locator("table", has_text=ib.covered.serial)
    assert lines.get_by_text(f"{rma_number}-1").is_visible()
    assert lines.get_by_text("Hardware fault").is_visible()
    rma_page = alice.url

    # She downloads the return label: a PDF for the RMA's one line, named after it.
    with alice.expect_download() as downloading:
        alice.get_by_role("link", name="Return label (PDF)").click()
    label = downloading.value
    assert label.failure() is None
    assert label.suggested_filename == f"return-label-{rma_number}-1.pdf"
    assert Path(label.path()).read_bytes().startswith(b"%PDF-")
    # And the case page lists the RMA.
    alice.get_by_role("link", name=case.case_id).first.click()
    assert alice.get_by_role("link", name=rma_number).is_visible()

    # Advance replacement: the replacement ships first, then the defective unit is expected
    # back. Support logistics record the shipment on the console's RMA page.
    rita.reload()
    shipping = rita.locator("form", has=rita.get_by_role("button", name="Ship the replacement"))
    shipping.get_by_label("Carrier").fill("DHL")
    shipping.get_by_label("Tracking number").fill("JD014600")
    shipping.get_by_label("Serial number of the replacement").fill("KR1900001")
    shipping.get_by_role("button", name="Ship the replacement").click()
    expect(rita.locator("table", has_text=ib.covered.serial)).to_contain_text("JD014600")
    expect(rita.locator("table", has_text=ib.covered.serial)).to_contain_text("Replacement shipped")

    # At the depot the scan field has the focus as the page opens; the scanner types the line
    # number from the label and presses Enter, and the page is ready for the next box.
    dan = signed_in(browser, base, depot.email)
    dan.get_by_role("navigation", name="Main").get_by_role("link", name="Depot").click()
    field = dan.get_by_label("Line number, RMA number or serial on the box")
    expect(field).to_be_focused()
    scan(dan, f"{rma_number}-1")
    dan.get_by_text(f"Received against {rma_number}-1.").wait_for()
    booked = dan.locator("table tbody tr").first
    expect(booked).to_contain_text(f"{rma_number}-1")
    expect(booked).to_contain_text("Received")
    expect(field).to_be_focused()
    expect(field).to_have_value("")
    # The same label scanned again is refused, and the field is empty again for the next scan.
    scan(dan, f"{rma_number}-1")
    dan.get_by_text("it expects no unit now").wait_for()
    expect(field).to_be_focused()
    expect(field).to_have_value("")
    # A box with a unit on no open RMA line, and no RMA number on it, goes back to the sender.
    scan(dan, ib.par_covered.serial)
    dan.get_by_text(f"No open RMA line matches {ib.par_covered.serial}: return the box to the sender.").wait_for()
    rejected = dan.locator("table tbody tr").first
    expect(rejected).to_contain_text(ib.par_covered.serial)
    expect(rejected).to_contain_text("Rejected: return to sender")
    expect(field).to_be_focused()

    # The customer's RMA page shows the unit received.
    alice.goto(rma_page)
    expect(alice.locator("table", has_text=ib.covered.serial)).to_contain_text("Defective unit received")
    expect(alice.locator("table", has_text=ib.covered.serial)).to_contain_text("JD014600")

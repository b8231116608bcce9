"""Real-browser journeys: a headless Chromium drives the pages served by ``live_server``.

They check what the test client cannot: the htmx swaps, the forms as a person fills
them in, and the layout on a phone-sized screen. Few and quick on purpose.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail

from caredesk.accounts.models import User
from caredesk.core.clock import now
from tests.personas import PASSWORD, World, admin_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalogue")]


@pytest.fixture
def catalogue(seeded: None) -> None:
    """The catalogues the data migrations load (see ``seeded``)."""


def log_in(page: Any, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def no_horizontal_overflow(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_case_from_opening_to_closed(world: World, live_server: Any, browser: Any, page: Any) -> None:
    base = live_server.url
    # The customer opens an admin case; the sub-types arrive by htmx when the type is chosen.
    log_in(page, base, world.alice.email)
    page.get_by_role("link", name="Open a case", exact=True).first.click()
    page.get_by_label("Request type").select_option(label="Installed Base Update")
    subtype = page.get_by_label("Sub-type")
    subtype.locator("option", has_text="Move").wait_for(state="attached")
    subtype.select_option(label="Move")
    page.get_by_label("Serial numbers").fill("ab-100 ab-101")
    page.get_by_label("New site id").fill("S-ACME-2")
    page.get_by_label("Call-back phone number").fill("+49 69 1234 5678")
    page.get_by_label("Summary").fill("Move two routers to the new rack")
    page.get_by_label("Description").fill("Both units move next Tuesday.")
    page.get_by_role("button", name="Open the case").click()
    page.get_by_text("is open. We will get back to you").wait_for()
    case_id = re.search(r"/cases/([\d-]+)/", page.url).group(1)  # type: ignore[union-attr]
    assert page.get_by_text("AB-100, AB-101").is_visible()

    # It is in My cases; the customer opens it and replies (htmx swaps the case block).
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My cases").click()
    page.get_by_role("link", name=case_id).click()
    page.get_by_label("Your reply").fill("The rack is number 42.")
    page.get_by_role("button", name="Send reply").click()
    page.get_by_text("Your reply is added.").wait_for()
    assert page.locator(".msg__body", has_text="The rack is number 42.").is_visible()
    assert page.get_by_label("Your reply").input_value() == ""

    # The agent takes it, replies and proposes a resolution from the console.
    agent = browser.new_context().new_page()
    agent.set_default_timeout(10_000)
    log_in(agent, base, world.agent.email)
    agent.get_by_role("link", name=case_id).click()
    agent.get_by_role("button", name="Assign").click()
    agent.get_by_text("The case is assigned to you.").wait_for()
    assert agent.locator(".pagehead .badge").inner_text() == "Open"
    agent.get_by_label("Reply to the customer").fill("Thanks, we will update the installed base.")
    agent.get_by_role("button", name="Send reply").click()
    agent.get_by_text("Reply sent.").wait_for()
    agent.get_by_label("Proposed resolution").fill("Both units now show the new site.")
    agent.get_by_role("button", name="Propose resolution").click()
    agent.get_by_text("Resolution proposed.").wait_for()
    agent.context.close()

    # The customer accepts: the case is closed.
    page.reload()
    page.get_by_role("button", name="Yes, it is resolved: close the case").click()
    page.get_by_text("Thank you. The case is closed.").wait_for()
    assert page.locator(".pagehead .badge").inner_text() == "Closed"


def test_registration_in_four_steps_then_approval(world: World, live_server: Any, browser: Any, page: Any) -> None:
    base = live_server.url
    page.goto(f"{base}/register/")
    page.get_by_label("Your full name").fill("Nina New")
    page.get_by_label("Work e-mail address").fill("nina@newco.example")
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("Check your e-mail").wait_for()
    link = re.search(r"(/register/verify/[^/\s]+/)", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    page.goto(base + link)
    page.get_by_role("button", name="Confirm and continue").click()
    page.get_by_label("We are a new customer: request a new customer account").check()
    page.get_by_label("Company name").fill("NewCo")
    page.get_by_label("Country").select_option("NL")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Choose a password").fill("a long registration passphrase")
    page.get_by_label("Password again").fill("a long registration passphrase")
    page.get_by_label("I accept the terms of use").check()
    page.get_by_role("button", name="Finish registration").click()
    page.get_by_text("waiting for approval").wait_for()

    agent = browser.new_context().new_page()
    agent.set_default_timeout(10_000)
    log_in(agent, base, world.agent.email)
    agent.get_by_role("navigation", name="Main").get_by_role("link", name="Registrations").click()
    agent.get_by_role("button", name="Approve NewCo").click()
    agent.get_by_text("Approved: nina@newco.example can log in now.").wait_for()
    agent.context.close()
    assert User.objects.get(email="nina@newco.example").organisation.name == "NewCo"


def test_an_expired_password_must_be_changed_first(world: World, live_server: Any, page: Any) -> None:
    User.objects.filter(pk=world.bob.pk).update(password_changed_at=now() - timedelta(days=200))
    log_in(page, live_server.url, world.bob.email)
    page.get_by_role("heading", name="Your password has expired").wait_for()
    page.goto(f"{live_server.url}/tokens/")
    assert page.url.endswith("/password/change/")
    page.get_by_label("Current password").fill(PASSWORD)
    page.locator("#id_new_password").fill("a brand new passphrase")
    page.get_by_label("New password again").fill("a brand new passphrase")
    page.get_by_role("button", name="Change password").click()
    page.get_by_role("heading", name="My cases").wait_for()


def test_the_case_list_and_case_page_fit_a_phone_screen(world: World, live_server: Any, browser: Any) -> None:
    case = admin_case(world.alice, site_code="S-ACME-1", summary="A rather long summary " * 6)
    for priority in ("P1", "P2", "P4"):
        admin_case(world.alice, priority=priority, customer_tracking_number=f"PO-{priority}-LONG-REFERENCE")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    log_in(phone, live_server.url, world.alice.email)
    phone.get_by_role("link", name=case.case_id).wait_for()
    assert no_horizontal_overflow(phone), "the case list scrolls sideways on a phone"
    phone.goto(f"{live_server.url}/cases/{case.case_id}/")
    phone.get_by_label("Your reply").wait_for()
    assert no_horizontal_overflow(phone), "the case page scrolls sideways on a phone"
    context.close()


def test_typing_a_serial_fills_in_its_product(world: World, live_server: Any, page: Any) -> None:
    from datetime import date

    from caredesk.installbase import services as installbase

    router = installbase.create_product(
        installbase.NewProduct(sku="KR-480-AC", name="KR-480", series="KR Series", platform="KR-480", list_price=1)
    )
    shipped = now().date() - timedelta(days=30)
    installbase.register_asset(
        installbase.NewAsset(serial="KR1000003", product=router, owner=world.acme, ship_date=shipped)
    )
    assert shipped > date(2000, 1, 1)
    log_in(page, live_server.url, world.alice.email)
    page.goto(f"{live_server.url}/cases/new/")
    page.get_by_label("Technical: a fault of a unit", exact=False).check()
    page.get_by_role("textbox", name="Serial number").fill("kr1000003")
    found = page.locator("#product-found")
    # Locators, not wait_for_function: the page's policy forbids evaluating strings as script.
    page.locator("#product-found", has_text="KR Series").wait_for()
    assert "KR-480" in found.inner_text() and "a technical case can be opened" in found.inner_text()
    page.get_by_role("textbox", name="Serial number").fill("KR9999999")
    page.locator("#product-found", has_text="No unit with serial number KR9999999").wait_for()


def test_a_customer_escalates_and_the_escalation_team_handles_it(
    world: World, live_server: Any, browser: Any, page: Any
) -> None:
    from caredesk.accounts import services as accounts
    from caredesk.cases import services as cases

    accounts.create_user("erin@vendor.example", "Erin Esc", world.vendor, PASSWORD, roles=["escalation"])
    case = admin_case(world.alice, summary="Licence keys missing after renewal")
    cases.assign(world.agent, case.case_id)
    base = live_server.url

    # D-4.5: the customer asks for the case to be given to someone else (htmx swaps the case block).
    log_in(page, base, world.alice.email)
    page.goto(f"{base}/cases/{case.case_id}/")
    page.get_by_label("Case reassignment").check()
    page.get_by_label("Why does the case need escalating?").fill("No useful answer for a week.")
    page.get_by_role("button", name="Escalate the case").click()
    page.get_by_text("Your case is escalated.").wait_for()
    assert page.get_by_text("New owner: Erin Esc.").is_visible()
    assert page.get_by_role("button", name="Escalate the case").count() == 0

    # The escalation team finds it in its queue and records what it did.
    team = browser.new_context().new_page()
    team.set_default_timeout(10_000)
    log_in(team, base, "erin@vendor.example")
    team.get_by_role("navigation", name="Main").get_by_role("link", name="Escalations").click()
    team.get_by_role("link", name=case.case_id).click()
    team.get_by_label("What was done").fill("Called the customer; keys re-issued.")
    team.get_by_role("button", name="Mark the escalation handled").click()
    team.get_by_text(f"The escalation of {case.case_id} is handled.").wait_for()
    team.get_by_role("navigation", name="Main").get_by_role("link", name="Escalations").click()
    team.get_by_text("No escalation waiting").wait_for()
    team.context.close()


def test_a_member_joins_by_serial_and_the_administrator_approves_then_removes_them(
    world: World, live_server: Any, browser: Any, page: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """D-1.4: the serial proves the organisation, its administrator lets the person in from
    the members page, and removes them again after confirming."""
    from caredesk.accounts import services

    services.create_user("ada@acme.example", "Ada Admin", world.acme, PASSWORD, roles=["org_admin"])
    monkeypatch.setattr(services, "_proof_resolvers", [lambda proof: world.acme if proof == "SN-ACME-1" else None])
    base = live_server.url
    page.goto(f"{base}/register/")
    page.get_by_label("Your full name").fill("Dora Diaz")
    page.get_by_label("Work e-mail address").fill("dora@acme.example")
    page.get_by_role("button", name="Continue").click()
    link = re.search(r"(/register/verify/[^/\s]+/)", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    page.goto(base + link)
    page.get_by_role("button", name="Confirm and continue").click()
    page.get_by_role("button", name="Continue").click()  # the serial left empty
    page.get_by_text("Enter the serial number of one of your units, or your contract id.").wait_for()
    page.get_by_role("textbox", name="Serial number or contract id").fill("SN-ACME-1")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Choose a password").fill("a long registration passphrase")
    page.get_by_label("Password again").fill("a long registration passphrase")
    page.get_by_label("I accept the terms of use").check()
    page.get_by_role("button", name="Finish registration").click()
    page.get_by_text("administrator confirms new members").wait_for()

    admin = browser.new_context().new_page()
    admin.set_default_timeout(10_000)
    log_in(admin, base, "ada@acme.example")
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Members").click()
    admin.get_by_role("button", name="Approve Dora Diaz").click()
    admin.get_by_text("Dora Diaz is a member now.").wait_for()
    admin.get_by_role("link", name="Remove Dora Diaz").click()
    admin.get_by_role("button", name="Remove").click()
    admin.get_by_text("Dora Diaz is removed").wait_for()
    admin.context.close()
    assert not User.objects.get(email="dora@acme.example").is_active

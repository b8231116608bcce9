"""A real browser on the staff queue at 1280×800: its twelve columns fit without being cut
off or scrolled, and cases chosen with their checkboxes take a bulk change."""

from __future__ import annotations

import os
from typing import Any

import pytest

from caredesk.accounts import services as accounts
from caredesk.cases import services
from caredesk.cases.models import Case
from caredesk.portal.tests.test_browser import log_in
from tests.personas import World, admin_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]


def test_the_queue_fits_1280_pixels_and_takes_a_bulk_change(world: World, live_server: Any, browser: Any) -> None:
    long_org = accounts.create_organisation("Rheinisch-Westfälische Telekommunikationsgesellschaft mbH", "customer")
    site = accounts.add_site(long_org, "S-RWT-FRANKFURT-01", "Rechenzentrum Frankfurt am Main Ost", "DE")
    person = accounts.create_user("kai@rwt.example", "Kai-Uwe Schmidt-Hohenstein", long_org, "x" * 12)
    made = [
        admin_case(
            world.agent,
            organisation_id=long_org.pk,
            contact_email=person.email,
            site_code=site.code,
            summary="Die Lizenzschlüssel für die Ersatzgeräte werden nach dem Tausch nicht übernommen",
            priority=priority,
        )
        for priority in ("P3", "P4", "P2")
    ]
    services.assign(world.agent, made[0].case_id, world.manager.email)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server.url, world.agent.email)
    page.goto(f"{live_server.url}/console/?sort=due")
    table = page.locator("table.table--queue")
    table.wait_for()
    # Nothing cut off: the table is as wide as its box at most, and the page does not scroll sideways.
    assert page.evaluate(
        "(() => { const t = document.querySelector('table.table--queue');"
        " return t.scrollWidth <= t.parentElement.clientWidth; })()"
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    for wanted in ("Organisation", "Owner", "Due", "Priority"):
        assert any(h.lower() == wanted.lower() for h in headers), headers
    last = table.locator("thead th").last.bounding_box()
    assert last is not None and last["x"] + last["width"] <= 1280
    if os.environ.get("CAREDESK_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["CAREDESK_SCREENSHOTS"], "queue-1280.png"), full_page=True)

    # Choose two cases and raise them to P1 in one go.
    for case in made[1:]:
        page.get_by_label(f"Choose case {case.case_id}").check()
    page.locator("#bulk-priority").select_option("P1")
    page.get_by_role("button", name="Set priority").click()
    page.get_by_text("2 cases changed.").wait_for()
    assert sorted(Case.objects.filter(pk__in=[c.pk for c in made]).values_list("priority", flat=True)) == [
        "P1",
        "P1",
        "P3",
    ]
    context.close()

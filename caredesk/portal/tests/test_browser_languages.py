"""Each main page in each language in a real browser (D-7.5): Japanese has no spaces to
break at and German has long compound words, and neither may push anything out of its box
or make the page scroll sideways. Checked at a laptop's width and, for the portal, a
phone's."""

from __future__ import annotations

import os
from typing import Any

import pytest
import time_machine
from django.conf import settings

from caredesk.accounts import services as accounts
from caredesk.accounts.models import User
from caredesk.portal.tests.test_browser import log_in
from caredesk.rma import services as rma
from tests.personas import PASSWORD, TODAY, World, admin_case, build_installbase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]

# Elements whose text must stay inside them: a word or label wider than its box is cut off
# or spills over its neighbours.
OVERFLOWING = """(() => {
  const out = [];
  if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push('the page scrolls sideways');
  for (const el of document.querySelectorAll('button, .btn, label, th, h1, h2, nav a, .field, .card, .pagehead, td')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden'
        || el.closest('.table-wrap, .sr-only, .visually-hidden, .skip-link')) continue;
    if (el.scrollWidth > el.clientWidth + 1 && style.overflowX !== 'auto' && style.overflowX !== 'scroll')
    {
      const edge = el.getBoundingClientRect().right;
      const culprit = [...el.querySelectorAll('*')].reverse().find(d => d.tagName !== 'BR'
        && d.getBoundingClientRect().width > 0 && d.getBoundingClientRect().right > edge + 1);
      const what = culprit
        ? culprit.tagName + '.' + culprit.className + ' "' + culprit.textContent.trim().slice(0, 40) + '"' : '';
      out.push(el.tagName + '.' + el.className + ' (' + (el.scrollWidth - el.clientWidth) + 'px) ' + what);
    }
  }
  return out;
})()"""


def _check(page: Any, url: str, shot: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if os.environ.get("CAREDESK_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["CAREDESK_SCREENSHOTS"], f"{shot}.png"), full_page=True)
    return [f"{url}: {problem}" for problem in page.evaluate(OVERFLOWING)]


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_main_pages_hold_their_layout_in_each_language(
    language: str, world: World, live_server: Any, browser: Any
) -> None:
    case = admin_case(world.alice)
    # An RMA request of two units (D-5.1), on the installed base's day; the pages are then
    # seen on today's clock, so that the browser's session cookie is not already expired.
    with time_machine.travel(TODAY.isoformat() + " 17:00 +00:00", tick=False):
        ib = build_installbase(world)
    technical = admin_case(
        world.alice, kind="technical", request_type="", request_subtype="", serial_number=ib.covered.serial
    )
    tse = accounts.create_user("tse@vendor.example", "Tara Tse", world.vendor, PASSWORD, roles=["tse"])
    specialist = accounts.create_user("rma@vendor.example", "Rita Returns", world.vendor, PASSWORD,
                                      roles=["rma_specialist"])  # fmt: skip
    lines = [rma.NewLine(u.serial, "power_supply_or_fan", "Überhitzung nach dem Einschalten.") for u in
             (ib.covered, ib.in_warranty)]  # fmt: skip
    number = rma.request_rma(tse, technical.case_id, lines).validation_number
    for person in (world.alice, world.agent, tse, specialist):
        accounts.update_profile(User.objects.get(pk=person.pk), {"language": language})
    problems: list[str] = []
    for who, width, paths in (
        (
            world.alice,
            1280,
            [
                "/",
                "/cases/new/",
                f"/cases/{case.case_id}/",
                "/assets/",
                "/entitlement/",
                "/profile/",
                "/rmas/",
                f"/rmas/{number}/",
            ],
        ),  # fmt: skip
        (world.alice, 390, ["/", "/cases/new/", f"/cases/{case.case_id}/", "/profile/", "/rmas/", f"/rmas/{number}/"]),
        (
            world.agent,
            1280,
            [
                "/console/",
                f"/console/cases/{case.case_id}/",
                "/console/assets/",
                "/console/escalations/",
                "/console/dashboard/",
            ],
        ),  # fmt: skip
        (specialist, 1280, ["/console/rmas/", f"/console/rmas/{number}/"]),
        (tse, 1280, [f"/console/cases/{technical.case_id}/"]),  # with the form to request an RMA
    ):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        log_in(page, live_server.url, who.email)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == language
        for path in paths:
            shot = f"{language}-{width}-{path.strip('/').replace('/', '-') or 'home'}"
            problems += [f"{width}px {p}" for p in _check(page, live_server.url + path, shot)]
        context.close()
    assert not problems, "\n".join(problems)

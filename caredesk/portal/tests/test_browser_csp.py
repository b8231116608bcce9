"""In a real browser, the Content-Security-Policy blocks nothing the pages need: the main
portal and console pages, the htmx swaps and the API docs (Swagger UI from our own
static files) run without a single violation."""

from __future__ import annotations

from typing import Any

import pytest

from caredesk.cases.models import Case
from tests.personas import World, admin_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seeded")]


def _watch(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: seen.append(str(e)))
    return seen


def _log_in(page: Any, base: str, email: str) -> None:
    from tests.personas import PASSWORD

    page.goto(f"{base}/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")


def test_the_main_pages_run_under_the_policy(world: World, live_server: Any, page: Any, browser: Any) -> None:
    base = live_server.url
    case: Case = admin_case(world.alice)
    violations = _watch(page)
    _log_in(page, base, world.alice.email)
    for path in ["/", "/cases/new/", f"/cases/{case.case_id}/", "/assets/", "/entitlement/", "/tokens/", "/notices/"]:
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{base}/cases/new/")
    page.get_by_label("Request type").select_option(label="Installed Base Update")  # an htmx swap
    page.get_by_label("Sub-type").locator("option", has_text="Move").wait_for(state="attached")

    staff = browser.new_context().new_page()
    staff_violations = _watch(staff)
    _log_in(staff, base, world.manager.email)
    for path in ["/console/", f"/console/cases/{case.case_id}/", "/console/dashboard/", "/console/on-call/",
                 "/console/escalations/"]:  # fmt: skip
        staff.goto(f"{base}{path}")
        staff.wait_for_load_state("networkidle")
    assert violations == [] and staff_violations == []


def test_the_api_docs_work_offline_under_the_policy(world: World, live_server: Any, page: Any) -> None:
    violations = _watch(page)
    outside: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(live_server.url) or r.url.startswith("data:") else outside.append(r.url),
    )
    page.goto(f"{live_server.url}/api/v1/docs")
    page.get_by_text("caredesk API").first.wait_for()
    page.locator(".opblock").first.wait_for()  # the operations, read from openapi.json
    assert violations == [] and outside == []

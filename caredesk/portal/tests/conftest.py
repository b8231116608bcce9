"""Fixtures of the page tests: logged-in clients, and a real headless Chromium for the
browser tests (marked ``browser``)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from tests.personas import World

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def client_for(world: World) -> Callable[[str], Client]:
    """``client_for("alice")`` is a page client with alice's session."""

    def make(name: str) -> Client:
        client = Client()
        client.force_login(world.person(name))
        return client

    return make


@pytest.fixture
def mails(django_capture_on_commit_callbacks: Any) -> Any:
    """``with mails(execute=True): …`` sends the e-mails queued after commit into
    ``django.core.mail.outbox`` (the test's transaction never commits by itself)."""
    return django_capture_on_commit_callbacks


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(
            f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium) to run browser tests"
        )
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright's sync API keeps an event loop running
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            yield chromium
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()

"""Fixtures shared by every test module: the persona world and API clients."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests.personas import World, build_world


@pytest.fixture(autouse=True)
def _clear_cache() -> Any:
    from caredesk.cases import queries as queries_module
    from caredesk.core.snapshot import forget_all

    cache.clear()  # rate-limit counters must not leak between tests
    forget_all()  # nor the catalogues of a test's rolled-back database
    queries_module._word_shares = (float("-inf"), {})  # the search's word statistics, per database
    yield
    cache.clear()
    forget_all()


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


class ApiClient:
    """Calls /api/v1 as one user with a personal token, the way a program does."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, **self.headers)

    def post(self, path: str, json: Any = None, **extra: Any) -> Any:
        return self.client.post(
            f"/api/v1{path}", json if json is not None else {}, content_type="application/json", **self.headers, **extra
        )

    def put(self, path: str, json: Any = None) -> Any:
        return self.client.put(
            f"/api/v1{path}", json if json is not None else {}, content_type="application/json", **self.headers
        )

    def post_raw(self, path: str, body: bytes | str, content_type: str = "application/json") -> Any:
        return self.client.post(f"/api/v1{path}", body, content_type=content_type, **self.headers)

    def upload(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(f"/api/v1{path}", data, **self.headers)

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api/v1{path}", **self.headers)


@pytest.fixture
def api(world: World) -> Any:
    """``api("alice")`` is an API client authenticated as alice."""
    from caredesk.accounts.services import issue_api_token

    def make(name: str | None | Any) -> ApiClient:
        """A persona's name, or any user."""
        if name is None:
            return ApiClient(None)
        user = world.person(name) if isinstance(name, str) else name
        return ApiClient(issue_api_token(user, "tests").secret)

    return make


@pytest.fixture
def ib(world: World) -> Any:
    """The personas' installed base and contracts (``tests.personas.build_installbase``),
    seen on ``tests.personas.TODAY``."""
    import time_machine

    from tests.personas import TODAY, build_installbase

    with time_machine.travel(TODAY.isoformat() + " 17:00 +00:00", tick=False):
        yield build_installbase(world)


@pytest.fixture
def seeded(transactional_db: Any) -> None:
    """The catalogues the data migrations load (request types, service levels and sales
    regions, return regions, response targets and the escalation matrix), for tests that
    commit: such a test empties every table when it ends, so each loads them again with the
    migrations' own idempotent loaders."""
    import importlib

    from django.apps import apps

    for module, loader in (
        ("caredesk.cases.migrations.0002_request_type_catalogue", "load"),
        ("caredesk.cases.migrations.0014_request_type_catalogue_labels", "fill"),
        ("caredesk.entitlements.migrations.0002_catalogue", "forwards"),
        ("caredesk.entitlements.migrations.0006_service_level_catalogue_labels", "fill"),
        ("caredesk.rma.migrations.0003_return_regions", "forwards"),
        ("caredesk.sla.migrations.0002_seed", "seed"),
    ):
        getattr(importlib.import_module(module), loader)(apps, None)


@pytest.fixture(autouse=True)
def _default_language_and_zone() -> Any:
    """Each test starts in the installation's language and the support centre's zone: a
    page request leaves its language active in the thread, which would leak into the next
    test's direct service calls."""
    from django.conf import settings
    from django.utils import timezone, translation

    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()
    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tests.personas import World


@pytest.fixture
def client_for(world: World) -> Callable[[str], Client]:
    """``client_for("agent")`` is a page client with that persona's session."""

    def make(name: str) -> Client:
        client = Client()
        client.force_login(world.person(name))
        return client

    return make

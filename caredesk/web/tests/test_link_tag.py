"""``{% link name %}`` is ``{% url name %}``, under any script prefix."""

from __future__ import annotations

import pytest
from django.template import engines
from django.urls import clear_script_prefix, set_script_prefix

NAMES = ["console:queue", "console:macros", "portal:home", "portal:logout", "portal:password_change"]


def render(source: str) -> str:
    return engines["django"].from_string(source).render({})


@pytest.mark.parametrize("prefix", ["/", "/care/"])
def test_it_writes_what_the_url_tag_writes(prefix: str) -> None:
    set_script_prefix(prefix)
    try:
        for name in NAMES:
            linked = render(f"{{% link '{name}' %}}")
            assert linked == render(f"{{% url '{name}' %}}")
            assert linked.startswith(prefix)
    finally:
        clear_script_prefix()

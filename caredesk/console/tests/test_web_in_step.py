"""The console's page plumbing is a copy of the portal's (the two interfaces may not
import each other). This keeps the copies from drifting apart."""

from __future__ import annotations

from pathlib import Path

import caredesk

ROOT = Path(caredesk.__file__).parent


def _after_docstring(path: Path) -> str:
    text = path.read_text()
    return text[text.index('"""', 3) + 3 :]


def test_console_web_is_the_same_code_as_portal_web() -> None:
    assert _after_docstring(ROOT / "console" / "web.py") == _after_docstring(ROOT / "portal" / "web.py")

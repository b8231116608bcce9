from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def mails(django_capture_on_commit_callbacks: Any) -> Any:
    """``with mails(execute=True): …`` sends the e-mails queued after commit into
    ``django.core.mail.outbox`` (the test's transaction never commits by itself)."""
    return django_capture_on_commit_callbacks

"""Fixtures the notice tests share with the RMA tests: the people who handle RMAs and
Acme's technical case (for the RMA notices), and the installed base's day to meet them on."""

from typing import Any

import pytest
import time_machine

from caredesk.rma.tests.conftest import case, specialist, tse
from tests.personas import TODAY

__all__ = ["case", "rma_day", "specialist", "tse"]


@pytest.fixture
def rma_day() -> Any:
    with time_machine.travel(TODAY.isoformat() + " 17:00 +00:00", tick=False):
        yield

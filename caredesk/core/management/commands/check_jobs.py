from __future__ import annotations

import secrets
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_tasks import TaskResultStatus

from caredesk.core import tasks


class Command(BaseCommand):
    help = "Queue a ping job on the configured job engine and wait until a worker has run it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--timeout", type=float, default=30.0, help="Seconds to wait for a worker (default 30)")

    def handle(self, *args: Any, timeout: float = 30.0, **options: Any) -> None:
        token = secrets.token_hex(8)
        began = time.monotonic()
        result = tasks.ping.enqueue(token)
        backend = type(tasks.ping.get_backend()).__name__
        while time.monotonic() - began < timeout:
            result.refresh()
            if result.status == TaskResultStatus.SUCCESSFUL:
                if result.return_value != token:
                    raise CommandError(f"The ping job answered {result.return_value!r}, not {token!r}.")
                self.stdout.write(f"jobs run: {backend} answered in {time.monotonic() - began:.2f} s")
                return
            if result.status == TaskResultStatus.FAILED:
                raise CommandError(f"The ping job failed on {backend}: {result.errors}")
            time.sleep(0.1)
        raise CommandError(
            f"No worker ran the ping job within {timeout:g} s ({backend}): is `caredesk worker` running?"
        )

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from caredesk.core import scheduler


class Command(BaseCommand):
    help = "Enqueue the periodic sweeps on their intervals (run one per deployment)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Enqueue every sweep once and exit")

    def handle(self, *args: Any, once: bool = False, **options: Any) -> None:
        last_run: dict[str, float] = {}
        while True:
            moment = time.monotonic()
            for entry in scheduler.registered():
                key = entry.task.module_path
                if once or moment - last_run.get(key, -1e12) >= entry.every_seconds:
                    entry.task.enqueue()
                    last_run[key] = moment
                    self.stdout.write(f"enqueued {key}")
            if once:
                return
            time.sleep(1)

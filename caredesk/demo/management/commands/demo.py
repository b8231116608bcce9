from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from caredesk.accounts.models import Organisation
from caredesk.core.maillog import mail_log
from caredesk.demo.builder import (
    DEFAULT_CASES,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    HISTORY_DAYS,
    DemoBuilder,
    Login,
    demo_logins,
)


class Command(BaseCommand):
    help = (
        "Build a demo installation in an empty database: a fictional vendor with staff of every "
        "role, customers, partners, a consultant, a government customer, a few hundred cases, and RMAs in "
        "every state with their returns and mis-shipment claims, all written through the service functions."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
        parser.add_argument(
            "--cases", type=int, default=DEFAULT_CASES, help=f"how many cases to open (default {DEFAULT_CASES})"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing (but list the demo logins) when any organisation exists"
        )

    def handle(self, *args: Any, seed: int, cases: int, if_empty: bool, **options: Any) -> None:
        if cases < 0:
            raise CommandError("--cases must be 0 or more.")
        if Organisation.objects.exists():
            if not if_empty:
                raise CommandError(
                    "The database already holds organisations; the demo is built into an empty database only. "
                    "Start from a fresh CAREDESK_DATA_DIR (or DATABASE_URL), or pass --if-empty to skip quietly."
                )
            self.stdout.write("The database holds data already: no demo data added.")
            self._print_logins(demo_logins())
            return
        started = time.monotonic()

        def progress(text: str) -> None:
            self.stdout.write(f"[{time.monotonic() - started:5.1f} s] {text}")
            self.stdout.flush()

        progress(f"Building the demo: {cases} cases over {HISTORY_DAYS} days of history…")
        result = DemoBuilder(seed=seed, cases=cases, progress=progress).build()
        progress("Catching up the sweeps…")
        _forget_history_notices()
        statuses = ", ".join(f"{status} {count}" for status, count in sorted(result.statuses.items()))
        self.stdout.write(
            f"Demo data built in {time.monotonic() - started:.1f} s: {result.organisations} organisations, "
            f"{result.users} users, {result.assets} units, {result.cases} cases ({statuses}); "
            f"{result.rmas.requests} RMA requests and {result.rmas.claims} mis-shipment claims, "
            f"with {result.rmas.cases} cases of their own."
        )
        if result.rmas.refused_claims:
            self.stdout.write("Mis-shipment claims the portal refuses (try them as these users):")
            for refusal in result.rmas.refused_claims:
                self.stdout.write(f"  {refusal}")
        self._print_logins(result.logins)

    def _print_logins(self, logins: list[Login]) -> None:
        if not logins:
            return
        width = max(len(login.email) for login in logins)
        self.stdout.write(f"\nDemo logins (every one uses the password {DEMO_PASSWORD!r}):")
        for login in logins:
            self.stdout.write(f"  {login.email:<{width}}  {login.role}, {login.organisation}")
        self.stdout.write("The administrator may also use the admin site at /admin/.")
        if mail_log():
            self.stdout.write(
                f"This installation sends no e-mail: messages are written to {mail_log()}; "
                "staff read the notices in the console's outbox (/console/outbox/).\n"
            )
        else:
            self.stdout.write("")


def _forget_history_notices() -> None:
    """The demo writes months of history through the service functions, which tell people
    of every event; those notices are not news to anyone and are dropped (with the jobs
    queued to send them), so a new installation does not mail its demo users a thousand
    times in its first minute."""
    from django_tasks_db.models import DBTaskResult

    from caredesk.cases.services import sweep_breaches, sweep_escalations
    from caredesk.notifications.models import Message, WebhookDelivery
    from caredesk.rma.services import sweep_returns_not_received

    # The sweeps catch up with the history now, so their first run after start-up has
    # nothing old to tell either.
    sweep_breaches()
    sweep_escalations()
    sweep_returns_not_received()
    Message.objects.filter(status="pending").delete()
    WebhookDelivery.objects.filter(status="pending").delete()
    DBTaskResult.objects.filter(task_path__startswith="caredesk.notifications.tasks.", status="READY").delete()

"""What a page costs in Japanese against English (issue 10: at most 10 % more).

    .venv/bin/python benchmarks/languages.py --rounds 7 --n 60

Builds the demo world in a fresh SQLite database of its own (or uses DATABASE_URL), then
renders the main pages through Django's test client, in one process, as a care agent and
as a customer whose profile says English, then Japanese, alternating round by round so
both languages see the same machine noise. Per page it prints the median over the rounds
of the CPU time per request (``time.process_time``) in each language and their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caredesk.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789abcdef")
    os.environ.setdefault("CAREDESK_DATA_DIR", tempfile.mkdtemp(prefix="caredesk-lang-"))
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("CAREDESK_EMAIL", "memory")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("demo", "--if-empty", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--n", type=int, default=60, help="requests per page, language and round")
    args = parser.parse_args()
    setup()
    from django.test import Client

    from caredesk.accounts.access import Capability, may
    from caredesk.accounts.models import User
    from caredesk.cases.models import Case

    staff = User.objects.filter(organisation__kind="vendor", is_active=True).order_by("pk")
    agent = next((u for u in staff if may(u, Capability.WORK_CASES)), None)
    customer = User.objects.filter(organisation__kind="customer", contact_cases__isnull=False).order_by("pk").first()
    assert agent is not None and customer is not None, "the demo world has an agent and a customer"
    case = Case.objects.filter(contact=customer).order_by("-pk").first()
    assert case is not None
    pages = {
        "console queue": (agent, "/console/"),
        "console case": (agent, f"/console/cases/{case.case_id}/"),
        "portal cases": (customer, "/"),
        "portal case": (customer, f"/cases/{case.case_id}/"),
        "portal new case": (customer, "/cases/new/"),
    }
    clients = {}
    for name, (user, _path) in pages.items():
        client = Client()
        client.force_login(user)
        clients[name] = client
    results: dict[str, dict[str, list[float]]] = {name: {"en": [], "ja": []} for name in pages}
    for round_number in range(args.rounds):
        order = ["en", "ja"] if round_number % 2 == 0 else ["ja", "en"]
        for language in order:
            User.objects.filter(pk__in=[agent.pk, customer.pk]).update(language=language)
            for name, (_user, path) in pages.items():
                client = clients[name]
                response = client.get(path)  # warm this language's caches
                assert response.status_code == 200, (name, response.status_code)
                assert response.headers["Content-Language"] == language
                started = time.process_time()
                for _ in range(args.n):
                    client.get(path)
                results[name][language].append((time.process_time() - started) / args.n * 1000)
    print(f"{'page':<18} {'en ms':>8} {'ja ms':>8} {'ja/en':>7}  ja/en of each round (min–max)")
    for name, by_language in results.items():
        en, ja = statistics.median(by_language["en"]), statistics.median(by_language["ja"])
        ratios = [j / e for e, j in zip(by_language["en"], by_language["ja"], strict=True)]
        spread = f"{statistics.median(ratios):.3f} ({min(ratios):.2f}–{max(ratios):.2f})"
        print(f"{name:<18} {en:8.2f} {ja:8.2f} {ja / en:7.3f}  {spread}")


if __name__ == "__main__":
    main()

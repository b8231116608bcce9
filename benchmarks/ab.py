"""Interleaved A/B: the web worker's CPU per request of two code trees on one database.

    git archive 1d5b06b caredesk | tar -x -C /tmp/ab-start      # the older tree
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/caredesk_bench \\
        .venv/bin/python benchmarks/ab.py --trees /tmp/ab-start . --reps 3 --n 150

Each tree runs behind its own gunicorn (one sync worker, ``PYTHONPATH`` set to the tree),
both on the same database. Each scenario sends ``--n`` sequential requests to one tree,
then to the other, ``--reps`` times, and reads the worker's ``utime + stime`` from
``/proc/PID/stat`` before and after. On a shared, noisy machine both trees see the same
noise, so their ratio holds where absolute figures drift. Uses the tokens and case ids
that ``benchmarks/seed.py`` and ``benchmarks/load.py`` write to ``benchmarks/out``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
TICK = os.sysconf("SC_CLK_TCK")
SERVER_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "benchmark-only-secret-key-0123456789abcdef",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SETTINGS_MODULE": "caredesk.settings",
    "LOG_LEVEL": "WARNING",
    "DATABASE_CONN_MAX_AGE": "600",
    "CAREDESK_TASKS": "database",
}
CASE = {
    "kind": "admin",
    "request_type": "general-inquiry",
    "request_subtype": "other",
    "priority": "P3",
    "follow_up_method": "email",
    "callback_phone": "+1 408 555 0100",
    "summary": "A/B test",
    "description": "Opened by benchmarks/ab.py.",
}


def session_of(user_id: int, env: dict[str, str]) -> str:
    """A logged-in session for the console scenarios, made by the newer tree."""
    code = (
        "import django; django.setup()\nfrom django.test import Client\nfrom caredesk.accounts.models import User\n"
        f"c = Client(); c.force_login(User.objects.get(pk={user_id}))\nprint(c.cookies['sessionid'].value)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return done.stdout.split()[-1]


def worker_cpu(master: subprocess.Popen[bytes]) -> float:
    """CPU seconds of the one worker of a gunicorn master."""
    pid = int(subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True).stdout.split()[0])
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trees", nargs=2, required=True, help="two checkouts: older, newer")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--n", type=int, default=100, help="requests per run")
    parser.add_argument("--only", nargs="*", help="scenario names")
    args = parser.parse_args()
    trees = [str(Path(t).resolve()) for t in args.trees]
    tokens = json.loads((OUT / "tokens.json").read_text())
    ids = [line.strip() for line in (OUT / "ids-staff.txt").read_text().splitlines() if line.strip()]
    env = {**os.environ, **SERVER_ENV}
    cookie = {"Cookie": f"sessionid={session_of(tokens['staff']['user_id'], {**env, 'PYTHONPATH': trees[1]})}"}
    staff = {"Authorization": f"Bearer {tokens['staff']['token']}"}
    customer = {"Authorization": f"Bearer {tokens['customer']['token']}", "Content-Type": "application/json"}
    body = json.dumps(CASE).encode()
    scenarios: dict[str, tuple[str, Callable[[int], str], dict[str, str], bytes | None]] = {
        "api-detail": ("GET", lambda k: f"/api/v1/cases/{ids[k % len(ids)]}", staff, None),
        "api-list": ("GET", lambda k: "/api/v1/cases", staff, None),
        "api-create": ("POST", lambda k: "/api/v1/cases", customer, body),
        "console-queue": ("GET", lambda k: "/console/", cookie, None),
        "console-case": ("GET", lambda k: f"/console/cases/{ids[k % len(ids)]}/", cookie, None),
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    servers = [
        subprocess.Popen(  # noqa: S603 - our own gunicorn on loopback
            [
                gunicorn,
                "caredesk.wsgi:application",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{8401 + n}",
                "--log-level",
                "warning",
            ],
            cwd=tree,
            env={**env, "PYTHONPATH": tree},
        )  # fmt: skip
        for n, tree in enumerate(trees)
    ]
    time.sleep(6)
    results: dict[tuple[str, str], list[float]] = {}
    try:
        for _ in range(args.reps):
            for name, (method, path, headers, data) in scenarios.items():
                if args.only and name not in args.only:
                    continue
                for n, tree in enumerate(trees):
                    port = 8401 + n

                    def call(k: int, port: int = port, method: str = method, path: Callable[[int], str] = path,
                             headers: dict[str, str] = headers, data: bytes | None = data) -> None:  # fmt: skip
                        request = urllib.request.Request(
                            f"http://127.0.0.1:{port}{path(k)}", data=data, headers=headers, method=method
                        )
                        with urllib.request.urlopen(request) as answer:  # noqa: S310 - loopback only
                            answer.read()

                    for k in range(10):
                        call(k)
                    before = worker_cpu(servers[n])
                    for k in range(args.n):
                        call(k)
                    results.setdefault((name, tree), []).append((worker_cpu(servers[n]) - before) / args.n * 1000)
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
    for (name, tree), runs in sorted(results.items()):
        shown = ", ".join(f"{r:.2f}" for r in runs)
        print(f"{name:14s} {tree}: median {statistics.median(runs):.2f} ms of CPU per request ({shown})")


if __name__ == "__main__":
    main()

"""The ``caredesk`` command: a thin front to Django's management commands.

caredesk run         migrate, then serve the web app with one job worker and the scheduler
caredesk demo        build the demo world (organisations, users, cases)
caredesk worker      run background jobs
caredesk import-orders FILE   register units from a sales-order CSV file
caredesk scheduler   enqueue the periodic sweeps
caredesk <command>   any other management command (migrate, createsuperuser, shell, …)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from types import FrameType


def _django(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caredesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["caredesk", *argv])


def run(args: list[str]) -> int:
    """Serve on CAREDESK_BIND (127.0.0.1:8000) with gunicorn, beside a job worker and the scheduler."""
    _django(["migrate", "--no-input", "-v", "0"])
    bind = os.environ.get("CAREDESK_BIND", "127.0.0.1:8000")
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    me = [sys.executable, "-m", "caredesk.cli"]
    children = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "gunicorn",
                "caredesk.wsgi:application",
                "--bind",
                bind,
                "--workers",
                workers,
                "--access-logfile",
                "-",
                *args,
            ]
        ),
        subprocess.Popen([*me, "worker"]),  # noqa: S603
        subprocess.Popen([*me, "scheduler"]),  # noqa: S603
    ]
    print(f"caredesk is serving on http://{bind}/  (Ctrl-C stops it)", flush=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = children[0].wait()
    stop(signal.SIGTERM, None)
    for child in children:
        child.wait()
    return code


def worker_command(environ: Mapping[str, str], rest: list[str]) -> list[str]:
    """The job runner of the configured engine: the database's own worker by default, an RQ
    worker on the Redis broker in the scale-out mode (CAREDESK_TASKS=redis). ``--batch``
    (run what is queued, then exit) works for both."""
    if environ.get("CAREDESK_TASKS", "database").strip() == "redis":
        options = ["--burst" if arg == "--batch" else arg for arg in rest]
        # Jobs run in the worker process itself, not in a fork per job: forking a Django
        # process costs more than our short jobs (75 against several hundred jobs/s, see
        # benchmarks/RESULTS.md); a job killed with its worker is run again anyway.
        worker_class = environ.get("CAREDESK_RQ_WORKER_CLASS", "rq.worker.SimpleWorker")
        return ["rqworker", "--job-class", "django_tasks_rq.Job", "--worker-class", worker_class, *options, "default"]
    return ["db_worker", *rest]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    if command == "run":
        return run(rest)
    if command == "worker":
        _django(worker_command(os.environ, rest))
        return 0
    # Commands are spelt with dashes on the command line (import-orders), underscores in code.
    _django([command.replace("-", "_"), *rest])
    return 0


if __name__ == "__main__":
    sys.exit(main())

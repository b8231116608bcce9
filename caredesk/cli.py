"""The ``caredesk`` command: a thin front to Django's management commands.

caredesk run         migrate, then serve the web app with one job worker and the scheduler
                     (on 127.0.0.1:8000; another port: caredesk run --port 8080, or PORT=8080,
                     another address: CAREDESK_BIND=0.0.0.0:8080)
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


def bind_address(environ: Mapping[str, str], args: list[str]) -> tuple[str, list[str]]:
    """Where to serve, and the arguments left for gunicorn. ``--port N`` (or ``--port=N``)
    beats ``PORT``; ``CAREDESK_BIND`` (host:port) names the host too, and its port yields to
    an explicit ``--port``. The default is 127.0.0.1:8000, reachable from this machine only."""
    rest: list[str] = []
    port = ""
    it = iter(args)
    for arg in it:
        if arg == "--port":
            port = next(it, "")
        elif arg.startswith("--port="):
            port = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise SystemExit(f"caredesk run: --port must be a number from 1 to 65535, got {port!r}")
    bind = environ.get("CAREDESK_BIND", "").strip()
    if bind:
        host = bind.rpartition(":")[0] or "127.0.0.1"
        return (f"{host}:{port}" if port else bind), rest
    return f"127.0.0.1:{port or environ.get('PORT', '').strip() or '8000'}", rest


def run(args: list[str]) -> int:
    """Serve with gunicorn (see ``bind_address``), beside a job worker and the scheduler."""
    bind, args = bind_address(os.environ, args)
    # The settings of every process read it: links in e-mails made before the first request
    # (caredesk/core/addresses.py) point where the server listens.
    os.environ["CAREDESK_BIND"] = bind
    _django(["migrate", "--no-input", "-v", "0"])
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


def _start_outbox_listener() -> None:
    """Beside the database engine's worker on PostgreSQL: the listener that delivers notices
    as their transactions commit (caredesk/notifications/dispatcher.py)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caredesk.settings")
    import django

    django.setup()
    from caredesk.notifications import dispatcher

    if dispatcher.applies():
        dispatcher.start()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    if command == "run":
        return run(rest)
    if command == "worker":
        job_runner = worker_command(os.environ, rest)
        if job_runner[0] == "db_worker" and "--batch" not in rest:
            _start_outbox_listener()
        _django(job_runner)
        return 0
    # Commands are spelt with dashes on the command line (import-orders), underscores in code.
    _django([command.replace("-", "_"), *rest])
    return 0


if __name__ == "__main__":
    sys.exit(main())

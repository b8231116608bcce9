"""Background jobs on real engines (issue 4): a job goes through each backend end to end,
the embedded database backend and the Redis broker (RQ), run by `caredesk worker` in its
own process; and a worker killed with SIGKILL in the middle of sending a message loses no
work: the delivery runs again and the message carries the same Message-ID."""

from __future__ import annotations

import asyncio
import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

CAREDESK = str(Path(sys.executable).with_name("caredesk"))
SECRET = "job-engine-tests-secret-key-that-is-long-enough-0123456789"


def redis_url() -> str | None:
    url = os.environ.get("CAREDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return url
    except OSError:
        return None


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAREDESK_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        SECRET_KEY=SECRET,
        CAREDESK_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
        CAREDESK_EMAIL="console",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CAREDESK, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603


@pytest.fixture
def worker() -> Iterator[Any]:
    """``worker(env)`` starts `caredesk worker` in a process group of its own; all are stopped at the end."""
    started: list[subprocess.Popen[str]] = []

    def start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(  # noqa: S603
            [CAREDESK, "worker", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.mark.parametrize("engine", ["database", "redis"])
def test_a_job_runs_through_each_engine_end_to_end(tmp_path: Path, worker: Any, engine: str) -> None:
    extra = {"CAREDESK_TASKS": engine}
    if engine == "redis":
        url = redis_url()
        if url is None:
            pytest.skip("needs Redis on 127.0.0.1:6379 for the broker backend (CAREDESK_TASKS=redis)")
        extra |= {"CAREDESK_TASKS_REDIS_URL": url}  # a Redis database of the tests' own
    env = environment(tmp_path, **extra)
    migrated = run(["migrate", "--no-input", "-v", "0"], env)
    assert migrated.returncode == 0, migrated.stderr
    process = worker(env)
    checked = run(["check-jobs", "--timeout", "30"], env)
    assert checked.returncode == 0, (checked.stdout, checked.stderr, process.poll())
    expected = {"database": "DatabaseBackend", "redis": "RQBackend"}[engine]
    assert f"jobs run: {expected} answered" in checked.stdout


def test_without_a_worker_the_check_says_so(tmp_path: Path) -> None:
    env = environment(tmp_path, CAREDESK_TASKS="database")
    assert run(["migrate", "--no-input", "-v", "0"], env).returncode == 0
    checked = run(["check-jobs", "--timeout", "1"], env)
    assert checked.returncode != 0 and "is `caredesk worker` running?" in checked.stderr


class SlowInbox:
    """An SMTP server that takes the first message, then waits before saying 250: the
    window in which the test kills the worker."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.first = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content))
        if len(self.messages) == 1:
            self.first.set()
            await asyncio.sleep(30)
        return "250 OK"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_sending_loses_no_message(tmp_path: Path, worker: Any, seeded: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker process shares the test database (make test-postgres)")
    controller_module = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is a test need")
    from django_tasks_db.backend import DatabaseBackend

    from caredesk.notifications import tasks
    from caredesk.notifications.models import Message
    from tests.personas import admin_case, build_world

    world = build_world()
    admin_case(world.alice, summary="Switch stack lost its member")  # writes the confirmation to the outbox
    message = Message.objects.get(event="case.opened")
    Message.objects.filter(pk=message.pk).update(status="pending", sent_at=None, attempts=0)  # as if never sent

    inbox = SlowInbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = controller_module.Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    db = connection.settings_dict
    env = environment(
        tmp_path,
        CAREDESK_TASKS="database",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        CAREDESK_EMAIL="smtp",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        CAREDESK_NOTIFY_LEASE_SECONDS="2",
    )
    backend = DatabaseBackend("default", {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]})
    try:
        backend.enqueue(tasks.deliver_message, [message.pk], {})
        first = worker(env)
        assert inbox.first.wait(30), first.stdout.read() if first.poll() is not None else "no message arrived"
        os.killpg(first.pid, signal.SIGKILL)  # the server has the message; the outbox has not recorded it
        first.wait(10)
        message.refresh_from_db()
        assert (message.status, message.attempts) == ("pending", 1)

        time.sleep(2.5)  # the dead worker's lease runs out
        backend.enqueue(tasks.deliver_due, [], {})  # what the scheduler queues every minute
        second = worker(env, "--batch")
        assert second.wait(60) == 0, second.stdout.read()
    finally:
        smtp.stop()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
    assert len(inbox.messages) == 2
    assert {m["Message-ID"] for m in inbox.messages} == {message.message_id}  # recognisably the same message


class Inbox:
    """An SMTP server that keeps what it is given."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content))
        self.arrived.set()
        return "250 OK"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_notice_leaves_as_its_transaction_commits(
    tmp_path: Path, worker: Any, seeded: None, monkeypatch: Any
) -> None:
    """The database engine on PostgreSQL queues no delivery job per change: the outbox's
    insert trigger notifies at commit and the worker's outbox listener sends the notice."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker process shares the test database (make test-postgres)")
    controller_module = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is a test need")
    from django_tasks_db.models import DBTaskResult

    from caredesk.notifications import services
    from caredesk.notifications.models import Message
    from tests.personas import admin_case, build_world

    world = build_world()
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = controller_module.Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    db = connection.settings_dict
    env = environment(
        tmp_path,
        CAREDESK_TASKS="database",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        CAREDESK_EMAIL="smtp",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        CAREDESK_NOTIFY_POLL_SECONDS="3600",  # only the notification can wake it in time
    )
    try:
        process = worker(env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the listener is up once its LISTEN is its session's last query
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN caredesk_outbox'")
                if cursor.fetchone()[0]:
                    break
            assert process.poll() is None, process.stdout.read()
            time.sleep(0.2)
        else:
            pytest.fail("the worker's outbox listener did not start")
        monkeypatch.setattr(services, "queued_in_database", lambda: True)  # as in production: the database engine
        jobs_before = DBTaskResult.objects.count()
        case = admin_case(world.alice, summary="Chassis alarm after the upgrade")
        assert DBTaskResult.objects.count() == jobs_before  # no delivery job of its own
        assert inbox.arrived.wait(20), "the notice was not sent"
    finally:
        smtp.stop()
    message = Message.objects.get(event="case.opened", case_ref=case.case_id)
    assert inbox.messages[0]["Message-ID"] == message.message_id
    deadline = time.monotonic() + 10
    while Message.objects.get(pk=message.pk).status != "sent" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert Message.objects.get(pk=message.pk).status == "sent"

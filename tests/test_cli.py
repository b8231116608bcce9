"""`caredesk run` serves the product on a fresh data directory with no settings at all."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_help_lists_the_commands() -> None:
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "caredesk.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("run", "demo", "worker", "scheduler"):
        assert f"caredesk {command}" in out


def test_run_migrates_and_serves_then_stops_cleanly(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "CAREDESK_DATA_DIR": str(tmp_path),
        "CAREDESK_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "caredesk.cli", "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2) as response:  # noqa: S310
                    status = response.status
            except OSError:
                time.sleep(0.5)
        assert status == 200
        assert (tmp_path / "caredesk.sqlite3").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise


def test_the_worker_runs_the_configured_engine() -> None:
    from caredesk.cli import worker_command

    assert worker_command({}, ["--batch"]) == ["db_worker", "--batch"]
    assert worker_command({"CAREDESK_TASKS": "redis"}, ["--batch"]) == [
        "rqworker", "--job-class", "django_tasks_rq.Job", "--worker-class", "rq.worker.SimpleWorker", "--burst",
        "default",
    ]  # fmt: skip


def test_run_serves_on_the_port_asked_for() -> None:
    """README: `caredesk run --port 8080`, `PORT=8080`, or CAREDESK_BIND for another address too."""
    from caredesk.cli import bind_address

    assert bind_address({}, []) == ("127.0.0.1:8000", [])
    assert bind_address({}, ["--port", "8080", "--timeout", "5"]) == ("127.0.0.1:8080", ["--timeout", "5"])
    assert bind_address({}, ["--port=9000"]) == ("127.0.0.1:9000", [])
    assert bind_address({"PORT": "8081"}, []) == ("127.0.0.1:8081", [])
    assert bind_address({"CAREDESK_BIND": "0.0.0.0:9000"}, []) == ("0.0.0.0:9000", [])
    assert bind_address({"CAREDESK_BIND": "0.0.0.0:9000"}, ["--port", "8082"]) == ("0.0.0.0:8082", [])
    import pytest

    with pytest.raises(SystemExit, match="--port must be a number"):
        bind_address({}, ["--port", "http"])

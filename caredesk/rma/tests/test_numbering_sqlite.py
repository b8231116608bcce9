"""RMA numbers from eight connections at once on the embedded database (D-5.1).

The test database of the SQLite runs is in memory, shared by threads through one cache,
which is not how an installation runs. So this test makes what an installation has: a
database file, migrated by ``caredesk migrate``, and eight separate processes approving
requests at the same moment, each on its own connection, as eight web workers would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
PROCESSES = 8
PER_PROCESS = 4

SETUP = """
import json, sys, time_machine
import django; django.setup()
from caredesk.accounts import services as accounts
from caredesk.rma import services
from caredesk.rma.models import RmaRequest
from caredesk.rma.services import NewLine
from tests.personas import PASSWORD, TODAY, admin_case, build_installbase, build_world

with time_machine.travel(TODAY.isoformat() + " 17:00 +00:00", tick=False):
    world = build_world()
    build_installbase(world)
    tse = accounts.create_user("tse@vendor.example", "Tara Tse", world.vendor, PASSWORD, roles=["tse"])
    accounts.create_user("rma@vendor.example", "Rita Returns", world.vendor, PASSWORD, roles=["rma_specialist"])
    case = admin_case(world.alice, kind="technical", request_type="", request_subtype="", serial_number="KR1000001")
    numbers = []
    for _ in range(int(sys.argv[1])):
        lines = [NewLine("KR1000002", "hardware_fault", "Dead after the update.")]
        made = services.request_rma(tse, case.case_id, lines)
        RmaRequest.objects.filter(pk=made.pk).update(status="cancelled")  # a unit is on one open request
        numbers.append(made.validation_number)
    RmaRequest.objects.update(status="pending")
print(json.dumps(numbers))
"""

APPROVE = """
import json, sys, time
import django; django.setup()
from caredesk.accounts.models import User
from caredesk.rma import services

specialist = User.objects.get(email="rma@vendor.example")
start = float(sys.argv[1])
while time.time() < start:  # every process begins at the same moment
    time.sleep(0.005)
print(json.dumps([services.approve(specialist, number).rma_number for number in json.loads(sys.argv[2])]))
"""


def _run(code: str, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 - our own scripts
        [sys.executable, "-c", code, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the PostgreSQL run has its own eight-connection test")
def test_d51_rma_numbers_are_unique_and_increasing_from_eight_processes_on_sqlite(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'caredesk.sqlite3'}",
        "CAREDESK_DATA_DIR": str(tmp_path),
        "CAREDESK_RMA_NUMBER_START": "7000000",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], env=env, cwd=ROOT,
                   check=True, timeout=300)  # fmt: skip
    pending = json.loads(_run(SETUP, str(PROCESSES * PER_PROCESS), env=env))
    import time

    start = str(time.time() + 4)
    workers = [
        subprocess.Popen(  # noqa: S603 - our own script
            [sys.executable, "-c", APPROVE, start, json.dumps(pending[n * PER_PROCESS : (n + 1) * PER_PROCESS])],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for n in range(PROCESSES)
    ]
    got = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err[-3000:]
        mine = [int(number[1:]) for number in json.loads(out.strip().splitlines()[-1])]
        assert mine == sorted(mine)  # each process's approvals, one after another, got ever larger numbers
        got += mine
    assert sorted(got) == list(range(7_000_000, 7_000_000 + PROCESSES * PER_PROCESS))  # unique, no gaps

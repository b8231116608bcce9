"""Jobs per second through each job engine (issue 4): the database backend on PostgreSQL
and the Redis broker (RQ).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/caredesk_bench
    .venv/bin/python benchmarks/jobs.py --engine database --jobs 5000 --workers 2
    .venv/bin/python benchmarks/jobs.py --engine redis --jobs 5000 --workers 2

Queues ``--jobs`` ping jobs (``core.tasks.ping``: the engine's own cost, no work of ours)
from this process, timing the queueing; then starts ``--workers`` ``caredesk worker --batch``
processes, which run what is queued and exit, and times them from start to the last exit.
Results go to benchmarks/out/jobs-*.json and are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["database", "redis"], required=True)
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13", help="broker for --engine redis")
    args = parser.parse_args()
    os.environ["CAREDESK_TASKS"] = args.engine
    os.environ["LOG_LEVEL"] = "WARNING"
    if args.engine == "redis":
        os.environ["CAREDESK_TASKS_REDIS_URL"] = args.redis
    from seed import setup_django

    setup_django()
    from django.db import connection

    from caredesk.core import tasks

    if args.engine == "database":
        with connection.cursor() as cur:
            cur.execute("DELETE FROM django_tasks_database_dbtaskresult")
    else:
        import redis

        redis.Redis.from_url(args.redis).flushdb()

    began = time.perf_counter()
    for i in range(args.jobs):
        tasks.ping.enqueue(str(i))
    queued = time.perf_counter() - began

    caredesk = str(Path(sys.executable).with_name("caredesk"))
    began = time.perf_counter()
    workers = [
        subprocess.Popen(  # noqa: S603
            [caredesk, "worker", "--batch"], env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(args.workers)
    ]
    codes = [w.wait() for w in workers]
    ran = time.perf_counter() - began

    if args.engine == "database":
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'SUCCESSFUL'")
            done = int(cur.fetchone()[0])
    else:
        from django_rq import get_queue

        done = get_queue("default").finished_job_registry.count
    result = {
        "engine": args.engine,
        "jobs": args.jobs,
        "workers": args.workers,
        "queued_per_second": round(args.jobs / queued),
        "run_per_second": round(done / ran),
        "succeeded": done,
        "worker_exit_codes": codes,
        "seconds_to_run": round(ran, 2),
        "note": "includes each worker's start-up (about 1 s)",
    }
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (OUT / f"jobs-{args.engine}-{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

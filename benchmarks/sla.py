"""Response-target benchmarks (issue 4): due-time computations per second on one core, and
the breach and management-escalation sweeps over 1,000,000 open cases on PostgreSQL.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/caredesk_bench
    .venv/bin/python benchmarks/seed.py --cases 100000          # people and a case history
    .venv/bin/python benchmarks/sla.py due --n 1000000
    .venv/bin/python benchmarks/sla.py sweep --open 1000000 --due 1000 --repeat 5

``due`` times ``sla.queries.response_due`` (the function case creation calls, catalogue
from its per-process snapshot) for opening moments spread over a year, per priority, in
one process: one core. ``sweep`` adds open cases (case ids ``1990-0101-…``, a day of their own) until there are
``--open`` of them, every one unanswered, so that each sits in the breach sweep's partial
index, their due times spread over the next 30 days; then, ``--repeat`` times, makes
``--due`` of them overdue (and as many due for management escalation), shows the query
plan of the sweep's claim, and times one ``sweep_breaches()`` and one
``sweep_escalations()`` call, committed, as the worker runs them. Results go to
benchmarks/out/sla-*.json and are printed.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def setup() -> None:
    from seed import setup_django  # benchmarks/seed.py

    setup_django()


def bench_due(n: int) -> dict[str, Any]:
    from caredesk.sla.queries import response_due, support_calendar

    rng = random.Random(7)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    moments = [start + timedelta(seconds=rng.randrange(365 * 86400)) for _ in range(n)]
    response_due("P3", start)  # load the snapshot and the year's holidays
    for year in (2026, 2027):
        support_calendar().is_business_day(date(year, 6, 1))
    results: dict[str, Any] = {}
    for priority in ("P1", "P2", "P3", "P4"):
        began = time.perf_counter()
        for moment in moments:
            response_due(priority, moment)
        elapsed = time.perf_counter() - began
        results[priority] = round(n / elapsed)
    mixed = [("P1", "P2", "P3", "P3", "P4")[i % 5] for i in range(n)]
    began = time.perf_counter()
    for priority, moment in zip(mixed, moments, strict=True):
        response_due(priority, moment)
    results["mix"] = round(n / (time.perf_counter() - began))
    return {"computations": n, "per_second": results}


def ensure_open_cases(total: int) -> int:
    """Add unanswered open cases ``1990-0101-…`` until there are ``total``; return how many were added."""
    from django.db import connection, transaction
    from seed import people

    info = people(300, 40)
    with connection.cursor() as cur:
        # Every eighth member of staff leads the seven after it: the owner's manager is told too (D-4.3).
        cur.execute(
            "UPDATE accounts_user u SET manager_id = lead.id FROM accounts_user lead "
            "WHERE u.organisation_id = %s AND lead.organisation_id = %s AND lead.id = u.id - ((u.id - %s) %% 8) "
            "AND lead.id <> u.id",
            [info["vendor_id"], info["vendor_id"], 0],
        )
        cur.execute("SELECT count(*) FROM cases_case WHERE case_id LIKE '1990-0101-%%'")
        have = int(cur.fetchone()[0])
    missing = total - have
    if missing <= 0:
        return 0
    began = time.monotonic()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute(
            """
            CREATE TEMP TABLE sw_org ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY o.id) - 1 AS idx, o.id AS org_id, u.id AS user_id,
                   u.full_name AS user_name
            FROM accounts_organisation o
            JOIN LATERAL (SELECT id, full_name FROM accounts_user WHERE organisation_id = o.id ORDER BY id LIMIT 1) u
              ON true
            WHERE o.id = ANY(%s)
            """,
            [info["customer_ids"]],
        )
        cur.execute("SELECT count(*) FROM sw_org")
        n_orgs = int(cur.fetchone()[0])
        cur.execute(
            "CREATE TEMP TABLE sw_staff ON COMMIT DROP AS SELECT row_number() OVER (ORDER BY id) - 1 AS idx, id "
            "FROM accounts_user WHERE organisation_id = %s",
            [info["vendor_id"]],
        )
        cur.execute("SELECT count(*) FROM sw_staff")
        n_staff = int(cur.fetchone()[0])
        cur.execute(
            """
            INSERT INTO cases_case (
                case_id, kind, priority, follow_up_method, callback_phone, summary, description, serial_number,
                ssrn, product_series, platform, customer_tracking_number, template_data, status, site_name,
                site_code, contact_name, created_at, updated_at, closed_reason, contact_id, opened_by_id,
                organisation_id, owner_id, escalation_level, opened_off_hours, response_due_at, escalation_due_at)
            SELECT '1990-0101-' || lpad((%(have)s + g)::text, 7, '0'), 'admin',
                   (ARRAY['P1','P2','P3','P3','P4'])[1 + g %% 5], 'email', '+14085550100',
                   'Open case ' || g, 'An open case of the sweep benchmark.', '', '', '', '', '', '{}'::jsonb,
                   (ARRAY['new','open','awaiting_customer'])[1 + g %% 3], '', '', o.user_name,
                   now() - interval '1 hour', now() - interval '1 hour', '', o.user_id, o.user_id, o.org_id, st.id,
                   0, false,
                   now() + random() * interval '30 days', now() + random() * interval '30 days'
            FROM generate_series(1, %(n)s) g
            JOIN sw_org o ON o.idx = g %% %(n_orgs)s
            JOIN sw_staff st ON st.idx = g %% %(n_staff)s
            """,
            {"have": have, "n": missing, "n_orgs": n_orgs, "n_staff": n_staff},
        )
        added = cur.rowcount
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) cases_case")
    print(f"open cases: added {added} in {time.monotonic() - began:.0f} s", flush=True)
    return int(added)


def make_due(k: int, rng: random.Random) -> None:
    """``k`` open cases overdue for a response and ``k`` due for management escalation, the
    rest not yet; nothing claimed."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditentry WHERE action IN ('response_breached', 'management_escalation')")
        cur.execute("DELETE FROM notifications_message WHERE case_ref LIKE '1990-0101-%%'")
        cur.execute(
            "UPDATE cases_case SET response_due_at = now() + random() * interval '30 days', "
            "response_breached_at = NULL, escalation_level = 0, escalation_due_at = now() + interval '1 day' "
            "WHERE case_id LIKE '1990-0101-%%' AND (response_breached_at IS NOT NULL OR response_due_at <= now() "
            "OR escalation_level > 0 OR escalation_due_at <= now())"
        )
        offset = rng.randrange(0, 900_000)
        cur.execute(
            "UPDATE cases_case SET response_due_at = now() - interval '1 minute', "
            "escalation_due_at = now() - interval '1 minute' "
            "WHERE id IN (SELECT id FROM cases_case WHERE case_id LIKE '1990-0101-%%' ORDER BY id OFFSET %s LIMIT %s)",
            [offset, k],
        )
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) cases_case")


def plan_of_claim() -> str:
    """The plan of the breach sweep's claim, as it runs."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
            "SELECT id FROM cases_case WHERE response_due_at <= now() AND first_response_at IS NULL "
            "AND response_breached_at IS NULL AND NOT (status = 'closed') ORDER BY response_due_at LIMIT 1000"
        )
        return "\n".join(row[0] for row in cur.fetchall())


def bench_sweep(total: int, due: int, repeat: int) -> dict[str, Any]:
    from django.db import connection

    from caredesk.cases import services

    ensure_open_cases(total)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_case WHERE status IN ('new', 'open', 'awaiting_customer')")
        open_cases = int(cur.fetchone()[0])
        cur.execute("SELECT count(*) FROM cases_case")
        all_cases = int(cur.fetchone()[0])
    rng = random.Random(11)
    breach, escalation, plans = [], [], []
    for _ in range(repeat):
        make_due(due, rng)
        plans.append(plan_of_claim())
        began = time.perf_counter()
        claimed = services.sweep_breaches()
        breach.append((time.perf_counter() - began, claimed))
        began = time.perf_counter()
        raised = services.sweep_escalations()
        escalation.append((time.perf_counter() - began, raised))
        print(f"breach sweep {breach[-1][0]:.3f} s ({claimed}), escalation sweep {escalation[-1][0]:.3f} s "
              f"({raised})", flush=True)  # fmt: skip
    # An idle sweep: nothing due, what the worker pays every minute.
    began = time.perf_counter()
    services.sweep_breaches()
    idle = time.perf_counter() - began
    return {
        "cases": all_cases,
        "open_cases": open_cases,
        "due_per_run": due,
        "breach_sweep_s": [round(t, 4) for t, _ in breach],
        "breach_claimed": [c for _, c in breach],
        "escalation_sweep_s": [round(t, 4) for t, _ in escalation],
        "escalation_claimed": [c for _, c in escalation],
        "breach_sweep_median_s": round(statistics.median(t for t, _ in breach), 4),
        "escalation_sweep_median_s": round(statistics.median(t for t, _ in escalation), 4),
        "idle_sweep_s": round(idle, 4),
        "plan": plans[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    due = commands.add_parser("due", help="due-time computations per second")
    due.add_argument("--n", type=int, default=1_000_000)
    sweep = commands.add_parser("sweep", help="the breach and escalation sweeps over many open cases")
    sweep.add_argument("--open", type=int, default=1_000_000, help="open cases wanted")
    sweep.add_argument("--due", type=int, default=1000, help="cases made due before each sweep")
    sweep.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.command == "due":
        result = bench_due(args.n)
    else:
        result = bench_sweep(args.open, args.due, args.repeat)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (OUT / f"sla-{args.command}-{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""RMA benchmarks (issue 11): the returns-not-received sweep over 1,000,000 open lines,
receiving boxes at the depot through the API, and approving requests through the API.

    createdb -h 127.0.0.1 -U postgres bench_rma
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_rma
    .venv/bin/caredesk migrate
    .venv/bin/python -m benchmarks.rma sweep      # or receive, approve, all

Every part first makes sure the data is there (``--lines``, default 1,000,000; a later run
with a larger number adds the difference): the people of benchmarks/seed.py, six products,
one technical case per ten requests, and approved advance-replacement requests of two lines
each (serials ``BM…``), every line's replacement shipped or delivered and its defective unit
still owed, its deadline 1 to 20 days ahead, so that every line sits in the sweep's partial
index ``rma_line_return_owed``; plus ``--pending`` pending requests of one to three lines
(serials ``BP…``) for the approvals. All of it by ``INSERT … SELECT`` inside PostgreSQL.

- ``sweep``: ``--rounds`` times, moves the clock to the instant ``--due`` more owed lines are
  past their deadline (those the load gave the earliest deadlines, spread at random over the
  table; no row is rewritten to make it due) and times one ``sweep_returns_not_received()``
  call end to end, committed, as the worker runs it (claim, charges, audit rows, events),
  vacuuming between rounds; then shows the plan of the claiming ``UPDATE`` under
  ``EXPLAIN (ANALYZE, BUFFERS)``, in a transaction rolled back. Flags are undone afterwards.
- ``receive``: gunicorn (2 sync workers) and wrk (1 thread, 8 connections), as benchmarks/load.py:
  ``POST /api/v1/rma-receipts`` for open lines drawn at random, a third each by line number
  (with the serial read inside), by RMA number with the serial, and by serial alone. Each box
  is sent once; the lines received are put back afterwards.
- ``approve``: the same server, ``POST /api/v1/rmas/{validation number}/approve`` for pending
  requests; they are made pending again afterwards.

``--profile`` (receive, approve) also runs ``--profile-n`` requests in this process through
Django's test client under cProfile. The SQL statements of one request of each kind are
counted in this process too. Results go to benchmarks/out/rma-*.json and are printed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

PRODUCTS = [
    ("BR-100", "BR Series", "BR100", 12_500), ("BR-200", "BR Series", "BR200", 24_000),
    ("BS-48", "BS Series", "BS48", 6_800), ("BS-24", "BS Series", "BS24", 3_900),
    ("BF-10", "BF Series", "BF10", 9_400), ("BW-1", "BW Series", "BW1", 1_250),
]  # fmt: skip
SPECIALIST = "rma-bench@vendor.bench.invalid"
TOKEN_NAME = "benchmark-rma"  # noqa: S105 - the token's label, not a secret
OWED_DAY = "1991-0101-"  # case ids of the benchmark's technical cases
APPROVED_V = "V19910101-"  # validation numbers of the approved requests (lines BM…)
PENDING_V = "V19910102-"  # validation numbers of the pending requests (lines BP…)
RMA_BASE = 1_000_000  # loaded requests are R1000001 …; the counter is moved past them
HOST = "127.0.0.1"


def setup() -> None:
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("DEBUG", "false")
    from seed import setup_django  # benchmarks/seed.py

    setup_django()


# --- data ---------------------------------------------------------------------------------


def specialist_token() -> dict[str, Any]:
    """The RMA specialist the benchmark acts as (not cleared for government customers, so
    the access rule's join is in every query), with a fresh API token."""
    from django.contrib.auth.hashers import make_password
    from seed import BENCH_VENDOR

    from caredesk.accounts.models import ApiToken, Organisation, OrganisationKind, User
    from caredesk.accounts.services import issue_api_token
    from caredesk.core.clock import now

    vendor = Organisation.objects.get(name=BENCH_VENDOR, kind=OrganisationKind.VENDOR)
    user, _ = User.objects.get_or_create(
        email=SPECIALIST,
        defaults={"full_name": "Rita Returns (bench)", "organisation": vendor, "roles": ["rma_specialist"],
                  "gov_cleared": False, "password": make_password(None)},
    )  # fmt: skip
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now())
    return {"user_id": user.pk, "token": issue_api_token(user, TOKEN_NAME).secret}


def ensure_data(lines: int, pending: int) -> dict[str, Any]:
    """People, products, cases, the owed lines and the pending requests (see the module's doc)."""
    from django.db import connection, transaction
    from seed import people

    from caredesk.installbase.models import Product

    info = people(300, 40)
    for sku, series, platform, price in PRODUCTS:
        Product.objects.get_or_create(
            sku=sku, defaults={"name": platform, "series": series, "platform": platform, "list_price": price}
        )
    product_ids = list(Product.objects.filter(sku__in=[p[0] for p in PRODUCTS]).values_list("id", flat=True))
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM rma_rmarequest WHERE validation_number LIKE %s", [APPROVED_V + "%"])
        have_requests = int(cur.fetchone()[0])
        cur.execute("SELECT count(*) FROM rma_rmarequest WHERE validation_number LIKE %s", [PENDING_V + "%"])
        have_pending = int(cur.fetchone()[0])
    want_requests = lines // 2
    if want_requests <= have_requests and pending <= have_pending:
        print(f"data: {2 * have_requests:,} owed lines and {have_pending:,} pending requests present", flush=True)
        return info
    began = time.monotonic()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute(
            """
            CREATE TEMP TABLE rb_org ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY o.id) - 1 AS idx, o.id AS org_id, u.id AS user_id,
                   u.full_name AS user_name, s.id AS site_id
            FROM accounts_organisation o
            JOIN LATERAL (SELECT id, full_name FROM accounts_user WHERE organisation_id = o.id ORDER BY id LIMIT 1) u
              ON true
            JOIN LATERAL (SELECT id FROM accounts_site WHERE organisation_id = o.id ORDER BY id LIMIT 1) s ON true
            WHERE o.id = ANY(%s)
            """,
            [info["customer_ids"]],
        )
        cur.execute("SELECT count(*) FROM rb_org")
        n_orgs = int(cur.fetchone()[0])
        cur.execute("SELECT id FROM accounts_user WHERE organisation_id = %s ORDER BY id LIMIT 1", [info["vendor_id"]])
        tse_id = int(cur.fetchone()[0])
        params = {"n_orgs": n_orgs, "tse": tse_id, "products": product_ids, "np": len(product_ids)}
        if want_requests > have_requests:
            _add_owed(cur, have_requests + 1, want_requests, params)
        if pending > have_pending:
            _add_pending(cur, have_pending + 1, pending, params)
        # The one RMA sequence goes on after the loaded numbers.
        cur.execute(
            "INSERT INTO core_sequence (name, value) VALUES ('rma-number', %s) "
            "ON CONFLICT (name) DO UPDATE SET value = GREATEST(core_sequence.value, EXCLUDED.value)",
            [RMA_BASE + want_requests],
        )
    with connection.cursor() as cur:
        for table in ("rma_rmaline", "rma_rmarequest", "installbase_asset", "cases_case"):
            cur.execute(f"VACUUM (ANALYZE) {table}")
        cur.execute("SELECT count(*), pg_size_pretty(pg_total_relation_size('rma_rmaline')) FROM rma_rmaline")
        count, size = cur.fetchone()
    print(f"data: loaded in {time.monotonic() - began:.0f} s; rma_rmaline {count:,} rows, {size} with indexes",
          flush=True)  # fmt: skip
    return info


def _add_owed(cur: Any, first: int, last: int, params: dict[str, Any]) -> None:
    """Requests ``first``…``last`` (approved, two advance-replacement lines each, the defective
    units owed), their units, and one technical case per ten requests."""
    print(f"  adding approved requests {first:,}…{last:,} ({2 * (last - first + 1):,} lines)", flush=True)
    p = {**params, "first": first, "last": last, "c_first": (first - 1) // 10 + 1, "c_last": (last - 1) // 10 + 1}
    cur.execute(
        """
        INSERT INTO cases_case (
            case_id, kind, priority, follow_up_method, callback_phone, summary, description, serial_number,
            ssrn, product_series, platform, customer_tracking_number, template_data, status, site_name,
            site_code, contact_name, created_at, updated_at, closed_reason, contact_id, opened_by_id,
            organisation_id, owner_id, escalation_level, opened_off_hours, first_response_at, language)
        SELECT %(day)s || lpad(c::text, 7, '0'), 'technical', 'P2', 'email', '+14085550100',
               'Units fail after the power event ' || c, 'A technical case of the RMA benchmark.',
               'BM' || lpad((20 * (c - 1) + 1)::text, 9, '0'), '', '', '', '', '{}'::jsonb, 'open', '', '',
               o.user_name, now() - interval '30 days', now() - interval '30 days', '', o.user_id, %(tse)s,
               o.org_id, %(tse)s, 0, false, now() - interval '30 days', 'en'
        FROM generate_series(%(c_first)s::bigint, %(c_last)s::bigint) c
        JOIN rb_org o ON o.idx = c %% %(n_orgs)s
        ON CONFLICT (case_id) DO NOTHING
        """,
        {**p, "day": OWED_DAY},
    )
    # Two units per request, owned by the case's organisation: BM(2r-1) and BM(2r).
    cur.execute(
        """
        INSERT INTO installbase_asset (serial, product_id, owner_id, site_id, ship_date, sales_order, order_line,
            channel, standing, best_effort, created_at, updated_at)
        SELECT 'BM' || lpad(g::text, 9, '0'), (%(products)s::bigint[])[1 + g %% %(np)s], o.org_id, o.site_id,
               current_date - 400 - (g %% 900)::int, 'SO-BM' || (g / 8), 1 + g %% 8, 'direct', 'good', false,
               now(), now()
        FROM generate_series(2 * %(first)s - 1, 2 * %(last)s) g
        JOIN rb_org o ON o.idx = (((g + 1) / 2 - 1) / 10 + 1) %% %(n_orgs)s
        """,
        p,
    )
    cur.execute(
        """
        INSERT INTO rma_rmarequest (validation_number, rma_number, status, decision_reason, decided_at,
            quote_status, quote_currency, created_at, updated_at, case_id, decided_by_id, organisation_id,
            requested_by_id)
        SELECT %(v)s || lpad(r::text, 7, '0'), 'R' || (%(base)s + r), 'approved', '', now() - interval '20 days',
               '', '', now() - interval '21 days', now() - interval '5 days', c.id, %(tse)s, c.organisation_id,
               %(tse)s
        FROM generate_series(%(first)s::bigint, %(last)s::bigint) r
        JOIN cases_case c ON c.case_id = %(day)s || lpad(((r - 1) / 10 + 1)::text, 7, '0')
        """,
        {**p, "v": APPROVED_V, "base": RMA_BASE, "day": OWED_DAY},
    )
    # Half the replacements delivered, half only shipped; the deadline 1 to 20 days ahead.
    cur.execute(
        """
        INSERT INTO rma_rmaline (position, serial, fault_category, failure_description, flagged_words, rma_type,
            type_reason, type_basis, withdrawn, line_number, asset_id, request_id, carrier, tracking_number,
            mismatched_serial, status, status_changed_at, shipped_at, delivered_at, return_due_at)
        SELECT k, a.serial, 'hardware_fault', 'Does not pass its power-on self test.', '[]'::jsonb,
               'advance_replacement', 'advance_replacement',
               jsonb_build_object('contract', 'BC-' || r, 'level', 'Premium 4h'), false,
               q.rma_number || '-' || k, a.id, q.id, 'UPS', '1Z' || lpad((2 * r + k)::text, 16, '0'), '',
               CASE WHEN r %% 2 = 0 THEN 'delivered' ELSE 'replacement_shipped' END, now() - interval '4 days',
               now() - interval '5 days', CASE WHEN r %% 2 = 0 THEN now() - interval '4 days' END,
               now() + interval '1 day' + random() * interval '19 days'
        FROM generate_series(%(first)s::bigint, %(last)s::bigint) r
        CROSS JOIN (VALUES (1), (2)) AS pos(k)
        JOIN rma_rmarequest q ON q.validation_number = %(v)s || lpad(r::text, 7, '0')
        JOIN installbase_asset a ON a.serial = 'BM' || lpad((2 * r - 2 + k)::text, 9, '0')
        """,
        {**p, "v": APPROVED_V},
    )
    print(f"  {cur.rowcount:,} lines", flush=True)


def _add_pending(cur: Any, first: int, last: int, params: dict[str, Any]) -> None:
    """Pending requests ``first``…``last`` of one to three advance-replacement lines (units
    BP…, three per request, the unused ones spare), on the owed requests' cases."""
    print(f"  adding pending requests {first:,}…{last:,}", flush=True)
    cur.execute("SELECT count(*) FROM cases_case WHERE case_id LIKE %s", [OWED_DAY + "%"])
    p = {**params, "first": first, "last": last, "cases": int(cur.fetchone()[0]), "v": PENDING_V, "day": OWED_DAY}
    cur.execute(
        """
        INSERT INTO rma_rmarequest (validation_number, status, decision_reason, quote_status, quote_currency,
            created_at, updated_at, case_id, organisation_id, requested_by_id)
        SELECT %(v)s || lpad(r::text, 7, '0'), 'pending', '', '', '', now() - interval '1 hour',
               now() - interval '1 hour', c.id, c.organisation_id, %(tse)s
        FROM generate_series(%(first)s::bigint, %(last)s::bigint) r
        JOIN cases_case c ON c.case_id = %(day)s || lpad((1 + (r * 7919) %% %(cases)s)::text, 7, '0')
        """,
        p,
    )
    cur.execute(
        """
        INSERT INTO installbase_asset (serial, product_id, owner_id, site_id, ship_date, sales_order, order_line,
            channel, standing, best_effort, created_at, updated_at)
        SELECT 'BP' || lpad((3 * (r - 1) + k)::text, 9, '0'), (%(products)s::bigint[])[1 + r %% %(np)s],
               q.organisation_id, NULL, current_date - 500, 'SO-BP' || r, k, 'direct', 'good', false, now(), now()
        FROM generate_series(%(first)s::bigint, %(last)s::bigint) r
        CROSS JOIN (VALUES (1), (2), (3)) AS pos(k)
        JOIN rma_rmarequest q ON q.validation_number = %(v)s || lpad(r::text, 7, '0')
        """,
        p,
    )
    cur.execute(
        """
        INSERT INTO rma_rmaline (position, serial, fault_category, failure_description, flagged_words, rma_type,
            type_reason, type_basis, withdrawn, asset_id, request_id, carrier, tracking_number, mismatched_serial,
            status)
        SELECT k, a.serial, 'hardware_fault', 'Does not pass its power-on self test.', '[]'::jsonb,
               'advance_replacement', 'advance_replacement',
               jsonb_build_object('contract', 'BC-P' || r, 'level', 'Premium 4h'), false, a.id, q.id, '', '', '', ''
        FROM generate_series(%(first)s::bigint, %(last)s::bigint) r
        CROSS JOIN (VALUES (1), (2), (3)) AS pos(k)
        JOIN rma_rmarequest q ON q.validation_number = %(v)s || lpad(r::text, 7, '0')
        JOIN installbase_asset a ON a.serial = 'BP' || lpad((3 * (r - 1) + k)::text, 9, '0')
        WHERE k <= 1 + r %% 3
        """,
        p,
    )


def counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE return_due_at IS NOT NULL AND received_at IS NULL "
            "AND charge_flagged_at IS NULL) FROM rma_rmaline"
        )
        lines, owed = cur.fetchone()
        cur.execute("SELECT count(*) FROM rma_rmarequest")
        requests = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM cases_case")
        cases = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM installbase_asset")
        assets = cur.fetchone()[0]
    return {"lines": lines, "owed_lines": owed, "rma_requests": requests, "cases": cases, "assets": assets}


# --- the sweep (D-5.5) ----------------------------------------------------------------------


def reset_sweep() -> None:
    """Undo earlier sweeps: their charges, flags and audit rows; then vacuum."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM rma_returncharge")
        cur.execute("DELETE FROM core_auditentry WHERE action = 'return_charge_flagged'")
        cur.execute("UPDATE rma_rmaline SET charge_flagged_at = NULL WHERE charge_flagged_at IS NOT NULL")
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) rma_rmaline")


def moment_with_due(k: int) -> Any:
    """The first instant at which ``k`` owed lines are past their deadline: the sweep runs
    at that instant (the clock is moved there), so the due lines are the ones the load
    gave the earliest deadlines, spread at random over the table, never rewritten for it."""
    from datetime import timedelta

    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT return_due_at FROM rma_rmaline WHERE return_due_at IS NOT NULL AND received_at IS NULL "
            "AND charge_flagged_at IS NULL ORDER BY return_due_at OFFSET %s LIMIT 1",
            [k - 1],
        )
        return cur.fetchone()[0] + timedelta(microseconds=1)


# services._claim_overdue's statement, the moment bound three times and the batch once.
CLAIM_SQL = (
    "UPDATE rma_rmaline SET charge_flagged_at = %s WHERE id IN ("
    "SELECT id FROM rma_rmaline WHERE return_due_at <= %s AND received_at IS NULL AND charge_flagged_at IS NULL "
    "ORDER BY return_due_at LIMIT %s) "
    "AND return_due_at <= %s AND received_at IS NULL AND charge_flagged_at IS NULL RETURNING id"
)


def plan_of_claim(moment: Any) -> str:
    """The claiming UPDATE under EXPLAIN (ANALYZE, BUFFERS), at ``moment``, rolled back."""
    from django.db import connection, transaction

    from caredesk.rma.services import RETURN_SWEEP_BATCH

    class Rollback(Exception):
        pass

    plan = ""
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + CLAIM_SQL,
                        [moment, moment, RETURN_SWEEP_BATCH, moment])  # fmt: skip
            plan = "\n".join(row[0] for row in cur.fetchall())
            raise Rollback
    except Rollback:
        pass
    return plan


def bench_sweep(args: argparse.Namespace) -> dict[str, Any]:
    """``--rounds`` sweeps, each at the instant ``--due`` more lines have come due, with a
    vacuum between them (as autovacuum between two sweeps a minute apart); an idle sweep;
    the claim's plan at the next such instant. Earlier flags are undone first and after."""
    import time_machine
    from django.db import connection

    from caredesk.rma import services

    reset_sweep()
    runs: list[tuple[float, int]] = []
    for n in range(args.rounds):
        moment = moment_with_due(args.due)
        with time_machine.travel(moment, tick=False):
            began = time.perf_counter()
            flagged = services.sweep_returns_not_received()
            runs.append((time.perf_counter() - began, flagged))
            began = time.perf_counter()
            services.sweep_returns_not_received()
            idle = time.perf_counter() - began
        print(f"  round {n + 1}: at {moment:%Y-%m-%d %H:%M:%S}, sweep {runs[-1][0]:.3f} s, {flagged} flagged; "
              f"then with nothing due {idle:.4f} s", flush=True)  # fmt: skip
        with connection.cursor() as cur:
            cur.execute("VACUUM (ANALYZE) rma_rmaline")
    plan = plan_of_claim(moment_with_due(args.due))
    print(plan, flush=True)
    sizes = counts()
    reset_sweep()
    return {
        **sizes,
        "due_per_round": args.due,
        "sweep_s": [round(t, 4) for t, _ in runs],
        "flagged": [f for _, f in runs],
        "sweep_median_s": round(statistics.median(t for t, _ in runs), 4),
        "idle_sweep_s": round(idle, 4),
        "claim_sql": CLAIM_SQL,
        "plan": plan,
    }


# --- through the API: receive and approve -------------------------------------------------------


def receive_items(n: int, rng: random.Random) -> list[str]:
    """``n`` open lines at random, of customers the specialist may see (not government), as
    what the depot scans: ``scanned<TAB>serial``, a third each by line number (and the serial
    inside), RMA number and serial, serial alone."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT l.line_number, q.rma_number, l.serial FROM rma_rmaline l "
            "JOIN rma_rmarequest q ON q.id = l.request_id JOIN accounts_organisation o ON o.id = q.organisation_id "
            "WHERE l.serial LIKE 'BM%%' AND l.received_at IS NULL AND l.status IN ('replacement_shipped', 'delivered') "
            "AND NOT o.government ORDER BY random() LIMIT %s",
            [n],
        )
        rows = cur.fetchall()
    rng.shuffle(rows)
    items = []
    for k, (line_number, rma_number, serial) in enumerate(rows):
        items.append((f"{line_number}\t{serial}", f"{rma_number}\t{serial}", f"{serial}\t")[k % 3])
    return items


def approve_items(n: int, rng: random.Random) -> list[str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT q.validation_number FROM rma_rmarequest q JOIN accounts_organisation o ON o.id = q.organisation_id "
            "WHERE q.validation_number LIKE %s AND q.status = 'pending' AND NOT o.government "
            "ORDER BY random() LIMIT %s",
            [PENDING_V + "%", n],
        )
        return [row[0] for row in cur.fetchall()]


def audit_mark() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM core_auditentry")
        audit = int(cur.fetchone()[0])
        cur.execute("SELECT coalesce(max(id), 0) FROM rma_parcel")
        parcel = int(cur.fetchone()[0])
    return {"audit": audit, "parcel": parcel}


def put_back(mark: dict[str, int]) -> None:
    """Undo what a run did: boxes received, requests approved, and their history."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM rma_parcel WHERE id > %s", [mark["parcel"]])
        cur.execute(
            "UPDATE rma_rmaline SET received_at = NULL, mismatched_serial = '', "
            "status = CASE WHEN delivered_at IS NULL THEN 'replacement_shipped' ELSE 'delivered' END "
            "WHERE serial LIKE 'BM%%' AND (received_at IS NOT NULL OR mismatched_serial <> '')"
        )
        cur.execute(
            "UPDATE rma_rmaline l SET line_number = NULL, status = '', status_changed_at = NULL "
            "FROM rma_rmarequest q WHERE q.id = l.request_id AND q.validation_number LIKE %s AND q.status <> 'pending'",
            [PENDING_V + "%"],
        )
        cur.execute(
            "UPDATE rma_rmarequest SET status = 'pending', rma_number = NULL, decided_by_id = NULL, "
            "decided_at = NULL WHERE validation_number LIKE %s AND status <> 'pending'",
            [PENDING_V + "%"],
        )
        cur.execute("DELETE FROM core_auditentry WHERE id > %s", [mark["audit"]])
    with connection.cursor() as cur:
        for table in ("rma_rmaline", "rma_rmarequest", "rma_parcel", "core_auditentry"):
            cur.execute(f"VACUUM (ANALYZE) {table}")


def run_wrk(port: int, mode: str, token: str, items: list[str], *, seconds: int, connections: int,
            threads: int) -> dict[str, Any]:  # fmt: skip
    import subprocess

    data = OUT / f"rma-{mode}-items.txt"
    data.write_text("".join(f"{item}\n" for item in items))
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "--latency", "-s",
               str(HERE / "rma.lua"), f"http://{HOST}:{port}", "--", mode, token, str(data), str(threads)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    figures: dict[str, Any] = json.loads(line[5:])
    figures["wrk_output"] = done.stdout
    figures["wrk_stderr"] = done.stderr[-2000:]
    return figures


def count_sql(mode: str, token: str, rng: random.Random) -> dict[str, Any]:
    """The SQL statements of one request of each kind, in this process (Django's test client)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    headers = {"Authorization": f"Bearer {token}"}
    report: dict[str, Any] = {}
    if mode == "receive":
        items = receive_items(6, rng)
        kinds = {0: "by line number", 1: "by RMA number and serial", 2: "by serial"}
        for k, item in enumerate(items[:6]):
            scanned, serial = item.split("\t")
            with CaptureQueriesContext(connection) as captured:
                response = client.post("/api/v1/rma-receipts", data={"scanned": scanned, "serial": serial},
                                       content_type="application/json", headers=headers)  # fmt: skip
            if k >= 3:  # the second of each kind: caches warm
                report[kinds[k % 3]] = {"status": response.status_code, "queries": len(captured.captured_queries),
                                        "sql": [q["sql"] for q in captured.captured_queries]}  # fmt: skip
    else:
        for k, number in enumerate(approve_items(2, rng)):
            with CaptureQueriesContext(connection) as captured:
                response = client.post(f"/api/v1/rmas/{number}/approve", headers=headers)
            if k == 1:
                report["approve"] = {"status": response.status_code, "queries": len(captured.captured_queries),
                                     "sql": [q["sql"] for q in captured.captured_queries]}  # fmt: skip
    return report


def profile(mode: str, token: str, n: int, rng: random.Random) -> dict[str, Any]:
    """``n`` requests in this process under cProfile: wall time per request and the top functions."""
    from django.test import Client

    client = Client()
    headers = {"Authorization": f"Bearer {token}"}
    if mode == "receive":
        calls = [
            ("/api/v1/rma-receipts", {"scanned": s, "serial": v})
            for s, v in (item.split("\t") for item in receive_items(n + 50, rng))
        ]
    else:
        calls = [(f"/api/v1/rmas/{number}/approve", None) for number in approve_items(n + 50, rng)]

    def call(path: str, body: dict[str, str] | None) -> None:
        if body is None:
            client.post(path, headers=headers)
        else:
            client.post(path, data=body, content_type="application/json", headers=headers)

    for path, body in calls[:50]:
        call(path, body)
    began = time.perf_counter()
    for path, body in calls[50:]:
        call(path, body)
    plain = (time.perf_counter() - began) / max(len(calls) - 50, 1)
    profiler = cProfile.Profile()
    more = receive_items(n, rng) if mode == "receive" else approve_items(n, rng)
    profiled = (
        [("/api/v1/rma-receipts", dict(zip(("scanned", "serial"), i.split("\t"), strict=True))) for i in more]
        if mode == "receive"
        else [(f"/api/v1/rmas/{number}/approve", None) for number in more]
    )
    profiler.enable()
    for path, body in profiled:
        call(path, body)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(30)
    (OUT / f"rma-profile-{mode}.txt").write_text(text.getvalue())
    return {"in_process_ms_per_request": round(1000 * plain, 2), "requests": len(calls) - 50,
            "profile": str(OUT / f"rma-profile-{mode}.txt")}  # fmt: skip


def bench_api(mode: str, args: argparse.Namespace, token: str) -> dict[str, Any]:
    from load import cpu_per_request, cpu_snapshot, server_env, start_gunicorn, stop, wait_for_quiet, wait_ready

    rng = random.Random(23 if mode == "receive" else 29)
    database_url = os.environ["DATABASE_URL"]
    target = {"receive": (600.0, 20.0), "approve": (200.0, None)}[mode]
    per_second = {"receive": 1500, "approve": 600}[mode]  # more items than the server can take
    mark = audit_mark()
    sizes = counts()
    common = {"connections": args.connections, "threads": args.threads}
    best: dict[str, Any] | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="caredesk-bench-") as data_dir:
            server = start_gunicorn(args.port, args.workers, server_env(database_url, data_dir),
                                    OUT / "gunicorn-rma.log")  # fmt: skip
            try:
                wait_ready(args.port, token, server)
                for attempt in range(1 + args.retries):
                    wait_for_quiet(args.quiet_wait)
                    picker = receive_items if mode == "receive" else approve_items
                    run_wrk(args.port, mode, token, picker(per_second * args.warmup, rng), seconds=args.warmup,
                            **common)  # fmt: skip
                    items = picker(per_second * args.seconds, rng)
                    before = cpu_snapshot(server.pid)
                    figures = run_wrk(args.port, mode, token, items, seconds=args.seconds, **common)
                    figures.update(cpu_per_request(before, cpu_snapshot(server.pid), figures["requests"],
                                                   figures["duration_us"] / 1e6))  # fmt: skip
                    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
                    print(f"  attempt {attempt + 1}: {figures['rps']:.0f} req/s, p50 {figures['p50_us'] / 1000:.1f} ms,"
                          f" p99 {figures['p99_us'] / 1000:.1f} ms, errors {figures['non2xx']}, "
                          f"other work {figures['other_cores']} cores", flush=True)  # fmt: skip
                    if best is None or figures["other_cores"] < best["other_cores"]:
                        best = figures
                    if figures["other_cores"] <= args.max_other:
                        break
            finally:
                stop(server)
        assert best is not None
        errors = sum(int(best[k]) for k in ("err_connect", "err_read", "err_write", "err_timeout", "non2xx"))
        errors += int(best["unexpected"])
        met = best["rps"] >= target[0] and errors == 0
        if target[1] is not None:
            met = met and best["p99_us"] / 1000 < target[1]
        result: dict[str, Any] = {**sizes, **best, "errors": errors, "target_rps": target[0],
                                  "target_p99_ms": target[1], "met": met}  # fmt: skip
        result["sql"] = count_sql(mode, token, rng)
        if args.profile:
            result["in_process"] = profile(mode, token, args.profile_n, rng)
    finally:
        put_back(mark)
    return result


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=["sweep", "receive", "approve", "all"])
    parser.add_argument("--lines", type=int, default=1_000_000, help="owed advance-replacement lines wanted")
    parser.add_argument("--pending", type=int, default=40_000, help="pending requests wanted")
    parser.add_argument("--due", type=int, default=1000, help="lines made overdue before each sweep")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=20, help="measured duration per API run")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--retries", type=int, default=2, help="measure again when other work used the CPU")
    parser.add_argument("--max-other", type=float, default=0.15, help="cores of other work a run may see")
    parser.add_argument("--quiet-wait", type=float, default=120, help="seconds to wait for an idle machine")
    parser.add_argument("--profile", action="store_true", help="also cProfile requests in this process")
    parser.add_argument("--profile-n", type=int, default=1000)
    args = parser.parse_args()
    if args.part != "sweep" and shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    setup()
    OUT.mkdir(parents=True, exist_ok=True)
    from load import machine

    ensure_data(args.lines, args.pending)
    parts = ["sweep", "receive", "approve"] if args.part == "all" else [args.part]
    report: dict[str, Any] = {"machine": machine()}
    token = specialist_token()["token"] if args.part != "sweep" else ""
    for part in parts:
        print(f"{part}:", flush=True)
        report[part] = bench_sweep(args) if part == "sweep" else bench_api(part, args, token)
        shown = {k: v for k, v in report[part].items() if k not in ("plan", "sql", "wrk_output", "wrk_stderr")}
        print(json.dumps(shown, indent=2, default=str), flush=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = OUT / f"rma-{args.part}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"written to {path}")


if __name__ == "__main__":
    main()

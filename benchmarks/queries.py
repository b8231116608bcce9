"""SQL statements per API request, counted in-process with Django's test client.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/caredesk_bench \\
        .venv/bin/python benchmarks/queries.py --explain benchmarks/out/explain-1M.txt

Calls each benchmarked endpoint once to warm up and once under ``CaptureQueriesContext``,
with the same tokens and the same kind of input as the load run (benchmarks/out/*.txt
written by load.py), and prints a JSON object ``{scenario: {"queries": n, "status": code,
"sql": [...]}}``. With ``--explain FILE`` every captured SELECT of the read scenarios is
run again under ``EXPLAIN (ANALYZE, BUFFERS)`` and the plans are written to FILE.

The count is what Django sends through its cursors. Two kinds of round trip are not in
it: the connection health check of CONN_HEALTH_CHECKS (a ``SELECT 1`` on a reused
persistent connection, once per request) and the transaction's BEGIN/COMMIT.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to the benchmark's PostgreSQL database")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caredesk.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789abcdef")
    os.environ.setdefault("CAREDESK_DATA_DIR", str(OUT / "data"))
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    os.environ["DEBUG"] = "false"
    import django

    django.setup()


def first_line(path: Path) -> str:
    return next(line.strip() for line in path.read_text().splitlines() if line.strip())


def scenarios(tokens: dict[str, Any]) -> list[tuple[str, str, str, str, dict[str, Any] | None]]:
    """(name, role, method, path, body) for every scenario load.py runs."""
    body = {
        "kind": "admin",
        "request_type": "general-inquiry",
        "request_subtype": "other",
        "priority": "P3",
        "follow_up_method": "email",
        "callback_phone": "+1 408 555 0100",
        "site_code": tokens["customer"].get("site_code", ""),
        "summary": "Load test: router reboots (query count)",
        "description": "Opened by the benchmark's query counter.",
    }
    result: list[tuple[str, str, str, str, dict[str, Any] | None]] = [
        ("create", "customer", "POST", "/api/v1/cases", body)
    ]
    for role in ("customer", "staff"):
        case_id = first_line(OUT / f"ids-{role}.txt")
        word = first_line(OUT / "words.txt")
        result += [
            (f"detail:{role}", role, "GET", f"/api/v1/cases/{case_id}", None),
            (f"list:{role}", role, "GET", "/api/v1/cases", None),
            (f"search:{role}", role, "GET", f"/api/v1/cases?q={word}", None),
        ]
    lookups = [
        ("search-serial:customer", "customer", "lookup-serials-customer.txt"),
        ("search-serial:staff", "staff", "lookup-serials-staff.txt"),
        ("search-name:staff", "staff", "lookup-names.txt"),
        ("search-site:customer", "customer", "lookup-sites-customer.txt"),
        ("search-site:staff", "staff", "lookup-sites-staff.txt"),
    ]
    for name, role, data in lookups:
        if (OUT / data).exists() and (OUT / data).read_text().strip():
            # The first line of each kind: a serial's first eight characters, a one-word name.
            result.append((name, role, "GET", f"/api/v1/cases?q={first_line(OUT / data)}", None))
    for role in ("customer", "staff"):
        serials = OUT / f"serials-{role}.txt"
        if serials.exists() and serials.read_text().strip():
            result.append((f"entitlement:{role}", role, "GET", f"/api/v1/entitlements?q={first_line(serials)}", None))
    if "small_customer" in tokens:
        result.append(("list:small-customer", "small_customer", "GET", "/api/v1/cases", None))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--explain", type=Path, help="write EXPLAIN (ANALYZE, BUFFERS) of the read queries here")
    args = parser.parse_args()
    setup_django()

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    tokens = json.loads((OUT / "tokens.json").read_text())
    client = Client()
    report: dict[str, Any] = {}
    plans: list[str] = []
    for name, role, method, path, body in scenarios(tokens):
        headers = {"Authorization": f"Bearer {tokens[role]['token']}"}

        def call(method: str = method, path: str = path, body: Any = body, headers: Any = headers) -> int:
            if method == "POST":
                response = client.post(path, data=json.dumps(body), content_type="application/json", headers=headers)
            else:
                response = client.get(path, headers=headers)
            return int(response.status_code)

        call()  # warm caches (content types, the token's last_used_at touch)
        with CaptureQueriesContext(connection) as captured:
            status = call()
        statements = [q["sql"] for q in captured.captured_queries]
        report[name] = {"queries": len(statements), "status": status, "sql": statements}
        if args.explain and method == "GET":
            for sql in statements:
                if not sql.lstrip().upper().startswith("SELECT") or "cases_case" not in sql:
                    continue
                with connection.cursor() as cur:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    plan = "\n".join(row[0] for row in cur.fetchall())
                plans.append(f"-- {name}\n{sql}\n\n{plan}\n")
    if args.explain:
        args.explain.write_text("\n".join(plans))
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

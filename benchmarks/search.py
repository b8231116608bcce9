"""Case search in one process, by kind of search text: SQL statements, database time and
wall time of ``cases.queries.list_cases`` (the function the API, the portal and the
console call), for the benchmark's customer and staff users.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/caredesk_bench \\
        .venv/bin/python benchmarks/search.py --rounds 3 --explain benchmarks/out/explain-search.txt

Needs the data files of ``load.py`` (run it once, or ``load.py --only search:staff``).
Each round runs every kind once per text (at most ``--texts`` texts of each kind), after a
warm-up round; rounds alternate with other work on a shared machine, so the report gives
the median of the rounds' medians and their spread. Load-independent figures come with
``--explain``: every statement of the first text of each kind under
``EXPLAIN (ANALYZE, BUFFERS)``, with its row counts and pages read.

It only calls ``list_cases`` and ``CaseFilter``, so the same script measures an older
checkout of caredesk (``PYTHONPATH=/path/to/checkout``) against the same database.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

OUT = Path(__file__).resolve().parent / "out"

# Rare words of the seeded text (a networking term in one case in 70; error codes in one in
# 45,000): the probe-then-page path, where the common words of words.txt walk the list.
RARE = ["E1234", "tacacs", "E4711", "multicast", "E9001", "bgp"]

KINDS: list[tuple[str, str, str | list[str]]] = [
    # (kind, role, data file of load.py, or a list of texts)
    ("keyword", "customer", "words.txt"),
    ("keyword", "staff", "words.txt"),
    ("rare-keyword", "customer", RARE),
    ("rare-keyword", "staff", RARE),
    ("serial", "customer", "lookup-serials-customer.txt"),
    ("serial", "staff", "lookup-serials-staff.txt"),
    ("name", "staff", "lookup-names.txt"),
    ("site", "customer", "lookup-sites-customer.txt"),
    ("site", "staff", "lookup-sites-staff.txt"),
]


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to the benchmark's PostgreSQL database")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caredesk.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789abcdef")
    os.environ.setdefault("CAREDESK_DATA_DIR", str(OUT / "data"))
    os.environ["DEBUG"] = "false"
    import django

    django.setup()


def texts(name: str | list[str], most: int) -> list[str]:
    if isinstance(name, list):
        return name[:most]
    path = OUT / name
    if not path.exists():
        return []
    return [unquote(line.strip()) for line in path.read_text().splitlines() if line.strip()][:most]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--texts", type=int, default=40, help="texts of each kind per round")
    parser.add_argument("--explain", type=Path, help="write EXPLAIN (ANALYZE, BUFFERS) of each kind's first text")
    parser.add_argument("--label", default="", help="a name for this run in the JSON output")
    args = parser.parse_args()
    setup_django()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from caredesk.accounts.models import User
    from caredesk.cases import queries

    tokens = json.loads((OUT / "tokens.json").read_text())
    users = {
        role: User.objects.select_related("organisation").get(pk=tokens[role]["user_id"])
        for role in ("customer", "staff")
    }
    work = [(kind, role, texts(data, args.texts)) for kind, role, data in KINDS]
    work = [w for w in work if w[2]]

    def run(kind: str, role: str, items: list[str], timings: dict[str, list[float]], counts: dict[str, Any]) -> None:
        key = f"{kind}:{role}"
        for text in items:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                page = queries.list_cases(users[role], queries.CaseFilter(query=text), limit=25)
                elapsed = time.perf_counter() - started
            timings.setdefault(key, []).append(elapsed * 1000)
            db = sum(float(q["time"]) for q in captured.captured_queries) * 1000
            counts.setdefault(key, {"statements": set(), "db_ms": [], "rows": []})
            counts[key]["statements"].add(len(captured.captured_queries))
            counts[key]["db_ms"].append(db)
            counts[key]["rows"].append(len(page.items))

    # Warm up: caches of the process (catalogues, organisation names, word statistics) and
    # the database's buffers.
    for kind, role, items in work:
        run(kind, role, items, {}, {})
    rounds: list[dict[str, list[float]]] = []
    counts: dict[str, Any] = {}
    for _ in range(args.rounds):
        timings: dict[str, list[float]] = {}
        for kind, role, items in work:
            run(kind, role, items, timings, counts)
        rounds.append(timings)
    report: dict[str, Any] = {"label": args.label, "loadavg": os.getloadavg(), "kinds": {}}
    for kind, role, items in work:
        key = f"{kind}:{role}"
        medians = [statistics.median(r[key]) for r in rounds]
        every = sorted(ms for r in rounds for ms in r[key])
        report["kinds"][key] = {
            "texts": len(items),
            "sql_per_search": sorted(counts[key]["statements"]),
            "wall_p50_ms": round(statistics.median(medians), 2),
            "wall_p50_spread_ms": [round(min(medians), 2), round(max(medians), 2)],
            "wall_p90_ms": round(every[int(0.9 * (len(every) - 1))], 2),
            "wall_max_ms": round(every[-1], 2),
            "db_p50_ms": round(statistics.median(counts[key]["db_ms"]), 2),
            "rows_p50": statistics.median(counts[key]["rows"]),
        }
    if args.explain:
        plans = []
        for kind, role, items in work:
            with CaptureQueriesContext(connection) as captured:
                queries.list_cases(users[role], queries.CaseFilter(query=items[0]), limit=25)
            for q in captured.captured_queries:
                if not q["sql"].lstrip().upper().startswith(("SELECT", "(SELECT")):
                    continue
                with connection.cursor() as cur:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                    plan = "\n".join(row[0] for row in cur.fetchall())
                plans.append(f"-- {kind}:{role} q={items[0]!r}\n{q['sql']}\n\n{plan}\n")
        args.explain.write_text("\n".join(plans))
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

"""Installed-base benchmarks (issue 3): the sales-order import beside a raw COPY of the
same file, its memory as the file grows, and the entitlement query on a large table.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/caredesk_bench
    .venv/bin/python benchmarks/installbase.py seed --assets 1000000     # units and contracts
    .venv/bin/python benchmarks/installbase.py import --rows 100000 1000000
    .venv/bin/python benchmarks/installbase.py query --samples 20000
    .venv/bin/python benchmarks/load.py --label ib-1M --only entitlement:customer entitlement:staff

``seed`` adds units (serials ``BU…``) owned by the benchmark's customers (benchmarks/seed.py
makes those), with contracts over most of them, by ``INSERT … SELECT`` inside PostgreSQL;
a later run with a larger number adds the difference. ``import`` writes order files of
each size (new serials ``BO…``, 1 % of rows refused for a reason each), times a raw
``COPY`` of the file into a plain table and then ``caredesk import-orders`` of it in a
separate process, whose peak memory is read from the kernel; the imported units are
deleted afterwards. ``query`` times ``entitlements.queries.entitlement`` in-process for
random serials. Results go to benchmarks/out/installbase-*.json and are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

PRODUCTS = [
    ("BR-100", "BR Series", "BR100"), ("BR-200", "BR Series", "BR200"), ("BS-48", "BS Series", "BS48"),
    ("BS-24", "BS Series", "BS24"), ("BF-10", "BF Series", "BF10"), ("BW-1", "BW Series", "BW1"),
]  # fmt: skip


def setup() -> None:
    from seed import setup_django  # benchmarks/seed.py

    setup_django()


def ensure_catalogue() -> dict[str, Any]:
    """Products, account numbers for the benchmark's customers, and their ids."""
    from django.db import transaction
    from seed import people

    from caredesk.accounts.models import Organisation
    from caredesk.entitlements.models import ServiceLevel
    from caredesk.installbase.models import Product

    info = people(300, 40)
    with transaction.atomic():
        for sku, series, platform in PRODUCTS:
            Product.objects.get_or_create(
                sku=sku, defaults={"name": platform, "series": series, "platform": platform, "list_price": 1000}
            )
        for pk in info["customer_ids"]:
            Organisation.objects.filter(pk=pk, account_number__isnull=True).update(account_number=f"B{pk:06d}")
    info["product_ids"] = list(Product.objects.filter(sku__in=[p[0] for p in PRODUCTS]).values_list("id", flat=True))
    info["levels"] = list(ServiceLevel.objects.order_by("id").values_list("id", flat=True))
    return info


def seed(total: int) -> None:
    """Add units up to ``total`` ``BU…`` serials, and contracts over four in five of them."""
    from django.db import connection, transaction

    info = ensure_catalogue()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM installbase_asset WHERE serial LIKE 'BU%%'")
        have = int(cur.fetchone()[0])
    want = total - have
    print(f"units: {have} present, adding {max(want, 0)}", flush=True)
    chunk = 1_000_000
    started = time.monotonic()
    while want > 0:
        n = min(chunk, want)
        with transaction.atomic(), connection.cursor() as cur:
            orgs = info["customer_ids"]
            products = info["product_ids"]
            cur.execute(
                """
                INSERT INTO installbase_asset (serial, product_id, owner_id, site_id, ship_date, sales_order,
                    order_line, channel, partner_id, standing, best_effort, created_at, updated_at)
                SELECT 'BU' || lpad(g::text, 9, '0'),
                       (%(products)s::bigint[])[1 + g %% %(np)s],
                       (%(orgs)s::bigint[])[1 + (g * 7919) %% %(no)s],
                       NULL,
                       current_date - (g %% 2000)::int,
                       'SO-B' || (g / 4), 1 + g %% 4,
                       -- Hashes, not g itself: the owner is a function of g too, and one
                       -- customer must not get only grey-market or only uncovered units.
                       CASE WHEN hashtext('g' || g) %% 50 = 0 THEN 'unauthorised' ELSE 'direct' END, NULL,
                       CASE WHEN hashtext('g' || g) %% 50 = 0 THEN 'needs_reinstatement' ELSE 'good' END,
                       false, now(), now()
                FROM generate_series(%(start)s::bigint, %(end)s::bigint) AS g
                """,
                {"products": products, "np": len(products), "orgs": orgs, "no": len(orgs),
                 "start": have + 1, "end": have + n},
            )  # fmt: skip
            # One contract per 50 units of an owner, four in five units covered.
            cur.execute(
                """
                INSERT INTO entitlements_contract (contract_id, service_level_id, organisation_id, starts_on,
                    ends_on, ssrn, sold_by_id, created_at)
                SELECT 'BC-' || lpad(b::text, 8, '0'), (%(levels)s::bigint[])[1 + b %% %(nl)s],
                       (%(orgs)s::bigint[])[1 + (b * 50 * 7919) %% %(no)s],
                       current_date - (200 - (b %% 3) * 100)::int,
                       current_date + (165 + (b %% 3) * 100 - 300 * (b %% 5 / 4))::int,
                       NULL, NULL, now()
                FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS b
                """,
                {"levels": info["levels"][:4], "nl": 4, "orgs": orgs, "no": len(orgs),
                 "first": have // 50 + 1, "last": (have + n) // 50},
            )  # fmt: skip
            cur.execute(
                """
                INSERT INTO entitlements_coveredasset (contract_id, asset_id)
                SELECT c.id, a.id FROM installbase_asset a
                JOIN entitlements_contract c
                  ON c.contract_id = 'BC-' || lpad((substr(a.serial, 3)::bigint / 50)::text, 8, '0')
                WHERE a.serial LIKE 'BU%%' AND substr(a.serial, 3)::bigint BETWEEN %(start)s AND %(end)s
                  AND hashtext(a.serial) %% 5 <> 0
                """,
                {"start": have + 1, "end": have + n},
            )
        have += n
        want -= n
        print(f"  {have} units ({time.monotonic() - started:.0f} s)", flush=True)
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) installbase_asset")
        cur.execute("VACUUM (ANALYZE) entitlements_coveredasset")
        cur.execute("VACUUM (ANALYZE) entitlements_contract")
        cur.execute(
            "SELECT count(*), pg_size_pretty(pg_total_relation_size('installbase_asset')) FROM installbase_asset"
        )
        count, size = cur.fetchone()
    print(f"done: {count} units, installbase_asset with indexes {size}")


def write_orders(path: Path, rows: int, info: dict[str, Any], rng: random.Random) -> None:
    skus = [p[0] for p in PRODUCTS]
    accounts = [f"B{pk:06d}" for pk in info["customer_ids"]]
    with path.open("w", encoding="utf-8") as out:
        out.write("sales_order,line,serial,sku,customer_account,ship_date,site_id,channel,partner_account\n")
        for n in range(rows):
            sku = skus[n % len(skus)]
            account = accounts[(n * 31) % len(accounts)]
            ship = f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}"
            if n % 100 == 99:  # one row in a hundred is refused, for a reason of its own
                sku = "NO-SUCH-SKU" if n % 300 == 99 else sku
                account = "NO-SUCH" if n % 300 == 199 else account
                ship = "2026-02-30" if n % 300 == 299 else ship
            out.write(f"SO-BO{n // 5},{n % 5 + 1},BO{n:09d},{sku},{account},{ship},,direct,\n")


def raw_copy(path: Path) -> float:
    """Seconds for COPY of the file into a plain table with its columns: the ceiling."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_raw_orders")
        cur.execute(
            "CREATE TABLE bench_raw_orders (sales_order text, line text, serial text, sku text, "
            "customer_account text, ship_date text, site_id text, channel text, partner_account text)"
        )
        started = time.perf_counter()
        with (
            path.open("rb") as stream,
            cur.cursor.copy("COPY bench_raw_orders FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while block := stream.read(1 << 20):
                copy.write(block)
        seconds = time.perf_counter() - started
        cur.execute("DROP TABLE bench_raw_orders")
    return seconds


def asset_copy_floor(rows: int, info: dict[str, Any]) -> float:
    """Seconds to COPY the units such a file registers straight into installbase_asset,
    with its indexes and foreign keys, committed: what any import that ends in that table
    costs at least, before reading or checking a single row."""
    import io

    import psycopg
    from django.conf import settings

    from caredesk.accounts.models import Organisation
    from caredesk.installbase.models import Product

    product_ids = dict(Product.objects.values_list("sku", "id"))
    org_ids = dict(Organisation.objects.filter(account_number__startswith="B").values_list("account_number", "id"))
    skus = [p[0] for p in PRODUCTS]
    accounts = [f"B{pk:06d}" for pk in info["customer_ids"]]
    buffer = io.StringIO()
    for n in range(rows):
        if n % 100 == 99:
            continue
        buffer.write(
            f"BO{n:09d},{product_ids[skus[n % len(skus)]]},{org_ids[accounts[(n * 31) % len(accounts)]]},"
            f"2026-{1 + n % 12:02d}-{1 + n % 28:02d},SO-BO{n // 5},{n % 5 + 1},direct,good,f,now,now\n"
        )
    data = buffer.getvalue().encode()
    db = settings.DATABASES["default"]
    with psycopg.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"] or None, port=db["PORT"] or None) as conn:
        started = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY installbase_asset (serial, product_id, owner_id, ship_date, sales_order, order_line, channel, "
                "standing, best_effort, created_at, updated_at) FROM STDIN WITH (FORMAT csv)"
            ) as copy,
        ):
            for start in range(0, len(data), 1 << 20):
                copy.write(data[start : start + (1 << 20)])
        conn.commit()
        seconds = time.perf_counter() - started
    remove_imported()
    return seconds


def run_import(path: Path) -> dict[str, Any]:
    """``caredesk import-orders`` in its own process: seconds and that process's peak memory,
    read from /proc as the high-water mark of its own address space (VmHWM). The kernel's
    ru_maxrss would count this parent's pages, which the child holds until its exec."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="caredesk.settings")
    command = [sys.executable, "-m", "caredesk.cli", "import-orders", str(path), "--quiet",
               "--report", str(path.with_suffix(".rejected.csv"))]  # fmt: skip
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=HERE.parent)
    peak_kib = 0
    status = Path(f"/proc/{child.pid}/status")
    while child.poll() is None:
        try:
            line = next(ln for ln in status.read_text().splitlines() if ln.startswith("VmHWM:"))
            peak_kib = max(peak_kib, int(line.split()[1]))
        except (OSError, StopIteration, ValueError):
            pass
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    output = child.stdout.read().decode() if child.stdout else ""
    if child.returncode != 0:
        sys.exit(f"import failed: {output}")
    return {"seconds": seconds, "peak_rss_mib": round(peak_kib / 1024, 1), "output": output.strip()}


def remove_imported() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DELETE FROM installbase_asset WHERE serial LIKE 'BO%%'")
        cur.execute("VACUUM (ANALYZE) installbase_asset")


def imports(sizes: list[int]) -> None:
    info = ensure_catalogue()
    rng = random.Random(3)  # noqa: S311 - benchmark data
    results = []
    for rows in sorted(sizes):
        path = OUT / f"orders-{rows}.csv"
        write_orders(path, rows, info, rng)
        remove_imported()
        measured = run_import(path)
        remove_imported()
        copy_seconds = raw_copy(path)
        floor_seconds = asset_copy_floor(rows, info)
        result = {
            "rows": rows,
            "file_mib": round(path.stat().st_size / 2**20, 1),
            "copy_seconds": round(copy_seconds, 2),
            "copy_rows_per_s": round(rows / copy_seconds),
            "import_seconds": round(measured["seconds"], 2),
            "import_rows_per_s": round(rows / measured["seconds"]),
            "share_of_copy": round(copy_seconds / measured["seconds"], 3),
            "asset_copy_floor_seconds": round(floor_seconds, 2),
            "share_of_asset_copy_floor": round(floor_seconds / measured["seconds"], 3),
            "import_peak_rss_mib": measured["peak_rss_mib"],
            "summary": measured["output"].splitlines()[0],
        }
        results.append(result)
        print(json.dumps(result), flush=True)
        path.unlink()
    (OUT / "installbase-import.json").write_text(json.dumps(results, indent=2) + "\n")


def query(samples: int) -> None:
    """The entitlement query alone, for random serials, as a customer and as staff."""
    from django.db import connection

    from caredesk.accounts.models import User
    from caredesk.core.errors import NotFound
    from caredesk.entitlements.queries import entitlement

    with connection.cursor() as cur:
        cur.execute("SELECT max(substr(serial, 3)::bigint) FROM installbase_asset WHERE serial LIKE 'BU%%'")
        top = int(cur.fetchone()[0] or 0)
        cur.execute("SELECT count(*) FROM installbase_asset")
        assets = int(cur.fetchone()[0])
    if not top:
        sys.exit("no BU… units: run `installbase.py seed` first")
    rng = random.Random(5)  # noqa: S311 - benchmark data
    staff = User.objects.select_related("organisation").filter(email="staff001@vendor.bench.invalid").get()
    report: dict[str, Any] = {"assets": assets, "samples": samples}
    for label, user in (("staff", staff),):
        serials = [f"BU{rng.randint(1, top):09d}" for _ in range(samples)]

        def ask(serial: str, user: Any = user) -> None:
            # A government customer's unit is hidden from staff who are not cleared (D-1.3).
            with contextlib.suppress(NotFound):
                entitlement(user, serial)

        for serial in serials[:200]:
            ask(serial)  # warm the connection and the plan cache
        times = []
        for serial in serials:
            started = time.perf_counter()
            ask(serial)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        report[label] = {
            "p50_ms": round(statistics.median(times), 3),
            "p99_ms": round(times[int(len(times) * 0.99) - 1], 3),
            "max_ms": round(times[-1], 3),
            "per_second": round(len(times) / (sum(times) / 1000)),
        }
    print(json.dumps(report, indent=2))
    (OUT / f"installbase-query-{assets}.json").write_text(json.dumps(report, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("seed")
    s.add_argument("--assets", type=int, required=True, help="total BU… units wanted")
    i = sub.add_parser("import")
    i.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    q = sub.add_parser("query")
    q.add_argument("--samples", type=int, default=20_000)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    setup()
    if args.command == "seed":
        seed(args.assets)
    elif args.command == "import":
        imports(args.rows)
    else:
        query(args.samples)


if __name__ == "__main__":
    main()

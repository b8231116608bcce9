"""Fill a PostgreSQL database with a realistic caredesk installation of N cases, fast.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/caredesk_bench \\
        .venv/bin/python benchmarks/seed.py --cases 100000

``--cases`` is the total wanted: a second run with a larger number adds the difference
(100k -> 1M), a run with the same number only refreshes the tokens. The people (vendor
staff, customer organisations with sites and one user each) are made once, through the
ORM; the cases are made by one ``INSERT … SELECT`` over ``generate_series`` inside
PostgreSQL, in one transaction together with the case-id sequences, so an interrupted
run leaves the database as it was. Large additions drop the secondary indexes of
``cases_case`` first and build them again afterwards (in the same transaction), which
is several times faster than maintaining twenty indexes row by row.

Writes ``benchmarks/out/tokens.json``: API tokens of one customer user and one staff user.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
BENCH_VENDOR = "Bench Vendor Inc."
TOKEN_NAME = "benchmark"  # noqa: S105 - the tokens' label, not a secret

# Words the generated text is made of. Index order matters: text picks low indexes more
# often (a skewed, Zipf-like distribution), so early words are common and late ones rare.
PRODUCTS = [
    "router", "switch", "firewall", "gateway", "controller", "access point", "appliance", "chassis",
    "line card", "power supply", "fan tray", "transceiver", "management module", "storage array",
]  # fmt: skip
SYMPTOMS = [
    "reboots", "does not boot", "drops packets", "overheats", "shows alarms", "loses its configuration",
    "is unreachable", "reports CRC errors", "fails the upgrade", "runs out of memory", "flaps its links",
    "refuses logins", "hangs at the console", "shows high latency", "cannot renew its licence",
]  # fmt: skip
SUMMARY_STARTS = [
    "Need help:", "Urgent:", "Question:", "Issue with", "Problem after upgrade:", "Request:",
    "Follow-up:", "Please check", "Recurring issue:", "After maintenance:",
]  # fmt: skip
SENTENCES = [
    "The unit was installed last quarter and worked fine until this week.",
    "We already tried a cold restart and reseated the modules.",
    "Logs are attached; the error appears every few hours.",
    "The problem started right after the firmware upgrade.",
    "Our network team needs an answer before the maintenance window.",
    "Please advise whether a replacement is needed.",
    "The customer reports intermittent outages at the branch office.",
    "Support contract details are in the portal.",
    "We opened a similar case last year and the fix was a configuration change.",
    "The issue affects the whole datacenter rack.",
    "Nothing changed in the configuration before the incident.",
    "Monitoring shows the temperature rising above the threshold.",
    "The licence portal returns an error when we activate the key.",
    "We would like to move the equipment to a new site next month.",
    "The shipment arrived with a missing power cord.",
    "Can you confirm the warranty status of these serial numbers?",
    "Syslog shows repeated authentication failures from the management network.",
    "Throughput dropped by half during business hours.",
    "Please call back on the number given; e-mail is fine too.",
    "A spare unit is available on site if needed.",
]
RARE_WORDS = [
    "bgp", "ospf", "vlan", "ipsec", "radius", "snmp", "netflow", "lacp", "poe", "ntp", "dhcp", "vrrp",
    "multicast", "qos", "mpls", "tacacs", "ssh", "syslog", "sflow", "stp",
]  # fmt: skip
COMPANY_WORDS = [
    "Acme", "Northwind", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent",
    "Hooli", "Vandelay", "Wonka", "Gringotts", "Oceanic", "Massive", "Dunder", "Aperture", "Black Mesa", "Monarch",
]  # fmt: skip
COMPANY_KINDS = ["GmbH", "Ltd", "Inc.", "S.A.", "AG", "LLC", "B.V.", "Oy", "AB", "SAS"]
COUNTRIES = ["US", "DE", "GB", "FR", "NL", "SE", "FI", "CH", "JP", "BR", "IN", "AU", "CA", "ES", "IT"]
CITIES = ["Springfield", "Riverside", "Franklin", "Greenville", "Bristol", "Clinton", "Salem", "Madison"]
FIRST = ["Anna", "Ben", "Chen", "Dana", "Emil", "Fatima", "Georg", "Hana", "Ivan", "Julia", "Kofi", "Lena"]
LAST = ["Meyer", "Okafor", "Tanaka", "Schmidt", "Rossi", "Novak", "Silva", "Berg", "Kowalski", "Dubois"]
PLATFORMS = ["SRX", "EX", "MX", "QFX", "ACX", "PTX", "NFX", "WLC"]


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/caredesk_bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caredesk.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789abcdef")
    if "CAREDESK_DATA_DIR" not in os.environ:
        os.environ["CAREDESK_DATA_DIR"] = str(OUT / "data")
    import django

    django.setup()


def sql_array(values: list[str]) -> str:
    """A PostgreSQL text-array literal of our own constant words (no user input)."""
    quoted = ",".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"ARRAY[{quoted}]::text[]"


def people(n_orgs: int, n_staff: int) -> dict[str, Any]:
    """Vendor org and staff, customer organisations (2 % government) with two sites and one
    user each. Made once; later runs find them by the vendor's name."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from caredesk.accounts.models import Organisation, OrganisationKind, Role, Site, User

    vendor = Organisation.objects.filter(name=BENCH_VENDOR, kind=OrganisationKind.VENDOR).first()
    if vendor is None:
        unusable = make_password(None)
        with transaction.atomic():
            vendor = Organisation.objects.create(name=BENCH_VENDOR, kind=OrganisationKind.VENDOR, country="US")
            roles = [Role.CARE_AGENT, Role.TSE, Role.ESCALATION, Role.CARE_MANAGER]
            User.objects.bulk_create(
                User(
                    email=f"staff{i:03d}@vendor.bench.invalid",
                    full_name=f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]} (staff {i})",
                    organisation=vendor,
                    roles=[roles[i % len(roles)].value],
                    gov_cleared=i % 5 == 0,
                    password=unusable,
                )
                for i in range(n_staff)
            )
            orgs = Organisation.objects.bulk_create(
                Organisation(
                    name=f"{COMPANY_WORDS[i % len(COMPANY_WORDS)]} {COMPANY_KINDS[(i // 20) % len(COMPANY_KINDS)]} "
                    f"#{i:03d}",
                    kind=OrganisationKind.CUSTOMER,
                    government=i % 50 == 49,
                    country=COUNTRIES[i % len(COUNTRIES)],
                )
                for i in range(n_orgs)
            )
            Site.objects.bulk_create(
                Site(
                    organisation=org,
                    code=f"S{i:04d}{k}",
                    name=f"{CITIES[(i + k) % len(CITIES)]} {('HQ', 'Datacenter', 'Branch')[k]}",
                    address=f"{10 + i} Main Street",
                    city=CITIES[(i + k) % len(CITIES)],
                    country=org.country,
                )
                for i, org in enumerate(orgs)
                for k in range(2)
            )
            User.objects.bulk_create(
                User(
                    email=f"user{i:03d}@customer{i:03d}.bench.invalid",
                    full_name=f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]}",
                    organisation=org,
                    password=unusable,
                )
                for i, org in enumerate(orgs)
            )
    customers = list(
        Organisation.objects.filter(kind=OrganisationKind.CUSTOMER, name__contains=" #").order_by("id").values("id")
    )
    return {"vendor_id": vendor.pk, "customer_ids": [c["id"] for c in customers]}


def add_cases(total: int, years: float, zone: str) -> int:
    """Insert cases until there are ``total``; return how many were added."""
    from django.db import connection, transaction

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_case")
        existing = int(cur.fetchone()[0])
    missing = total - existing
    if missing <= 0:
        print(f"cases: {existing} present, nothing to add")
        return 0
    rebuild = missing >= 50_000 and missing >= existing // 2
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute("SET LOCAL synchronous_commit = off")
        dropped: list[str] = []
        if rebuild:
            # Secondary indexes only; the primary key and the unique case id stay and guard the insert.
            cur.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'cases_case' "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
            )
            for name, definition in cur.fetchall():
                dropped.append(definition)
                cur.execute(f'DROP INDEX "{name}"')
        # Lookup tables: customers with their user, sites, staff, catalogue.
        cur.execute(
            """
            CREATE TEMP TABLE seed_org ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY o.id) - 1 AS idx, o.id AS org_id, u.id AS user_id,
                   u.full_name AS user_name
            FROM accounts_organisation o
            JOIN LATERAL (SELECT id, full_name FROM accounts_user WHERE organisation_id = o.id ORDER BY id LIMIT 1) u
              ON true
            WHERE o.kind = 'customer' AND o.name LIKE %s
            """,
            ["% #%"],
        )
        cur.execute("SELECT count(*) FROM seed_org")
        n_orgs = int(cur.fetchone()[0])
        cur.execute(
            """
            CREATE TEMP TABLE seed_site ON COMMIT DROP AS
            SELECT so.idx AS org_idx, row_number() OVER (PARTITION BY s.organisation_id ORDER BY s.id) - 1 AS k,
                   s.id AS site_id, s.code, s.name
            FROM accounts_site s JOIN seed_org so ON so.org_id = s.organisation_id
            """
        )
        cur.execute(
            """
            CREATE TEMP TABLE seed_staff ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY u.id) - 1 AS idx, u.id AS user_id
            FROM accounts_user u JOIN accounts_organisation o ON o.id = u.organisation_id
            WHERE o.kind = 'vendor' AND o.name = %s
            """,
            [BENCH_VENDOR],
        )
        cur.execute("SELECT count(*) FROM seed_staff")
        n_staff = int(cur.fetchone()[0])
        cur.execute(
            """
            CREATE TEMP TABLE seed_type ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY st.id) - 1 AS idx, t.id AS type_id, st.id AS subtype_id
            FROM cases_requesttype t JOIN cases_requestsubtype st ON st.request_type_id = t.id
            WHERE t.template = '[]'::jsonb
            """
        )
        cur.execute("SELECT count(*) FROM seed_type")
        n_types = int(cur.fetchone()[0])

        # One row of random draws per new case, with its local opening day.
        cur.execute(
            """
            CREATE TEMP TABLE seed_draw ON COMMIT DROP AS
            SELECT g, t.created_at, (t.created_at AT TIME ZONE %(zone)s)::date AS day,
                   floor(%(n_orgs)s * power(random(), 1.5))::int AS org_idx,
                   random() AS r_status, random() AS r_prio, random() AS r_site, random() AS r_age,
                   random() AS r_kind
            FROM generate_series(1, %(n)s) g
            CROSS JOIN LATERAL (
                SELECT now() - (power(random(), 1.3) * %(days)s) * interval '1 day' - (g %% 7) * interval '1 ms'
                    AS created_at
            ) t
            """,
            {"zone": zone, "n_orgs": n_orgs, "n": missing, "days": years * 365.25},
        )
        # Case numbers continue each day's sequence (D-3.1), so later API creations never collide.
        cur.execute(
            """
            CREATE TEMP TABLE seed_numbered ON COMMIT DROP AS
            SELECT d.*, coalesce(sq.value, 0)
                        + row_number() OVER (PARTITION BY d.day ORDER BY d.created_at, d.g) AS number
            FROM seed_draw d LEFT JOIN core_sequence sq ON sq.name = 'case:' || to_char(d.day, 'YYYY-MM-DD')
            """
        )
        products, symptoms, starts = sql_array(PRODUCTS), sql_array(SYMPTOMS), sql_array(SUMMARY_STARTS)
        sentences, rare, platforms = sql_array(SENTENCES), sql_array(RARE_WORDS), sql_array(PLATFORMS)

        def pick(array: str, size: int, skew: float = 1.0) -> str:
            # Volatile random() per row; skew > 1 favours the first entries.
            return f"({array})[1 + floor({size} * power(random(), {skew}))::int]"

        summary = (
            f"{pick(starts, len(SUMMARY_STARTS))} || ' ' || {pick(products, len(PRODUCTS), 1.6)} || ' ' || "
            f"{pick(symptoms, len(SYMPTOMS), 1.4)}"
        )
        description = (
            f"'Our ' || {pick(products, len(PRODUCTS), 1.6)} || ' ' || {pick(symptoms, len(SYMPTOMS), 1.4)} || '. ' || "
            f"{pick(sentences, len(SENTENCES))} || ' ' || {pick(sentences, len(SENTENCES))} || ' ' || "
            f"CASE WHEN random() < 0.5 THEN {pick(sentences, len(SENTENCES))} || ' ' ELSE '' END || "
            f"CASE WHEN random() < 0.3 THEN 'Related to ' || {pick(rare, len(RARE_WORDS), 2.0)} || '. ' ELSE '' END || "
            "CASE WHEN random() < 0.2 THEN 'Error code E' || (1000 + floor(random() * 9000))::int || '.' ELSE '' END"
        )
        status = """
            CASE
              WHEN s.r_age > 0.95 THEN (ARRAY['new','open','awaiting_customer','resolution_proposed'])
                                       [1 + floor(s.r_status * 4)::int]
              WHEN s.created_at > now() - interval '30 days' THEN
                   CASE WHEN s.r_status < 0.15 THEN 'new' WHEN s.r_status < 0.45 THEN 'open'
                        WHEN s.r_status < 0.6 THEN 'awaiting_customer'
                        WHEN s.r_status < 0.7 THEN 'resolution_proposed' ELSE 'closed' END
              ELSE 'closed' END"""
        cur.execute(
            f"""
            INSERT INTO cases_case (
                case_id, kind, priority, follow_up_method, callback_phone, summary, description, serial_number,
                ssrn, product_series, platform, customer_tracking_number, template_data, status, site_name,
                site_code, contact_name, created_at, updated_at, resolution_proposed_at, closed_at, closed_reason,
                contact_id, opened_by_id, organisation_id, owner_id, site_id, request_subtype_id, request_type_id,
                escalation_level, opened_off_hours)
            SELECT
                to_char(s.day, 'YYYY-MMDD-') || CASE WHEN s.number < 100000 THEN lpad(s.number::text, 5, '0')
                                                     ELSE s.number::text END,
                CASE WHEN s.r_kind < 0.35 THEN 'technical' ELSE 'admin' END,
                CASE WHEN s.r_prio < 0.05 THEN 'P1' WHEN s.r_prio < 0.25 THEN 'P2'
                     WHEN s.r_prio < 0.75 THEN 'P3' ELSE 'P4' END,
                (ARRAY['phone','email','email','email','chat','text'])[1 + floor(random() * 6)::int],
                '+1408555' || lpad((floor(random() * 10000))::int::text, 4, '0'),
                left({summary}, 200),
                {description},
                CASE WHEN s.r_kind < 0.35 THEN 'SN' || lpad((floor(random() * 1e8))::bigint::text, 10, '0')
                     ELSE '' END,
                '',
                CASE WHEN s.r_kind < 0.35 THEN {pick(platforms, len(PLATFORMS))} || ' Series' ELSE '' END,
                CASE WHEN s.r_kind < 0.35 THEN {pick(platforms, len(PLATFORMS))} || (100 + floor(random() * 9) * 100)
                     ELSE '' END,
                CASE WHEN random() < 0.25 THEN 'PO-' || (100000 + floor(random() * 900000))::int ELSE '' END,
                '{{}}'::jsonb,
                st.status,
                coalesce(site.name, ''),
                coalesce(site.code, ''),
                o.user_name,
                s.created_at,
                u.updated_at,
                CASE WHEN st.status = 'resolution_proposed' THEN u.updated_at END,
                CASE WHEN st.status = 'closed' THEN u.updated_at END,
                CASE WHEN st.status = 'closed' THEN (CASE WHEN random() < 0.8 THEN 'accepted' ELSE 'no_answer' END)
                     ELSE '' END,
                o.user_id,
                CASE WHEN random() < 0.85 THEN o.user_id ELSE staff_open.user_id END,
                o.org_id,
                CASE WHEN st.status = 'new' THEN NULL ELSE staff_own.user_id END,
                site.site_id,
                CASE WHEN s.r_kind < 0.35 THEN NULL ELSE rt.subtype_id END,
                CASE WHEN s.r_kind < 0.35 THEN NULL ELSE rt.type_id END,
                0, false
            FROM seed_numbered s
            JOIN seed_org o ON o.idx = s.org_idx
            CROSS JOIN LATERAL (SELECT {status} AS status) st
            CROSS JOIN LATERAL (
                SELECT least(now(), s.created_at + power(random(), 2) * interval '21 days') AS updated_at
            ) u
            LEFT JOIN seed_site site ON site.org_idx = s.org_idx AND site.k = floor(s.r_site * 2.5)::int
            LEFT JOIN seed_staff staff_open ON staff_open.idx = (s.g * 7) %% %(n_staff)s
            LEFT JOIN seed_staff staff_own ON staff_own.idx = (s.g * 13) %% %(n_staff)s
            LEFT JOIN seed_type rt ON rt.idx = (s.g * 3) %% %(n_types)s
            """,  # noqa: S608 - every interpolated piece is a constant of this module
            {"n_staff": n_staff, "n_types": n_types},
        )
        added = cur.rowcount
        # The units the new cases name (D-3.6, search by serial): their own serial numbers.
        cur.execute(
            "INSERT INTO cases_caseunit (case_id, serial) SELECT c.id, c.serial_number FROM cases_case c "
            "WHERE c.serial_number <> '' AND NOT EXISTS (SELECT 1 FROM cases_caseunit u WHERE u.case_id = c.id)"
        )
        cur.execute(
            """
            INSERT INTO core_sequence (name, value)
            SELECT 'case:' || to_char(day, 'YYYY-MM-DD'), max(number) FROM seed_numbered GROUP BY day
            ON CONFLICT (name) DO UPDATE SET value = greatest(core_sequence.value, excluded.value)
            """
        )
        inserted_at = time.monotonic()
        print(f"cases: inserted {added} in {inserted_at - started:.0f} s", flush=True)
        # Run the deferred foreign-key checks now: an index cannot be built with them pending.
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for definition in dropped:
            cur.execute(definition)
        if dropped:
            print(f"cases: rebuilt {len(dropped)} indexes in {time.monotonic() - inserted_at:.0f} s", flush=True)
    return int(added)


def check_sequences() -> None:
    """Every seeded day's counter is at least the highest number used that day."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT count(*) FROM (
                SELECT substr(case_id, 1, 9) AS prefix, max(split_part(case_id, '-', 3)::bigint) AS top
                FROM cases_case GROUP BY 1
            ) c
            LEFT JOIN core_sequence sq
              ON sq.name = 'case:' || substr(c.prefix, 1, 4) || '-' || substr(c.prefix, 6, 2) || '-'
                 || substr(c.prefix, 8, 2)
            WHERE sq.value IS NULL OR sq.value < c.top
            """
        )
        behind = int(cur.fetchone()[0])
    if behind:
        sys.exit(f"{behind} days have a case number above their sequence: the seed is inconsistent")


def tokens(info: dict[str, Any]) -> dict[str, Any]:
    """Fresh API tokens for the benchmark's customer users and staff user (older ones revoked)."""
    from django.db import connection

    from caredesk.accounts.models import ApiToken, User
    from caredesk.accounts.services import issue_api_token
    from caredesk.core.clock import now

    # The customer with the most cases (the largest organisation), and a staff member
    # who is not cleared for government cases, so both access rules are exercised.
    with connection.cursor() as cur:
        cur.execute(
            "SELECT organisation_id FROM cases_case WHERE organisation_id = ANY(%s) "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
            [info["customer_ids"]],
        )
        row = cur.fetchone()
    org_id = row[0] if row else info["customer_ids"][0]
    customer = User.objects.select_related("organisation").filter(organisation_id=org_id).order_by("id").first()
    # And the customer with the fewest cases: its list must not cost more on a larger table.
    with connection.cursor() as cur:
        cur.execute(
            "SELECT organisation_id FROM cases_case WHERE organisation_id = ANY(%s) "
            "GROUP BY 1 ORDER BY count(*), organisation_id LIMIT 1",
            [info["customer_ids"]],
        )
        row = cur.fetchone()
    small = User.objects.select_related("organisation").filter(organisation_id=row[0] if row else org_id).first()
    staff = (
        User.objects.select_related("organisation")
        .filter(organisation_id=info["vendor_id"], gov_cleared=False)
        .order_by("id")
        .first()
    )
    assert customer is not None and staff is not None and small is not None
    result: dict[str, Any] = {}
    for role, user in (("customer", customer), ("small_customer", small), ("staff", staff)):
        ApiToken.objects.filter(user=user, name=TOKEN_NAME, revoked_at__isnull=True).update(revoked_at=now())
        result[role] = {
            "email": user.email,
            "user_id": user.pk,
            "organisation_id": user.organisation_id,
            "token": issue_api_token(user, TOKEN_NAME).secret,
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, required=True, help="total number of cases wanted")
    parser.add_argument("--orgs", type=int, default=300, help="customer organisations (first run only)")
    parser.add_argument("--staff", type=int, default=40, help="vendor staff users (first run only)")
    parser.add_argument("--years", type=float, default=2.0, help="cases are opened over this many past years")
    args = parser.parse_args()

    setup_django()
    from django.conf import settings
    from django.db import connection

    OUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    info = people(args.orgs, args.staff)
    add_cases(args.cases, args.years, settings.SUPPORT_TIME_ZONE)
    check_sequences()
    with connection.cursor() as cur:
        # Vacuum now, so that autovacuum does not run in the middle of a measurement, and the
        # visibility map is set (index-only scans); then fresh statistics for the planner.
        cur.execute("VACUUM (ANALYZE) cases_case")
        cur.execute("VACUUM (ANALYZE) cases_caseunit")
        cur.execute("ANALYZE")
        cur.execute("SELECT count(*), pg_size_pretty(pg_total_relation_size('cases_case')) FROM cases_case")
        count, size = cur.fetchone()
    issued = tokens(info)
    (OUT / "tokens.json").write_text(json.dumps(issued, indent=2) + "\n")
    os.chmod(OUT / "tokens.json", 0o600)
    print(f"done in {time.monotonic() - started:.0f} s: {count} cases, cases_case with indexes {size}")
    print(f"tokens written to {OUT / 'tokens.json'}")


if __name__ == "__main__":
    main()

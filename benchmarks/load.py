"""Load benchmark of the case API: gunicorn (2 workers) on PostgreSQL, driven by wrk.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/caredesk_bench \\
        .venv/bin/python benchmarks/load.py --label 100k

Starts gunicorn on 127.0.0.1 only, then runs each scenario with wrk from a separate
process (warm-up, then a measured run of bounded duration and connections), stops
gunicorn, counts the SQL statements per request in-process (benchmarks/queries.py) and
writes ``benchmarks/out/results-LABEL.json`` and ``.md``. ``--profile`` attaches py-spy to
one gunicorn worker during each measured run instead (slower; the figures of a profiled
run are not the ones to report) and writes the collapsed stacks and a top-functions
summary to ``benchmarks/out/profile-LABEL-SCENARIO.*``.

Needs ``wrk`` (Debian: ``apt-get install wrk``) and the tokens from benchmarks/seed.py.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Scenario:
    name: str
    role: str  # whose token: customer or staff
    mode: str  # scenario.lua mode
    data: str  # data file for the mode, "" for none
    target_rps: float | None
    target_p99_ms: float | None


# Creation runs last and its cases are deleted afterwards (remove_created): they all
# belong to one customer and carry none of the seeded words, so left in place they would
# skew later searches and the planner's statistics.
SCENARIOS = [
    Scenario("detail:customer", "customer", "detail", "ids-customer.txt", 600, 20),
    Scenario("detail:staff", "staff", "detail", "ids-staff.txt", 600, 20),
    Scenario("list:customer", "customer", "list", "", 600, 20),
    Scenario("list:staff", "staff", "list", "", 600, 20),
    Scenario("list:small-customer", "small_customer", "list", "", 600, 20),
    Scenario("search:customer", "customer", "search", "words.txt", None, None),
    Scenario("search:staff", "staff", "search", "words.txt", None, None),
    # Search the way vendors look cases up (issue 9): serial numbers of units the cases name
    # (whole, or their first eight characters), organisation names, site ids.
    Scenario("search-serial:customer", "customer", "search", "lookup-serials-customer.txt", None, None),
    Scenario("search-serial:staff", "staff", "search", "lookup-serials-staff.txt", None, None),
    Scenario("search-name:staff", "staff", "search", "lookup-names.txt", None, None),
    Scenario("search-site:customer", "customer", "search", "lookup-sites-customer.txt", None, None),
    Scenario("search-site:staff", "staff", "search", "lookup-sites-staff.txt", None, None),
    Scenario("create", "customer", "create", "", 425, None),
    # The entitlement lookup (issue 3): runs when benchmarks/installbase.py seeded units.
    Scenario("entitlement:customer", "customer", "entitlement", "serials-customer.txt", 600, 20),
    Scenario("entitlement:staff", "staff", "entitlement", "serials-staff.txt", 600, 20),
]

# Search words of every frequency in the seeded text: common product words, symptoms,
# networking terms in about one case in 70, and error codes in about one in 45,000.
SEARCH_WORDS = ["router", "switch", "firewall", "overheats", "reboots", "licence", "upgrade", "datacenter",
                "bgp", "vlan", "ipsec", "multicast", "tacacs", "E1234", "E4711", "E9001"]  # fmt: skip


def prepare_data(dsn: str, tokens: dict[str, Any]) -> None:
    """Data files for wrk: case ids each user can see, search words; and the customer's site."""
    customer = tokens["customer"]
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT case_id FROM cases_case WHERE organisation_id = %s OR contact_id = %s ORDER BY random() LIMIT 5000",
            [customer["organisation_id"], customer["user_id"]],
        )
        (OUT / "ids-customer.txt").write_text("".join(f"{r[0]}\n" for r in cur.fetchall()))
        cur.execute(
            "SELECT c.case_id FROM cases_case c TABLESAMPLE SYSTEM (5) JOIN accounts_organisation o "
            "ON o.id = c.organisation_id WHERE NOT o.government ORDER BY random() LIMIT 5000"
        )
        (OUT / "ids-staff.txt").write_text("".join(f"{r[0]}\n" for r in cur.fetchall()))
        cur.execute(
            "SELECT code FROM accounts_site WHERE organisation_id = %s ORDER BY id LIMIT 1",
            [customer["organisation_id"]],
        )
        row = cur.fetchone()
        # Serial numbers for the entitlement scenarios: the customer's own, and any for staff.
        cur.execute(
            "SELECT serial FROM installbase_asset WHERE owner_id = %s ORDER BY random() LIMIT 5000",
            [customer["organisation_id"]],
        )
        (OUT / "serials-customer.txt").write_text("".join(f"{r[0]}\n" for r in cur.fetchall()))
        cur.execute(
            "SELECT a.serial FROM installbase_asset a TABLESAMPLE SYSTEM (1) JOIN accounts_organisation o "
            "ON o.id = a.owner_id WHERE NOT o.government LIMIT 5000"
        )
        (OUT / "serials-staff.txt").write_text("".join(f"{r[0]}\n" for r in cur.fetchall()))
        lookups(cur, customer)
    tokens["customer"]["site_code"] = row[0] if row else ""
    (OUT / "tokens.json").write_text(json.dumps(tokens, indent=2) + "\n")
    (OUT / "words.txt").write_text("".join(f"{w}\n" for w in SEARCH_WORDS))


def lookups(cur: psycopg.Cursor[Any], customer: dict[str, Any]) -> None:
    """Search texts of the lookup scenarios, URL-encoded: serials of units that cases the
    caller can see name (half whole, half their first eight characters), organisation
    names (a word, or a word and the kind: "Acme", "Globex GmbH"), site ids."""

    def write(name: str, texts: list[str]) -> None:
        (OUT / name).write_text("".join(f"{quote(t)}\n" for t in texts))

    def serials(rows: list[tuple[Any, ...]]) -> list[str]:
        return [r[0] if n % 2 else r[0][:8] for n, r in enumerate(rows)]

    cur.execute(
        "SELECT u.serial FROM cases_caseunit u JOIN cases_case c ON c.id = u.case_id "
        "WHERE c.organisation_id = %s OR c.contact_id = %s ORDER BY random() LIMIT 2000",
        [customer["organisation_id"], customer["user_id"]],
    )
    write("lookup-serials-customer.txt", serials(cur.fetchall()))
    cur.execute(
        "SELECT u.serial FROM cases_caseunit u TABLESAMPLE SYSTEM (2) JOIN cases_case c ON c.id = u.case_id "
        "JOIN accounts_organisation o ON o.id = c.organisation_id WHERE NOT o.government "
        "ORDER BY random() LIMIT 2000"
    )
    write("lookup-serials-staff.txt", serials(cur.fetchall()))
    cur.execute("SELECT name FROM accounts_organisation WHERE kind = 'customer' AND NOT government ORDER BY id")
    names = [r[0].split(" #")[0] for r in cur.fetchall()]
    write("lookup-names.txt", sorted({n.split()[0] for n in names}) + sorted(set(names))[:40])
    cur.execute("SELECT code FROM accounts_site WHERE organisation_id = %s ORDER BY id", [customer["organisation_id"]])
    write("lookup-sites-customer.txt", [r[0] for r in cur.fetchall()])
    cur.execute(
        "SELECT s.code FROM accounts_site s JOIN accounts_organisation o ON o.id = s.organisation_id "
        "WHERE o.kind = 'customer' AND NOT o.government ORDER BY random() LIMIT 200"
    )
    write("lookup-sites-staff.txt", [r[0] for r in cur.fetchall()])


def remove_created(dsn: str, after_id: int) -> int:
    """Delete the cases (and their history) that the run created, and refresh statistics."""
    with psycopg.connect(dsn) as conn:
        with conn.cursor() as cur:
            cur.execute(
                "DELETE FROM core_auditentry WHERE object_type = 'cases.case' AND object_id IN "
                "(SELECT id::text FROM cases_case WHERE id > %s)",
                [after_id],
            )
            cur.execute("DELETE FROM cases_case WHERE id > %s", [after_id])
            removed = cur.rowcount
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM (ANALYZE) cases_case")
    return removed


def server_env(database_url: str, data_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DATABASE_CONN_MAX_AGE="600",
        DEBUG="false",
        SECRET_KEY="benchmark-only-secret-key-0123456789abcdef",  # noqa: S106 - loopback test server
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CAREDESK_DATA_DIR=data_dir,
        DJANGO_SETTINGS_MODULE="caredesk.settings",
        LOG_LEVEL="WARNING",
    )
    return env


def start_gunicorn(port: int, workers: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [
        str(VENV_BIN / "gunicorn"),
        "caredesk.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"{HOST}:{port}",
        "--log-level",
        "warning",
    ]
    with log.open("ab") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    return process


def wait_ready(port: int, token: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(
        f"http://{HOST}:{port}/api/v1/cases?limit=1", headers={"Authorization": f"Bearer {token}"}
    )
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited with {process.returncode}; see {OUT / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 - our loopback URL
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):  # refused, reset, or slow to answer on a busy machine
            pass
        time.sleep(0.3)
    sys.exit("gunicorn did not answer in time")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker_pids(master: int) -> list[int]:
    path = Path(f"/proc/{master}/task/{master}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def run_wrk(
    port: int, scenario: Scenario, token: str, site: str, *, seconds: int, connections: int, threads: int
) -> dict[str, Any]:
    data = str(OUT / scenario.data) if scenario.data else ""
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(HERE / "scenario.lua"),
        f"http://{HOST}:{port}",
        "--",
        scenario.mode,
        token,
        data,
        site,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    figures: dict[str, Any] = json.loads(line[5:])
    figures["wrk_output"] = done.stdout
    figures["wrk_stderr"] = done.stderr[-2000:]
    return figures


def cpu_snapshot(master: int) -> dict[str, float]:
    """CPU seconds used so far by the gunicorn workers, by PostgreSQL, and by the machine."""
    tick = os.sysconf("SC_CLK_TCK")
    app = db = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        used = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        if int(fields[1]) == master or int(entry.name) == master:
            app += used
        elif comm.startswith("postgres"):
            db += used
    cpu = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = (cpu[3] + cpu[4]) / tick  # idle + iowait
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has been reaped
    return {"app": app, "db": db, "wrk": children.ru_utime + children.ru_stime, "busy": (sum(cpu) / tick) - idle}


def cpu_per_request(before: dict[str, float], after: dict[str, float], requests: int, seconds: float) -> dict[str, Any]:
    per = {k: 1000 * (after[k] - before[k]) / max(requests, 1) for k in ("app", "db", "wrk", "busy")}
    cores = os.cpu_count() or 1
    return {
        "cpu_ms_app": round(per["app"], 2),
        "cpu_ms_db": round(per["db"], 2),
        "cpu_ms_wrk": round(per["wrk"], 2),
        "cpu_ms_machine": round(per["busy"], 2),
        "machine_busy_pct": round(100 * (after["busy"] - before["busy"]) / (seconds * cores), 1),
        # Everything else (other processes, kernel work not charged to a process), in cores.
        "other_cores": round(
            ((after["busy"] - before["busy"]) - sum(after[k] - before[k] for k in ("app", "db", "wrk"))) / seconds, 2
        ),
    }


def machine_busy(seconds: float = 1.0) -> float:
    """Share of all cores busy over ``seconds`` (0..1)."""

    def sample() -> tuple[int, int]:
        cpu = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return sum(cpu), cpu[3] + cpu[4]

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1 - (idle1 - idle0) / max(total1 - total0, 1)


def wait_for_quiet(limit: float, most: float = 0.10) -> float:
    """Wait (up to ``limit`` s) until the machine is idle apart from us: other work on the same
    cores (a test suite, autovacuum) would be measured as our latency."""
    deadline = time.monotonic() + limit
    busy = machine_busy()
    while busy > most and time.monotonic() < deadline:
        print(f"  machine {100 * busy:.0f} % busy before the run; waiting", flush=True)
        time.sleep(5)
        busy = machine_busy()
    return busy


def summarise_profile(raw: Path, top: int = 25) -> str:
    """Top functions by inclusive and by own share of samples, from py-spy's collapsed stacks."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    lines = [f"samples: {total}", "", "inclusive %  function"]
    lines += [f"{100 * n / total:10.1f}  {f}" for f, n in inclusive.most_common(top)]
    lines += ["", "own %        function"]
    lines += [f"{100 * n / total:10.1f}  {f}" for f, n in own.most_common(top)]
    return "\n".join(lines) + "\n"


def machine() -> dict[str, str]:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        "?",
    )
    mem_kb = next(
        int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")
    )
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "caredesk"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    return {
        "nproc": str(os.cpu_count()),
        "memory_gib": f"{mem_kb / 1024 / 1024:.1f}",
        "cpu": cpu,
        "python": sys.version.split()[0],
        "commit": commit.strip() + (" (with uncommitted changes under caredesk/)" if dirty.strip() else ""),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def markdown(label: str, info: dict[str, Any], results: dict[str, dict[str, Any]], settings: dict[str, Any]) -> str:
    lines = [
        f"### {label}: {info['cases']:,} cases",
        "",
        f"wrk -t{settings['threads']} -c{settings['connections']} -d{settings['seconds']}s "
        f"(after {settings['warmup']} s warm-up); gunicorn --workers {settings['workers']}; {info['date']}",
        "",
        "| scenario | req/s | p50 ms | p99 ms | errors | SQL/req | CPU ms app/db/wrk/all | other | target | met |",
        "|---|---:|---:|---:|---:|---:|---|---:|---|---|",
    ]
    for name, r in results.items():
        target = r.get("target") or "—"
        met = {True: "yes", False: "**no**", None: "—"}[r.get("met")]
        lines.append(
            f"| {name} | {r['rps']:.0f} | {r['p50_us'] / 1000:.1f} | {r['p99_us'] / 1000:.1f} | {r['errors']} | "
            f"{r.get('queries', '?')} | {r['cpu_ms_app']} / {r['cpu_ms_db']} / {r['cpu_ms_wrk']} / "
            f"{r['cpu_ms_machine']} | {r['other_cores']} | {target} | {met} |"
        )
    return "\n".join(lines) + "\n"


def measure(
    args: argparse.Namespace,
    server: subprocess.Popen[bytes],
    scenario: Scenario,
    token: str,
    site: str,
    common: dict[str, int],
) -> dict[str, Any]:
    """Warm up, then one measured wrk run (with py-spy on one worker when profiling)."""
    run_wrk(args.port, scenario, token, site, seconds=args.warmup, **common)
    spy = None
    raw = OUT / f"profile-{args.label}-{scenario.name.replace(':', '-')}.txt"
    if args.profile:
        pid = worker_pids(server.pid)[0]
        spy = subprocess.Popen(
            [str(VENV_BIN / "py-spy"), "record", "--pid", str(pid), "--duration", str(args.seconds),
             "--rate", "200", "--format", "raw", "--output", str(raw), "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    before = cpu_snapshot(server.pid)
    figures = run_wrk(args.port, scenario, token, site, seconds=args.seconds, **common)
    figures.update(cpu_per_request(before, cpu_snapshot(server.pid), figures["requests"], figures["duration_us"] / 1e6))
    if spy is not None:
        spy.wait(timeout=60)
        if raw.exists():
            raw.with_suffix(".top").write_text(summarise_profile(raw))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--label", required=True, help="name of this run, e.g. 100k or 1M")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=20, help="measured duration per scenario")
    parser.add_argument("--warmup", type=int, default=5, help="warm-up duration per scenario")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (each is one event loop)")
    parser.add_argument("--only", nargs="*", help="scenario names to run (default: all)")
    parser.add_argument("--profile", action="store_true", help="py-spy one worker during each measured run")
    parser.add_argument("--retries", type=int, default=3, help="measure again when other work used the CPU")
    parser.add_argument("--max-other", type=float, default=0.15, help="cores of other work a run may see")
    parser.add_argument("--quiet-wait", type=float, default=120, help="seconds to wait for an idle machine")
    parser.add_argument("--no-queries", action="store_true", help="skip counting SQL statements")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to the seeded PostgreSQL database (benchmarks/seed.py)")
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    if args.profile and not (VENV_BIN / "py-spy").exists():
        sys.exit("--profile needs py-spy in the venv: .venv/bin/pip install py-spy")
    OUT.mkdir(parents=True, exist_ok=True)
    tokens = json.loads((OUT / "tokens.json").read_text())
    prepare_data(database_url, tokens)
    with psycopg.connect(database_url) as conn:
        cases = int(conn.execute("SELECT count(*) FROM cases_case").fetchone()[0])  # type: ignore[index]
        last_id = int(conn.execute("SELECT coalesce(max(id), 0) FROM cases_case").fetchone()[0])  # type: ignore[index]
        pg_version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
    info = {**machine(), "cases": cases, "postgresql": pg_version}
    chosen = [s for s in SCENARIOS if not args.only or s.name in args.only]
    empty = [s.name for s in chosen if s.data and not (OUT / s.data).read_text().strip()]
    if empty:
        print(f"no data for {', '.join(empty)} (no units seeded?): skipped", flush=True)
        chosen = [s for s in chosen if s.name not in empty]

    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="caredesk-bench-") as data_dir:
        server = start_gunicorn(args.port, args.workers, server_env(database_url, data_dir), OUT / "gunicorn.log")
        try:
            wait_ready(args.port, tokens["customer"]["token"], server)
            for scenario in chosen:
                token = tokens[scenario.role]["token"]
                site = tokens["customer"].get("site_code", "")
                common = {"connections": args.connections, "threads": args.threads}
                best: dict[str, Any] | None = None
                for attempt in range(1 + args.retries):
                    wait_for_quiet(args.quiet_wait)
                    figures = measure(args, server, scenario, token, site, common)
                    if best is None or figures["other_cores"] < best["other_cores"]:
                        best = figures
                    if figures["other_cores"] <= args.max_other:
                        break
                    print(f"  attempt {attempt + 1}: other work used {figures['other_cores']} cores", flush=True)
                assert best is not None
                figures = best
                errors = sum(int(figures[k]) for k in ("err_connect", "err_read", "err_write", "err_timeout"))
                errors += int(figures["non2xx"])
                rps = figures["requests"] / (figures["duration_us"] / 1e6)
                met = None
                target = ""
                if scenario.target_rps is not None:
                    target = f"≥ {scenario.target_rps:.0f}/s"
                    met = rps >= scenario.target_rps and errors == 0
                    if scenario.target_p99_ms is not None:
                        target += f", p99 < {scenario.target_p99_ms:.0f} ms"
                        met = met and figures["p99_us"] / 1000 < scenario.target_p99_ms
                results[scenario.name] = {**figures, "rps": rps, "errors": errors, "target": target, "met": met}
                print(
                    f"{scenario.name:18} {rps:7.0f} req/s  p50 {figures['p50_us'] / 1000:6.1f} ms  "
                    f"p99 {figures['p99_us'] / 1000:6.1f} ms  errors {errors}  CPU ms/request: "
                    f"app {figures['cpu_ms_app']} db {figures['cpu_ms_db']} wrk {figures['cpu_ms_wrk']} "
                    f"machine {figures['cpu_ms_machine']} ({figures['machine_busy_pct']} % busy, "
                    f"other work {figures['other_cores']} cores)",
                    flush=True,
                )
        finally:
            stop(server)

    if not args.no_queries:
        counted = subprocess.run(
            [sys.executable, str(HERE / "queries.py"), "--explain", str(OUT / f"explain-{args.label}.txt")],
            env=server_env(database_url, str(OUT / "data")),
            capture_output=True,
            text=True,
            check=True,
        )
        counts = json.loads(counted.stdout)
        (OUT / f"queries-{args.label}.json").write_text(json.dumps(counts, indent=2) + "\n")
        for name, r in results.items():
            r["queries"] = counts.get(name, {}).get("queries", "?")

    removed = remove_created(database_url, last_id)
    if removed:
        print(f"removed the {removed} cases the run created", flush=True)

    settings = {k: getattr(args, k) for k in ("seconds", "warmup", "connections", "threads", "workers")}
    record = {"label": args.label, "machine": info, "settings": settings, "results": results}
    suffix = "-profiled" if args.profile else ""
    (OUT / f"results-{args.label}{suffix}.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
    table = markdown(args.label, info, results, settings)
    (OUT / f"results-{args.label}{suffix}.md").write_text(table)
    print()
    print(table)


if __name__ == "__main__":
    main()

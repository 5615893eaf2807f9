"""Benchmark the pages people open: /public/, the admin commitment list, the dashboard.

    .venv/bin/python bench/bench_pages.py [--counts 10000,100000] [--rounds 3]

Each ledger size gets a database of its own, BENCH_PAGES_DATABASE_URL with the size appended
(default postgres://postgres@127.0.0.1:5432/ledger_pages_bench → ledger_pages_bench_10k,
ledger_pages_bench_100k; DATABASE_URL is ignored, so `make bench` never touches a working
database). A database is created if missing, migrated, and refilled by the generate_commitments
service unless it already holds exactly that many commitments. Each size runs in a child
process (Django binds one database per process) and reports back as JSON.

Every page goes through the whole Django stack (middleware, URL routing, templates, the test
client's WSGI handler) with DEBUG off, as an office clerk (督办人员, signed in) or anonymously
for /public/ and the public API's search. Cached pages are timed on a cache miss (the cache is
cleared before each request); the dashboard is timed both ways, as its figures live longer in
the cache (its running tally is built, once, by the warm-up request).
Prints per page the median of --rounds requests (after one warm-up) at each size, the ratio
100k/10k (target ≤ 2: nothing grows with the ledger), the ratio to the API list measured in the
same run (the floor: a 100-row keyset page), the median CPU time of this process (Python and
templates, not the database; what a shared machine's load changes least) and the queries per
request at each size (target: the same at every size).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from _common import ensure_database, setup_django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ledger_pages_bench"
ADMIN_LIST = "/admin/commitments/commitment/"
# The admin list's deep page: page 500 of 2,000 at 100,000 commitments, the same depth (25%)
# at other sizes.
DEEP_SHARE = 0.25
API_FLOOR = "API list, 100 rows"
DASHBOARD = "/admin/commitments/rankingsnapshot/dashboard/"


def size_label(count: int) -> str:
    return f"{count // 1000}k" if count % 1000 == 0 else str(count)


def database_url(count: int) -> str:
    base = os.environ.get("BENCH_PAGES_DATABASE_URL") or DEFAULT_URL
    return f"{base}_{size_label(count)}"


def prepare(count: int):
    """Fill the database if needed; return an office clerk (督办人员, staff, in the office)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    from commitments.models import Commitment, Unit
    from commitments.selectors.access import SUPERVISORS
    from commitments.services.demo_data import demo_ledger_generate

    call_command("migrate", verbosity=0)
    if Commitment.objects.count() != count:
        print(f"generating {count:,} commitments ...", file=sys.stderr, flush=True)
        call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        demo_ledger_generate(count=count)
        call_command("migrate", verbosity=0)  # flush emptied the role groups' data migration
        print(f"  generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # As autovacuum leaves a table: statistics, and the visibility map that lets the
            # list's ids be read from an index alone.
            cursor.execute("VACUUM ANALYZE")
    user, _ = get_user_model().objects.get_or_create(
        username="bench_clerk", defaults={"is_staff": True}
    )
    user.groups.add(Group.objects.get(name=SUPERVISORS))
    office, _ = Unit.objects.get_or_create(
        name="压测督办办公室", defaults={"is_supervisor": True, "kind": Unit.Kind.OFFICE}
    )
    office.members.add(user)
    return user


def measure(count: int, rounds: int) -> dict[str, dict[str, float]]:
    """Time every page on the ledger of `count` commitments (this process's database)."""
    url = database_url(count)
    ensure_database(url)
    setup_django(url)

    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from commitments.models import Commitment

    user = prepare(count)
    token, _ = Token.objects.get_or_create(user=user)
    clerk = Client()
    clerk.force_login(user)
    anonymous = Client()
    deep_page = max(1, round(Commitment.objects.count() * DEEP_SHARE / 50))
    cases = {
        "/public/ (anonymous)": (anonymous, "/public/", {}, {}),
        "public API, search ?q=推进 (anonymous)": (
            anonymous,
            "/api/v1/public/commitments/",
            {"q": "推进"},
            {},
        ),
        "admin list, search ?q=推进": (clerk, ADMIN_LIST, {"q": "推进"}, {}),
        "dashboard (业绩看板), figures cached": (clerk, DASHBOARD, {}, {}),
        "dashboard (业绩看板), figures rebuilt": (clerk, DASHBOARD, {}, {}),
        f"admin list, page {deep_page}": (clerk, ADMIN_LIST, {"p": str(deep_page)}, {}),
        "admin list, first page": (clerk, ADMIN_LIST, {}, {}),
        API_FLOOR: (
            anonymous,
            "/api/v1/commitments/",
            {"page_size": "100"},
            {"authorization": f"Token {token.key}"},
        ),
    }

    cpu: list[float] = []

    def get(client, path, params, headers, *, keep_cache=False):
        if not keep_cache:
            cache.clear()  # time the cache miss: the page as it is built
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(path, params, headers=headers)
        elapsed = time.perf_counter() - started
        cpu.append(time.process_time() - cpu_started)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        return elapsed

    results: dict[str, dict[str, float]] = {}
    for name, case in cases.items():
        keep = name.endswith("figures cached")
        get(*case)  # warm up (and, for the cached case, fill the cache)
        with CaptureQueriesContext(connection) as captured:
            get(*case, keep_cache=keep)
        queries = len(captured)  # now: later requests empty the connection's query log
        samples: list[float] = []
        cpu.clear()
        for _ in range(rounds):
            samples.append(get(*case, keep_cache=keep))
        results[name] = {
            "ms": statistics.median(samples) * 1000,
            "best_ms": min(samples) * 1000,
            # This process's own time (Python, templates; not the database's): what a busy
            # machine changes least.
            "cpu_ms": statistics.median(cpu) * 1000,
            "queries": queries,
        }
    results["_meta"] = {"commitments": Commitment.objects.count(), "vendor": connection.vendor}
    return results


def print_table(counts: list[int], runs: dict[int, dict[str, dict]]) -> None:
    small, large = counts[0], counts[-1]
    s, lg = size_label(small), size_label(large)
    floor = runs[large][API_FLOOR]["ms"]
    vendor = runs[large]["_meta"]["vendor"]
    print(f"database: {vendor}; median of the rounds; cache misses unless said")
    header = (
        f"| page | ms at {s} | ms at {lg} | {lg}/{s} | ÷ API list ({lg}) "
        f"| CPU ms {s}/{lg} | queries {s}/{lg} |"
    )
    print(header)
    print("|---|---:|---:|---:|---:|---:|---|")
    small_pages = [p for p in runs[small] if p != "_meta"]
    large_pages = [p for p in runs[large] if p != "_meta"]
    for small_name, large_name in zip(small_pages, large_pages, strict=True):
        a, b = runs[small][small_name], runs[large][large_name]
        name = large_name if small_name == large_name else f"{large_name} ({small_name} at {s})"
        print(
            f"| {name} | {a['ms']:.0f} | {b['ms']:.0f} | {b['ms'] / a['ms']:.2f} "
            f"| {b['ms'] / floor:.1f} | {a['cpu_ms']:.0f}/{b['cpu_ms']:.0f} "
            f"| {a['queries']:.0f}/{b['queries']:.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counts", default="10000,100000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child: one size, JSON out
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(measure(args.one, args.rounds)))
        return
    counts = sorted(int(c) for c in args.counts.split(","))
    runs = {}
    for count in counts:
        child = subprocess.run(
            [sys.executable, __file__, "--one", str(count), "--rounds", str(args.rounds)],
            check=True,
            stdout=subprocess.PIPE,  # progress and library chatter stay on stderr
            text=True,
        )
        runs[count] = json.loads(child.stdout.strip().splitlines()[-1])
    print_table(counts, runs)


if __name__ == "__main__":
    main()

"""Benchmark GET /api/v1/commitments/: a 100-row filtered page against a .values() floor.

    BENCH_API_DATABASE_URL=postgres://postgres@127.0.0.1:5432/ledger_api_bench \
        .venv/bin/python bench/bench_api.py [--count 100000] [--rounds 200]

The database named in BENCH_API_DATABASE_URL (default: the one above; DATABASE_URL is ignored,
so `make bench` never touches a working database) is created if missing and migrated;
unless it already holds exactly --count commitments it is emptied (flush) and filled with the
generate_commitments service. Point it at a database of its own.

Both sides go through the same Django stack (middleware, URL routing, the test client's WSGI
handler) with DEBUG off:
- API: a supervisor's token, `?status=in_progress&status=accepted&page_size=100`, first page
  and a page 90% deep into the filtered list (its cursor);
- floor: the same 100 rows (same filter, same order, same columns, lead unit name and
  responsible user name joined) as `.values()` returned by a plain JsonResponse view.
Prints the medians (and best times), the API/floor ratios (target: within 2x), the deep/first
ratio (target: about 1) and the queries per request for both pages (target: the same number).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import types

from _common import ensure_database, setup_django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ledger_api_bench"
FILTER = {"status": ["in_progress", "accepted"], "page_size": "100"}
FLOOR_FIELDS = (
    "id",
    "title",
    "status",
    "lead_unit_id",
    "lead_unit__name",
    "responsible_id",
    "responsible__username",
    "deadline",
    "deadline_pending",
    "original_deadline",
    "document_id",
    "is_public",
    "completed_on",
    "finished_on_time",
    "last_progress_at",
)


def floor_urlconf() -> str:
    """The project's URLs plus /floor/: the rows as .values() in a plain JsonResponse."""
    from django.http import JsonResponse
    from django.urls import path

    import config.urls
    from commitments.models import Commitment

    def floor(request):
        qs = Commitment.objects.filter(status__in=request.GET.getlist("status")).order_by("-id")
        before = request.GET.get("before")
        if before:
            qs = qs.filter(id__lt=int(before))
        rows = list(qs.values(*FLOOR_FIELDS)[: int(request.GET["page_size"])])
        return JsonResponse({"results": rows})

    module = types.ModuleType("bench_api_urls")
    module.urlpatterns = [path("floor/", floor), *config.urls.urlpatterns]
    sys.modules["bench_api_urls"] = module
    return "bench_api_urls"


def prepare(count: int) -> str:
    """Fill the database if needed; return a supervisor's token."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from commitments.models import Commitment, Unit
    from commitments.services.demo_data import demo_ledger_generate

    call_command("migrate", verbosity=0)
    if Commitment.objects.count() != count:
        print(f"generating {count:,} commitments ...", flush=True)
        call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        demo_ledger_generate(count=count)
        call_command("migrate", verbosity=0)  # flush emptied the role groups' data migration
        print(f"  generated in {time.perf_counter() - started:.1f} s", flush=True)
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    user, _ = get_user_model().objects.get_or_create(username="bench_office")
    office, _ = Unit.objects.get_or_create(
        name="压测督办办公室", defaults={"is_supervisor": True, "kind": Unit.Kind.OFFICE}
    )
    office.members.add(user)
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


def timed(client, path: str, params: dict, headers: dict, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(path, params, headers=headers)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    # A database of its own, whatever DATABASE_URL says: the run may flush it.
    url = os.environ.get("BENCH_API_DATABASE_URL") or DEFAULT_URL
    ensure_database(url)
    setup_django(url)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from commitments.api.pagination import KeysetPagination
    from commitments.models import Commitment

    token = prepare(args.count)
    matching = Commitment.objects.filter(status__in=FILTER["status"]).order_by("-id")
    total = matching.count()
    deep_id = matching.values_list("id", flat=True)[int(total * 0.9)]
    deep_cursor = KeysetPagination.encode_cursor([deep_id])

    client = Client()
    auth = {"authorization": f"Token {token}"}
    cases = {
        "api first": ("/api/v1/commitments/", FILTER, auth),
        "api deep": ("/api/v1/commitments/", {**FILTER, "cursor": deep_cursor}, auth),
        "floor first": ("/floor/", FILTER, {}),
        "floor deep": ("/floor/", {**FILTER, "before": str(deep_id)}, {}),
    }
    with override_settings(ROOT_URLCONF=floor_urlconf()):
        # The API and its floor must return the very same rows.
        for api, floor in (("api first", "floor first"), ("api deep", "floor deep")):
            a = client.get(cases[api][0], cases[api][1], headers=cases[api][2]).json()
            f = client.get(cases[floor][0], cases[floor][1]).json()
            assert [r["id"] for r in a["results"]] == [r["id"] for r in f["results"]]
            assert len(a["results"]) == 100
        queries = {}
        for name in ("api first", "api deep"):
            with CaptureQueriesContext(connection) as captured:
                client.get(cases[name][0], cases[name][1], headers=cases[name][2])
            queries[name] = len(captured)
        for path, params, headers in cases.values():
            timed(client, path, params, headers, 20)  # warm up
        samples: dict[str, list[float]] = {name: [] for name in cases}
        # Interleaved in small slices so drift (caches, other load) hits all four alike.
        for _ in range(max(1, args.rounds // 10)):
            for name, (path, params, headers) in cases.items():
                samples[name] += timed(client, path, params, headers, 10)

    median = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    print(f"database: {connection.vendor}, {args.count:,} commitments, {total:,} match the filter")
    print(f"filter: {FILTER}; deep page starts below id {deep_id} (90% into the list)")
    best = {name: min(values) * 1000 for name, values in samples.items()}
    for name in cases:
        print(
            f"  {name:12s} median {median[name]:7.2f} ms  best {best[name]:6.2f} ms"
            f"  ({len(samples[name])} requests)"
        )
    print(f"  api first / floor first: {median['api first'] / median['floor first']:.2f}x")
    print(f"  api deep  / floor deep:  {median['api deep'] / median['floor deep']:.2f}x")
    print(f"  api deep  / api first:   {median['api deep'] / median['api first']:.2f}x")
    # The best times are the least disturbed by other load on the machine.
    print(f"  best api first / best floor first: {best['api first'] / best['floor first']:.2f}x")
    print(
        f"  queries per request: first page {queries['api first']}, deep page {queries['api deep']}"
    )


if __name__ == "__main__":
    main()

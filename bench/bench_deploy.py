"""Benchmark the hardening's cost per request and how fast the probes answer.

    .venv/bin/python bench/bench_deploy.py [--rounds 300]

Runs on a throwaway SQLite database (DATABASE_URL is ignored) with DEBUG off, through the
test client's WSGI handler, and prints medians and ratios to floors measured in the same run:
- the admin login page with the full middleware stack against the same stack without the
  project's own middleware (request id, probes, CSP, django-axes). Target: within 1.2x;
- /readyz (database SELECT 1 + a broker connection) against /healthz (nothing checked);
- /readyz with the broker at a closed port (the 503 path) against /healthz: it must answer
  promptly, not wait for a timeout.
The broker is CELERY_BROKER_URL if set (e.g. redis://127.0.0.1:6379/5), else the filesystem one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OWN_MIDDLEWARE = (
    "config.middleware.RequestIdMiddleware",
    "config.middleware.HealthCheckMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
)


def medians_ms(calls: dict[str, object], rounds: int) -> dict[str, float]:
    """Median time of each call, sampled in turn so drift in machine load hits all alike."""
    for call in calls.values():
        for _ in range(min(20, rounds)):  # warm-up: imports, connections, template caches
            call()  # type: ignore[operator]
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            started = time.perf_counter()
            call()  # type: ignore[operator]
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
    os.environ["LEDGER_VAR_DIR"] = str(workdir / "var")
    # The 503 path logs an error per request; the figures are what this prints.
    os.environ.setdefault("LOG_LEVEL", "CRITICAL")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client, override_settings

    call_command("migrate", verbosity=0)

    with override_settings(DEBUG=False):

        def get(client: Client, path: str, expect: int) -> None:
            response = client.get(path)
            assert response.status_code == expect, (path, response.status_code)

        full = Client()
        bare = Client()
        bare_stack = [m for m in settings.MIDDLEWARE if m not in OWN_MIDDLEWARE]
        with override_settings(MIDDLEWARE=bare_stack):
            get(bare, "/admin/login/", 200)  # the handler loads its middleware now
        page = medians_ms(
            {
                "full": lambda: get(full, "/admin/login/", 200),
                "bare": lambda: get(bare, "/admin/login/", 200),
            },
            args.rounds,
        )
        probes = medians_ms(
            {
                "healthz": lambda: get(full, "/healthz", 200),
                "readyz": lambda: get(full, "/readyz", 200),
            },
            args.rounds,
        )
        with override_settings(
            CELERY_BROKER_URL="redis://127.0.0.1:1/0", CELERY_BROKER_TRANSPORT_OPTIONS={}
        ):
            down = medians_ms(
                {
                    "healthz": lambda: get(full, "/healthz", 200),
                    "readyz": lambda: get(full, "/readyz", 503),
                },
                max(20, args.rounds // 10),
            )
        login_full, login_bare = page["full"], page["bare"]
        healthz, readyz = probes["healthz"], probes["readyz"]
        readyz_down = down["readyz"]

    broker = settings.CELERY_BROKER_URL.split("://", 1)[0]
    print(f"rounds: {args.rounds}, broker: {broker}")
    print(f"admin login, full stack        {login_full:8.2f} ms")
    print(f"admin login, without our 4 mw  {login_bare:8.2f} ms   (floor)")
    print(f"  ratio                        {login_full / login_bare:8.2f}x  (target <= 1.2x)")
    print(f"/healthz                       {healthz:8.2f} ms   (floor)")
    print(f"/readyz, all reachable         {readyz:8.2f} ms   {readyz / healthz:6.1f}x healthz")
    down_ratio = readyz_down / healthz
    print(f"/readyz, broker down (503)     {readyz_down:8.2f} ms   {down_ratio:6.1f}x healthz")


if __name__ == "__main__":
    main()

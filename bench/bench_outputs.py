"""Benchmark the office's outputs against floors measured in the same run.

    .venv/bin/python bench/bench_outputs.py [--count 20000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ledger_outputs_bench .venv/bin/python ...

Without DATABASE_URL a throw-away SQLite file is used. The database is migrated and filled with
the demo-ledger service (unless it already holds exactly --count commitments).

- Excel export of every commitment (`commitments_to_xlsx`: traffic light and latest progress in
  SQL, styled write-only workbook) against a floor: the same rows' plain `.values()` written to
  an unstyled write-only workbook. Prints seconds, rows/s, the ratio and the peak Python memory.
- 业绩榜 (`unit_performance`) against a floor: one GROUP BY lead unit with a single COUNT.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp.name}/bench.sqlite3")
    os.environ["DEBUG"] = "false"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count
    from openpyxl import Workbook

    from commitments.models import Commitment
    from commitments.selectors.office import office_today
    from commitments.selectors.statistics import unit_performance
    from commitments.services.demo_data import demo_ledger_generate
    from commitments.services.excel import commitments_to_xlsx

    call_command("migrate", verbosity=0)
    if Commitment.objects.count() != args.count:
        Commitment.objects.all().delete()
        demo_ledger_generate(count=args.count, seed=7)
    today = office_today()
    everything = Commitment.objects.all()

    def export() -> None:
        commitments_to_xlsx(commitments=everything, today=today)

    def export_floor() -> None:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        for row in everything.values_list(
            "id", "title", "lead_unit__name", "responsible__username", "deadline", "status"
        ).iterator(chunk_size=2000):
            sheet.append(row)
        workbook.save(io.BytesIO())

    def ranking() -> None:
        unit_performance(today=today)

    def ranking_floor() -> None:
        list(everything.values("lead_unit").annotate(n=Count("id")).order_by())

    export_s = timed(export, args.rounds)
    floor_s = timed(export_floor, args.rounds)
    tracemalloc.start()
    export()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"commitments: {args.count}  ({os.environ['DATABASE_URL'].split(':')[0]})")
    print(
        f"excel export: {export_s:.2f} s ({args.count / export_s:,.0f} rows/s); "
        f"floor {floor_s:.2f} s; ratio {export_s / floor_s:.2f}x; "
        f"peak Python memory {peak / 2**20:.1f} MiB"
    )
    rank_s = timed(ranking, args.rounds * 5)
    rank_floor_s = timed(ranking_floor, args.rounds * 5)
    print(
        f"业绩榜 unit_performance: {rank_s * 1000:.1f} ms; floor {rank_floor_s * 1000:.1f} ms; "
        f"ratio {rank_s / rank_floor_s:.2f}x"
    )
    tmp.cleanup()


if __name__ == "__main__":
    main()

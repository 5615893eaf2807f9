"""Benchmark the seed importer: 1,000 seed-sized documents into PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ledger_bench \
        .venv/bin/python bench/bench_import.py

The database named in DATABASE_URL is created if missing, migrated, and emptied (flush) before
the run: point it at a database of its own.  Each document is a distinct variant of the seed
(its own title, date and wording), so every sha256 differs and every import writes.

Prints documents/s and directives/s for parsing alone, writing alone and the whole pipeline,
and the share of time spent inside the database (timed with connection.execute_wrapper).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from _common import ensure_database

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ledger_bench"
SEED = ROOT / "seeds" / "000_d59561c663881efd.txt"


def variants(count: int) -> list[tuple[str, bytes]]:
    """Seed-sized documents that differ in title, dates and a few words."""
    seed = SEED.read_text(encoding="utf-8")
    base_day = date(2023, 4, 1)
    out = []
    for n in range(count):
        day = base_day + timedelta(days=n)
        text = (
            seed.replace(
                "发动大会上的讲话 (2023年4月1日)",
                f"发动大会第{n}场上的讲话 ({day.year}年{day.month}月{day.day}日)",
            )
            .replace(
                "2023年4月2日", f"{day.year}年{day.month}月{day.day + 1 if day.day < 28 else 1}日"
            )
            .replace("三至五年", ["三至五年", "两至三年", "四至六年"][n % 3])
            .replace("各县区各部门认真", ["各县区各部门认真", "各县区各单位认真"][n % 2])
        )
        out.append((f"bench_{n:04d}.txt", text.encode("utf-8")))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(ROOT))
    ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from commitments.importer.parse import parse_document
    from commitments.models import Commitment, Directive, SourceDocument
    from commitments.services.imports import document_import_parsed

    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")

    docs = variants(args.documents)

    # 1) Parsing alone (no database).
    t0 = time.perf_counter()
    parsed = [parse_document(data, name=name) for name, data in docs]
    parse_s = time.perf_counter() - t0
    directives = sum(len(p.directives) for p in parsed)
    assert len({p.sha256 for p in parsed}) == len(parsed), "variants must differ"

    # 2) Writing the parsed documents, timing every SQL statement.
    db_time = 0.0
    queries = 0

    def timed(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal db_time, queries
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            db_time += time.perf_counter() - start
            queries += 1

    t0 = time.perf_counter()
    with connection.execute_wrapper(timed):
        for i, ((name, _), doc) in enumerate(zip(docs, parsed, strict=True), start=1):
            document_import_parsed(parsed=doc, name=name)
            if i % 100 == 0:
                print(f"  {i}/{len(docs)} written", file=sys.stderr)
    write_s = time.perf_counter() - t0

    assert SourceDocument.objects.count() == len(docs)
    assert Directive.objects.count() == directives
    total_s = parse_s + write_s
    n = len(docs)
    print(f"documents: {n}, directives: {directives}, commitments: {Commitment.objects.count()}")
    print(f"queries: {queries} ({queries / n:.1f} per document)")
    for label, seconds in (
        ("parse only", parse_s),
        ("write only", write_s),
        ("parse+write", total_s),
    ):
        print(
            f"{label:<11}: {seconds:7.2f} s  {n / seconds:8.1f} documents/s  "
            f"{directives / seconds:9.1f} directives/s"
        )
    print(f"ratio write/parse time        : {write_s / parse_s:.2f}")
    print(f"ratio database / total time   : {db_time / total_s:.2f}  ({db_time:.2f} s in SQL)")
    print(f"ratio database / write time   : {db_time / write_s:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
